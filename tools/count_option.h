// A count given on the command line (--jobs, --max-schedules, --boot): decimal digits only.
// boost::program_options reads "-1" into an unsigned option as its wrap-around
// (18446744073709551615) and accepts it; an option declared po::value<CountOption>() refuses it
// like any other malformed value ("the argument ('-1') for option '--jobs' is invalid").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/any.hpp>

namespace reprobe {

struct CountOption {
  uint64_t value = 0;
};

// Found by boost::program_options through argument-dependent lookup.
void validate(boost::any& out, const std::vector<std::string>& values, CountOption* /*unused*/, int /*unused*/);

}  // namespace reprobe
