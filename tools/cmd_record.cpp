// reprobe record [-o FILE] [--duration S | --until-idle S | -- COMMAND...]
//                [--replug MODULE]... [--btf FILE] [--no-redact] [-v]
//
// Attaches the eBPF tracer (tracer/ebpf/bpf_tracer.h), writes the trace header
// (hooks and tiers, machine snapshot, devices and drivers present now), then
// streams events as canonical lines (tracer/ebpf/record_line_writer.h: no JSON
// tree per event, redaction cached per distinct string) into a 64 KiB buffer
// written out in whole lines when full and after every poll batch: a recorder
// killed with SIGKILL leaves a valid prefix (at worst a truncated last line,
// which the reader ignores with a warning).
// SIGINT/SIGTERM, the duration, idleness or the end of COMMAND stop it
// cleanly with the end line (drops, lost records, end snapshot).
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "replayer/trace/redact.h"
#include "replayer/trace/trace_writer.h"
#include "replayer/trace/visible.h"
#include "tools/commands.h"
#include "tools/output_guard.h"
#include "tracer/ebpf/bpf_tracer.h"
#include "tracer/ebpf/record_line_writer.h"
#include "tracer/record/init_root_follower.h"
#include "tracer/record/kmsg_backend.h"
#include "tracer/record/recording_output.h"
#include "tracer/record/recording_session.h"
#include "tracer/record/workload.h"
#include "tracer/snapshot/snapshot.h"
#include "tracer/snapshot/sysfs_devices.h"

namespace po = boost::program_options;

