// See count_option.h.
#include "tools/count_option.h"

#include <charconv>

#include <boost/program_options.hpp>

namespace reprobe {

void validate(boost::any& out, const std::vector<std::string>& values, CountOption* /*unused*/, int /*unused*/) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(out);
  const std::string& s = po::validators::get_single_string(values);
  CountOption c;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, c.value);
  if (s.empty() || s.front() < '0' || s.front() > '9' || ec != std::errc{} || ptr != end)
    throw po::invalid_option_value(s);
  out = c;
}

}  // namespace reprobe
