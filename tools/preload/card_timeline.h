// When the testbed's card appears and disappears (docs/preload.md, "The timeline"): the target's
// replayed card registration under one policy (its snd_card_register, else its bind: the card
// registers inside the probe that binds), and a removal at an unbind or device_del the trace
// shows for the target after that time. A stranded or undetermined verdict adds nothing. Also
// the parsing of `--at` times on the trace's clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/trace/error.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

enum class CardChange : uint8_t { add, remove };

struct CardEvent {
  uint64_t t = 0;  // trace clock, ns
  CardChange change = CardChange::add;
  std::string why;  // "replayed card registration (component-kick)", ...
};

struct CardTimeline {
  std::string policy;
  Verdict verdict = Verdict::stranded;
  std::string verdict_note;       // why nothing is added (stranded, undetermined), in words
  std::vector<CardEvent> events;  // in time order
  uint64_t origin = 0;            // the trace's first event time: where the command starts without --at
};

// The card timeline of `target` under the policy of `verdict`.
CardTimeline card_timeline(const Trace& trace, const PolicyVerdict& verdict, DevId target);

// "16.4s", "16400ms", "16400000us", "16400000000ns" or "16.4" (seconds) -> ns. Error text names
// the accepted forms.
Result<uint64_t> parse_trace_time(const std::string& text);

}  // namespace reprobe