namespace reprobe {
namespace {

size_t count_deferred_now() {
  std::ifstream in("/sys/kernel/debug/devices_deferred");
  if (!in) return 0;
  size_t n = 0;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

struct Options : RecordOptions {  // tracer/record/recording_session.h
  std::string btf;
  double ring_mib = static_cast<double>(kDefaultRingBytes >> 20);
  std::vector<std::string> follow_work;
  bool allow_partial = false;
  bool follow_init_root = false;  // started from the initramfs by `reprobe boot run --in-initramfs`
};

using LogFn = std::function<void(const std::string&)>;

po::options_description record_options(Options& o) {
  po::options_description opts("reprobe record options");
  opts.add_options()("help,h", "show this help")("output,o", po::value(&o.output),
                                                 "trace file to write (default: stdout); written incrementally")(
      "duration,d", po::value(&o.duration), "stop after S seconds")(
      "until-idle", po::value(&o.until_idle), "stop once no event arrived for S seconds (default 3 with --replug)")(
      "replug", po::value(&o.replug)->composing(),
      "unload and reload sound module MODULE under trace (repeatable; reloaded in the order given); fails when "
      "the module is in use (see --rebind)")("rebind", po::value(&o.rebind)->composing(),
                                             "unbind DEVICE from its driver and bind it again under trace (repeatable; "
                                             "e.g. 0000:00:1f.3, the PCI audio function): re-runs the probes while "
                                             "modules stay loaded")(
      "btf", po::value(&o.btf), "vmlinux BTF file for kernels without /sys/kernel/btf/vmlinux")(
      "ring-size", po::value(&o.ring_mib)->default_value(o.ring_mib),
      "BPF ring buffer size in MiB (rounded up to a power of two; 1..1024)")(
      "follow-work", po::value(&o.follow_work)->composing(),
      "also record the work items of kernel function FUNC when queued outside a probe (repeatable; built in: "
      "azx_probe_work, sof_probe_work, request_firmware_work_func, deferred_probe_timeout_work_func)")(
      "no-redact", "keep serial numbers, MAC addresses, host and user names")(
      "backend", po::value<std::string>()->default_value("bpf"),
      "capture backend: bpf (eBPF), kmsg (/dev/kmsg, no BPF; docs/import.md), auto (bpf if it attaches, else kmsg)")(
      "dyndbg",
      "kmsg backend: enable dynamic debug for drivers/base/dd.c and the sound probe messages while recording (restored "
      "on exit)")("kmsg-from-now", "kmsg backend: start at the end of the kernel ring buffer instead of its start")(
      "allow-partial", "record even when the hooks a replayable trace needs (probe attempts and binds) cannot attach")(
      "verbose,v", "print every hook and the tier it attached with");
  return opts;
}

void print_usage(const po::options_description& opts) {
  std::cout << "usage: reprobe record [-o FILE] [--duration S | --until-idle S | -- COMMAND...]\n"
               "                      [--replug MODULE]... [--rebind DEVICE]... [--btf FILE] [--no-redact] "
               "[--allow-partial] [-v]\n\n"
               "Capture driver-core probe, deferral and trigger events, firmware, module, workqueue,\n"
               "ASoC and ALSA card events with eBPF into a reprobe trace (docs/trace-format.md).\n"
               "Needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF.\n\n"
            << opts
            << "\nStops on SIGINT/SIGTERM, after --duration, after --until-idle, or when COMMAND exits;\n"
               "the trace then ends with the end line (drops, lost records, end snapshot).\n"
               "\nexit status: 0 trace written, 2 bad usage or the tracer could not start (also when the hooks\n"
               "of probe attempts and binds cannot attach, unless --allow-partial)\n"
               "\nexamples:\n"
               "  sudo reprobe record -o boot.trace --replug snd_sof_pci_intel_tgl\n"
               "  sudo reprobe record -o hda.trace -- modprobe snd-hda-intel\n"
               "  sudo reprobe record -o live.trace --duration 30\n";
}

// The option checks; an exit status if the options are not usable.
std::optional<int> check_options(const po::variables_map& vm, const std::string& backend, const Options& o) {
  if (backend != "bpf" && backend != "kmsg" && backend != "auto") {
    std::cerr << "reprobe record: --backend must be bpf, kmsg or auto, not '" << backend << "'\n";
    return 2;
  }
  if (!o.follow_work.empty() && backend == "kmsg") {
    std::cerr << "reprobe record: --follow-work needs the bpf backend (kernel logs do not show work items)\n";
    return 2;
  }
  if ((vm.count("dyndbg") || vm.count("kmsg-from-now")) && backend == "bpf") {
    std::cerr << "reprobe record: --dyndbg and --kmsg-from-now need --backend kmsg or auto\n";
    return 2;
  }
  if (!(o.ring_mib >= 1 && o.ring_mib <= 1024)) {
    std::cerr << "reprobe record: --ring-size takes a size in MiB between 1 and 1024\n";
    return 2;
  }
  for (const auto& f : o.follow_work)
    if (f.empty() || f.size() > 63 ||
        f.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != std::string::npos) {
      std::cerr << "reprobe record: --follow-work takes a kernel function name, not '" << f << "'\n";
      return 2;
    }
  if (!(o.duration >= 0) || !(o.until_idle >= 0) || !std::isfinite(o.duration) || !std::isfinite(o.until_idle)) {
    std::cerr << "reprobe record: --duration and --until-idle take a positive number of seconds\n";
    return 2;
  }
  // Refused before anything attaches: a capture that cannot be written is lost.
  std::error_code ec;
  if (o.output.empty() || (o.output != "-" && std::filesystem::is_directory(o.output, ec))) {
    std::cerr << "reprobe record: -o takes a file to write ('" << o.output
              << (o.output.empty() ? "' is empty)\n" : "' is a directory)\n");
    return 2;
  }
  if ((o.duration > 0) + (o.until_idle > 0) + !o.command.empty() > 1) {
    std::cerr << "reprobe record: choose one of --duration, --until-idle and -- COMMAND\n";
    return 2;
  }
  return std::nullopt;
}

nlohmann::ordered_json bpf_trace_header(BpfTracer& tr, const Options& o, const nlohmann::ordered_json& snapshot,
                                        const nlohmann::ordered_json& devices, const SysfsInventory& inventory,
                                        Redactor& redactor) {
  nlohmann::ordered_json header;
  header["format"] = "reprobe-trace";
  header["version"] = 1;
  header["source"] = "bpf";
  header["kernel"] = header_kernel_json(snapshot);
  header["clock"] = "boottime_ns";
  header["hooks"] = tr.hooks_json();
  header["snapshot"] = snapshot;
  header["devices"] = devices;
  header["drivers"] = header_drivers_json(inventory.drivers);
  nlohmann::ordered_json rec;
  rec["missing"] = tr.missing();
  rec["probe_convention"] = tr.new_probe_convention() ? ">=5.14" : "<=5.13";
  rec["redacted"] = o.redact;
  if (!o.replug.empty()) rec["replug"] = o.replug;
  if (!o.rebind.empty()) rec["rebind"] = o.rebind;
  if (!o.follow_work.empty()) rec["follow_work"] = o.follow_work;
  header["x-record"] = rec;
  redactor.scrub_json(header["devices"]);

  return header;
}

// Trace events as canonical lines, kept in a buffer written out in whole lines
// when full and after every poll batch.
class LineOutput {
 public:
  LineOutput(Redactor& redactor, std::ostream* out, bool verbose, LogFn log)
      : lines_(redactor), out_(out), verbose_(verbose), log_(std::move(log)) {
    pending_.reserve(kOutBuffer + 4096);
  }
  void write_pending() {
    if (!pending_.empty()) out_->write(pending_.data(), static_cast<std::streamsize>(pending_.size()));
    pending_.clear();
    out_->flush();
  }
  void add(DecodedEvent&& ev) {
    if (auto r = lines_.append(ev, pending_); r) {
      last_t = ev.t();
      ++events_written;
    } else {
      ++rejected;
      if (verbose_)
        log_(fmt::format("event dropped by the trace writer: {}: {}", r.error().message,
                         ev.to_json().dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)));
    }
    if (pending_.size() >= kOutBuffer) write_pending();
  }
  uint64_t rejected = 0, last_t = 0, events_written = 0;

 private:
  static constexpr size_t kOutBuffer = 64 << 10;
  RecordLineWriter lines_;
  std::string pending_;  // whole canonical lines not yet written
  std::ostream* out_;
  bool verbose_;
  LogFn log_;
};

// 4. Workload (replug and/or the command) and the poll loop until a stop rule fires.
void run_workload_and_poll(BpfTracer& tr, const Options& o, RecordingSession& session, RecordingOutput& output,
                           LineOutput& lo, const std::function<void(DecodedEvent&&)>& sink, const LogFn& log) {
  using clock = RecordingSession::Clock;
  std::ostream* out = &output.stream();
  if (!o.replug.empty() || !o.rebind.empty())
    reprobe_workload(
        o.replug, o.rebind,
        [&] {
          // Drain what the unload produced before reloading, so the trace stays in order.
          if (auto r = tr.poll_events(200, sink); !r) log(r.error().str());
          lo.write_pending();
        },
        log);
  if (!o.command.empty()) session.watch_command(spawn_command(o.command));

  const bool tty = isatty(STDERR_FILENO) && !output.to_stdout();
  for (;;) {
    auto r = tr.poll_events(100, sink);
    if (!r) {
      log(r.error().str());
      session.source_failed();
      break;
    }
    lo.write_pending();
    if (!session.output_ok(*out, o.output, log)) break;
    const auto now = clock::now();
    if (tty && session.status_line_due(now))
      std::cerr << fmt::format("\rreprobe record: {} events, {} dropped, {} deferred now   ", lo.events_written,
                               tr.dropped(), count_deferred_now())
                << std::flush;
    if (session.should_stop(now, *r > 0)) break;
  }
  // Let the work the command started finish (deferred work, firmware callbacks).
  if (session.why_stopped() == StopReason::command_exited)
    if (auto r2 = tr.poll_events(500, sink); !r2) log(r2.error().str());
  if (tty) std::cerr << "\n";
  session.finish_command();
}

// `--follow-init-root` (a recorder started from the initramfs): follows PID 1 into the real root
// at switch_root, before module hooks open their files by path there, so modules loaded
// afterwards are attached too; learns the real system's host name then (systemd sets the
// kernel's from /etc/hostname after the switch), so the rest of the trace is redacted too.
class InitRootWatch {
 public:
  InitRootWatch(bool enabled, Redactor& redactor, LogFn log) : redactor_(redactor), log_(std::move(log)) {
    if (!enabled) return;
    if (auto f = InitRootFollower::open(); f)
      follower_.emplace(std::move(*f));
    else
      log_(f.error().str() + "; modules loaded after the switch to the real root will not be hooked");
  }
  // For BpfOptions::before_paths; empty when not following.
  std::function<void()> callback() {
    if (!follower_) return {};
    return [this] {
      auto moved = follower_->follow();
      if (moved && *moved) {
        log_("init switched root: recording on in the real root");
        learn_host_names();
      }
      if (!moved && !failed_) log_(moved.error().str());
      failed_ = failed_ || !moved;
    };
  }
  // Before the end snapshot: the host name may have been set since the switch.
  void before_end() {
    if (follower_ && follower_->moves() > 0) learn_host_names();
  }

