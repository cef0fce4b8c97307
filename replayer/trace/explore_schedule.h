// The schedule a counterexample of `reprobe explore` carries (docs/explore.md,
// docs/trace-format.md "Header"): its header says "source":"explore" and holds
// an "explore" object with the producer of its events ("from"), the policy the
// schedule strands a target under, the jitter window and the candidate taken
// at each choice point. The reader checks it and sets Trace::source to "from"
// (the evidence is that producer's); replay() follows the schedule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/trace/trace.h"

namespace reprobe {

struct ExploreSchedule {
  std::string from;
  std::string policy;
  uint64_t jitter_ns = 0;
  std::vector<uint32_t> choices;
};

// What is wrong with a header's "explore" object ("" when it is well-formed).
inline std::string explore_header_problem(const nlohmann::ordered_json& h) {
  if (!h.contains("explore") || !h["explore"].is_object()) return "source 'explore' needs an object 'explore'";
  const auto& x = h["explore"];
  if (!x.contains("from") || !x["from"].is_string()) return "explore.from must be a string";
  const std::string from = x["from"];
  if (from != "bpf" && from != "kmsg" && from != "dmesg" && from != "synthetic")
    return "explore.from '" + from + "' is not one of bpf|kmsg|dmesg|synthetic";
  if (!x.contains("policy") || !x["policy"].is_string()) return "explore.policy must be a string";
  if (!x.contains("jitter_ns") || !x["jitter_ns"].is_number_unsigned())
    return "explore.jitter_ns must be an unsigned integer";
  if (!x.contains("choices") || !x["choices"].is_array()) return "explore.choices must be an array";
  for (const auto& c : x["choices"])
    if (!c.is_number_unsigned() || c.get<uint64_t>() > UINT32_MAX) return "explore.choices must hold unsigned integers";
  return {};
}

// The schedule of a trace whose header source is "explore" (checked by the reader), else none.
inline std::optional<ExploreSchedule> explore_schedule(const Trace& trace) {
  if (!trace.header.is_object() || !trace.header.contains("source") || trace.header["source"] != "explore" ||
      !explore_header_problem(trace.header).empty())
    return std::nullopt;
  const auto& x = trace.header["explore"];
  ExploreSchedule s;
  s.from = x["from"];
  s.policy = x["policy"];
  s.jitter_ns = x["jitter_ns"];
  for (const auto& c : x["choices"]) s.choices.push_back(c.get<uint32_t>());
  return s;
}

}  // namespace reprobe
