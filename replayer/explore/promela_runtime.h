// The fixed part of the Promela model `reprobe explore --emit-promela` writes (promela_model.h):
// the deferred-probe rules of drivers/base/dd.c in Promela (the lists, deferred_trigger_count,
// driver_deferred_probe_trigger(), really_probe()'s phases, the deferred_probe_work worker and the
// timeout timer), written once, independently of the simulator; the trace-specific tables and
// processes come from promela_model.cpp.
#pragma once

#include <string_view>

namespace reprobe {

// Globals and scheduling macros (after the generated #defines).
std::string_view promela_runtime_globals();
// The rules as inlines: list operations, trigger, the worker's scheduling, driver_bound(),
// deferred_probe_initcall()'s second half (after the generated inlines they call: provides_assumed,
// dev_resource_up, arm_timeout).
std::string_view promela_runtime_inlines();
// The probing thread (worker K = 0, synchronous callers, async helpers), the timer and the monitor.
std::string_view promela_runtime_processes();

}  // namespace reprobe