 private:
  void learn_host_names() {
    for (const char* p : {"/etc/hostname", "/proc/sys/kernel/hostname"}) {
      std::ifstream in(p);
      std::string name;
      if (in >> name) redactor_.add_host(name);
    }
  }
  Redactor& redactor_;
  LogFn log_;
  std::optional<InitRootFollower> follower_;
  bool failed_ = false;
};

// The bpf backend (backend "auto": the kmsg one if eBPF cannot attach).
int record_with_bpf(const Options& o, const std::string& backend, KmsgRecordOptions& ko) {
  LogFn log = [](const std::string& s) { std::cerr << "reprobe record: " << s << "\n"; };

  // 1. What is on the machine before the first event: devices, drivers, snapshot.
  Redactor redactor = o.redact ? Redactor::for_this_machine() : Redactor::disabled();
  auto inventory = scan_sysfs("/sys");
  if (!inventory) {
    log(inventory.error().str());
    return 2;
  }
  nlohmann::ordered_json devices = header_devices_json(inventory->devices);
  std::vector<std::string> initial_devices;
  for (const auto& d : devices) initial_devices.push_back(d["dev"].get<std::string>());

  // 2. Attach.
  BpfOptions bo;
  bo.btf_path = o.btf;
  bo.verbose = o.verbose;
  bo.log = log;
  bo.initial_devices = initial_devices;
  bo.ring_bytes = static_cast<uint64_t>(o.ring_mib * (1 << 20));
  bo.follow_work = o.follow_work;
  InitRootWatch root_watch(o.follow_init_root, redactor, log);
  bo.before_paths = root_watch.callback();
  auto tracer = BpfTracer::start(bo);
  if (!tracer) {
    log(tracer.error().str());
    if (backend == "auto") {
      log("backend auto: eBPF cannot attach; using the kmsg backend");
      ko.why = "auto: bpf failed: " + tracer.error().str();
      return record_with_kmsg(ko);
    }
    return 2;
  }
  BpfTracer& tr = **tracer;
  for (const auto& m : tr.missing()) log("missing: " + m);
  if (const auto essential = missing_essential_hooks(tr.hook_status()); !essential.empty() && !o.allow_partial) {
    for (const auto& m : essential) log("cannot record a replayable trace: " + m);
    if (backend == "auto") {
      log("backend auto: the essential eBPF hooks cannot attach; using the kmsg backend");
      tracer->reset();
      ko.why = "auto: bpf lacks " + fmt::format("{}", fmt::join(essential, "; "));
      return record_with_kmsg(ko);
    }
    log("nothing written; --allow-partial records anyway, --backend kmsg records from the kernel log");
    return 2;
  }
  if (backend == "auto") log("backend auto: using bpf");
  if (o.verbose)
    for (const auto& h : tr.hook_status())
      log(fmt::format("hook {:<40} {:<10} {}{}", h.hook, h.tier.empty() ? "-" : h.tier, fmt::join(h.targets, ","),
                      h.note.empty() ? "" : " (" + h.note + ")"));

  SnapshotOptions so;
  so.redact = o.redact;
  so.redactor = &redactor;
  nlohmann::ordered_json snapshot = take_snapshot(so);
  nlohmann::ordered_json header = bpf_trace_header(tr, o, snapshot, devices, *inventory, redactor);

  // 3. Output: written as we go (no temp file: a killed recorder must leave a prefix).
  auto output = RecordingOutput::open(o.output, header);
  if (!output) {
    log(output.error().str());
    return 2;
  }
  TraceWriter& writer = (*output)->writer();
  const std::atomic<int>& stop_signal = install_stop_signal_handlers();
  log(fmt::format("recording to {} ({} hooks attached{}); Ctrl-C to stop", visible((*output)->name()),
                  tr.hooks_json().size(),
                  tr.missing().empty() ? "" : fmt::format(", {} missing", tr.missing().size())));
  LineOutput lo(redactor, &(*output)->stream(), o.verbose, log);
  std::function<void(DecodedEvent &&)> sink = [&lo](DecodedEvent&& ev) { lo.add(std::move(ev)); };

  // 4. Workload and poll loop.
  using clock = RecordingSession::Clock;
  RecordingSession session(o.stop_rules(), clock::now(), stop_signal);
  run_workload_and_poll(tr, o, session, **output, lo, sink, log);
  // -v: where the time between the stop and the exit goes (slow machines)
  auto t_phase = clock::now();
  auto phase = [&](const char* what) {
    const auto now = clock::now();
    if (o.verbose)
      log(fmt::format("stop: {} took {} ms", what,
                      std::chrono::duration_cast<std::chrono::milliseconds>(now - t_phase).count()));
    t_phase = now;
  };
  tr.drain_events(sink);
  lo.write_pending();
  phase("draining the ring buffer");

  // 5. End line with the end snapshot.
  root_watch.before_end();
  nlohmann::ordered_json extra;
  SnapshotOptions end_so = so;
  extra["snapshot"] = take_snapshot(end_so);
  phase("the end snapshot");
  if (lo.rejected) extra["x-rejected"] = lo.rejected;
  session.add_end_fields(extra);
  const uint64_t end_t = std::max(lo.last_t, boottime_ns());
  writer.end(tr.dropped(), tr.lost() + lo.rejected, end_t, extra);
  writer.flush();
  (*output)->close();
  log(fmt::format("{} events, {} dropped, {} lost{}", lo.events_written, tr.dropped(), tr.lost() + lo.rejected,
                  o.output == "-" ? "" : ", written to " + o.output));
  tracer->reset();  // detach every hook (the trace is complete already)
  phase("detaching the hooks");
  return session.exit_code();
}

}  // namespace

int cmd_record(const std::vector<std::string>& args_in) {
  Options o;
  // Everything after "--" is the command to run under trace.
  std::vector<std::string> args;
  for (size_t i = 0; i < args_in.size(); ++i) {
    if (args_in[i] == "--") {
      o.command.assign(args_in.begin() + static_cast<long>(i) + 1, args_in.end());
      break;
    }
    args.push_back(args_in[i]);
  }
  po::options_description opts = record_options(o);
  // Not in --help: what `reprobe boot run --in-initramfs` starts the recorder with.
  po::options_description all = opts;
  all.add_options()("follow-init-root", po::bool_switch(&o.follow_init_root));
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    print_usage(opts);
    return 0;
  }
  o.redact = vm.count("no-redact") == 0;
  o.verbose = vm.count("verbose") > 0;
  o.allow_partial = vm.count("allow-partial") > 0;
  const std::string backend = vm["backend"].as<std::string>();
  if (auto status = check_options(vm, backend, o)) return *status;
  if (!o.btf.empty() && output_is_an_input("record", o.output, {o.btf})) return 2;
  KmsgRecordOptions ko;  // tracer/record/kmsg_backend.h
  ko.dyndbg = vm.count("dyndbg") > 0;
  ko.from_now = vm.count("kmsg-from-now") > 0;
  if (auto r = check_reprobe_workload(o.replug, o.rebind); !r) {  // tracer/record/workload.h
    std::cerr << "reprobe record: " << r.error().str() << "\n";
    return 2;
  }
  if ((!o.replug.empty() || !o.rebind.empty()) && o.duration == 0 && o.command.empty() && o.until_idle == 0)
    o.until_idle = 3;
  static_cast<RecordOptions&>(ko) = o;
  if (backend == "kmsg") return record_with_kmsg(ko);
  return record_with_bpf(o, backend, ko);
}

}  // namespace reprobe
