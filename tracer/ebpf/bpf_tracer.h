// Loader of bpf/reprobe.bpf.c: checks the environment, picks an attach tier
// per hook at run time (fentry/fexit -> kprobe/kretprobe -> tracepoint),
// attaches, and turns the ring buffer into trace format v1 events
// (tracer/ebpf/event_decoder.h). Sound hooks live in modules that may load later:
// they attach lazily when the module (and its BTF) appears.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "tracer/ebpf/decoded_event.h"

namespace reprobe {

struct BpfOptions {
  std::string btf_path;  // --btf: external vmlinux BTF (bpf_object_open_opts.btf_custom_path)
  bool verbose = false;
  std::function<void(const std::string&)> log;  // diagnostics
  std::vector<std::string> initial_devices;     // dev_name()s present at start
  uint64_t ring_bytes = 0;  // BPF ring buffer size (rounded up to a power of two); 0 = kDefaultRingBytes
  // Work functions to follow even when queued outside a probe, besides the
  // built-in azx_probe_work, sof_probe_work, request_firmware_work_func and
  // deferred_probe_timeout_work_func (matched by name in BPF on 5.13+, so
  // functions of modules loaded later count too).
  std::vector<std::string> follow_work;
  // Called after each wait for the ring, before anything is decoded or attached (which may
  // open /proc/kallsyms, tracefs or a module's BTF by path): a recorder started from the
  // initramfs moves into the real root there (tracer/record/init_root_follower.h).
  std::function<void()> before_paths;
};

constexpr uint64_t kDefaultRingBytes = 64ull << 20;

// How one hook ended up attached (for -v output and tests).
struct HookStatus {
  std::string hook;                  // kernel function (or tracepoint "cat:name")
  std::string tier;                  // fentry | kprobe | tracepoint | "" (not attached)
  std::vector<std::string> targets;  // symbols attached (clones included)
  std::vector<std::string> kinds;    // trace event kinds it produces
  std::string note;                  // why not / how (empty when fine)
  bool pending = false;              // module hook waiting for its module
};

// The event kinds a replayable trace cannot do without: the probe attempts and binds of
// drivers/base/dd.c (really_probe, driver_bound). For each one that no attached hook
// produces: "KIND: HOOK not attached (NOTE)". Empty: the trace can be replayed. `record`
// refuses to run without them unless --allow-partial.
std::vector<std::string> missing_essential_hooks(const std::vector<HookStatus>& hooks);

class BpfTracer {
 public:
  ~BpfTracer();
  BpfTracer(const BpfTracer&) = delete;
  BpfTracer& operator=(const BpfTracer&) = delete;

  // Checks privileges (root or CAP_BPF+CAP_PERFMON: says which is missing),
  // BTF (/sys/kernel/btf/vmlinux or --btf), lockdown, loads and attaches. A
  // hook that cannot attach degrades (recorded in missing()); only "nothing
  // attached at all" is fatal.
  static Result<std::unique_ptr<BpfTracer>> start(const BpfOptions& opts);

  // Header "hooks": trace event kind -> "fentry" | "kprobe" | "tracepoint".
  nlohmann::ordered_json hooks_json() const;
  // Human-readable: which events will be missing and why.
  std::vector<std::string> missing() const;
  std::vector<HookStatus> hook_status() const;

  // Waits up to timeout_ms for the ring (woken early once 1/8 of it is
  // unread), then consumes everything in it; decoded events, in time
  // order, go to sink (held back ~50 ms by the reorder window). Also attaches
  // lazily to sound modules that appeared. Returns the number of events emitted.
  Result<size_t> poll(int timeout_ms, const std::function<void(nlohmann::ordered_json)>& sink);
  // Flushes the reorder window at stop.
  void drain(const std::function<void(nlohmann::ordered_json)>& sink);
  // The same without a JSON tree per event (record's hot path:
  // tracer/ebpf/record_line_writer.h); `sink` gets DecodedEvents.
  Result<size_t> poll_events(int timeout_ms, const std::function<void(DecodedEvent&&)>& sink);
  void drain_events(const std::function<void(DecodedEvent&&)>& sink);

  uint64_t dropped() const;     // records lost in BPF (ring full), summed over CPUs
  uint64_t records() const;     // ring records read so far
  uint32_t ring_bytes() const;  // ring buffer size in use
  uint64_t lost() const;        // decoder clamps and malformed records
  std::string kernel_release() const;
  bool new_probe_convention() const;

  struct Impl;

 private:
  explicit BpfTracer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Pre-flight checks, exposed for tests and `reprobe record` diagnostics.
// Empty string = fine, else the problem in one sentence.
std::string bpf_check_privileges();
std::string bpf_check_lockdown(const std::string& lockdown_file_text);
// Current CLOCK_BOOTTIME in ns (the clock of bpf_ktime_get_boot_ns()).
uint64_t boottime_ns();

}  // namespace reprobe
