// `reprobe explore --emit-promela`: the explorer's question for one policy, written as a Promela
// model for SPIN (docs/explore.md, "Side by side with SPIN"). The same replay model (contexts and
// their actions, probe attempts, needs, the policy's knobs) drives a second, independent
// implementation of the deferred-probe rules in Promela: a process per execution context of the
// trace (loader tasks, module inits, probe bodies, work items, firmware callbacks), a process per
// probing thread (the synchronous caller of a device_add()/driver_register(), async helpers, the
// deferred_probe_work worker), the timeout timer; the deferred lists and deferred_trigger_count as
// globals; time in microseconds with the explorer's jitter rule (an event may run when it is due
// within the window of the earliest pending one); an assertion that every target is bound when
// nothing is left to run. SPIN's verdict (an assertion violated or not) must equal the explorer's.
//
// The emitter covers the rules the examples and most captures use; a model that needs one it
// does not cover (listed in the error) is refused rather than written wrong.
#pragma once

#include <string>
#include <vector>

#include "replayer/model/model.h"
#include "replayer/model/policy.h"
#include "replayer/trace/error.h"

namespace reprobe {

struct PromelaOptions {
  uint64_t jitter_ns = 1'000'000;  // uniform window (per-kind windows are not emitted)
  uint64_t work_latency_ns = 50'000;
};

// The Promela text, or an error naming what the model uses that the emitter does not cover.
Result<std::string> emit_promela(const Model& model, const Policy& policy, const std::vector<DevId>& targets,
                                 const PromelaOptions& options);

}  // namespace reprobe
