#include "tracer/ebpf/bpf_tracer.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "reprobe.skel.h"
#include "tracer/ebpf/event_decoder.h"
#include "tracer/ebpf/kallsyms.h"

namespace reprobe {

using json = nlohmann::ordered_json;

// ------------------------------------------------------------------ helpers

uint64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapSyslog = 34;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool path_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); i++) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string errstr(int err) {
  int e = err < 0 ? -err : err;
  if (e == 524) return "ENOTSUPP (the kernel cannot do this here; trampolines take at most 6 arguments before 6.6)";
  return std::strerror(e);
}

// libbpf prints through one global callback: route it into the tracer that is
// currently loading (capture for error analysis, forward when verbose).
struct PrintRoute {
  std::string* capture = nullptr;
  bool verbose = false;
  std::function<void(const std::string&)> log;
};
PrintRoute g_route;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
  char buf[4096];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (g_route.capture) g_route.capture->append(buf);
  if (g_route.log && g_route.verbose && level != LIBBPF_DEBUG) g_route.log(std::string("libbpf: ") + trim(buf));
  return 0;
}

// Program names named in libbpf errors ("prog 'fe_x': ...").
std::set<std::string> failed_programs(const std::string& log) {
  std::set<std::string> out;
  static const std::regex re("prog '([A-Za-z0-9_]+)'");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it) {
    // only lines that report a failure
    size_t pos = static_cast<size_t>(it->position());
    size_t eol = log.find('\n', pos);
    std::string line = log.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.find("fail") != std::string::npos || line.find("error") != std::string::npos ||
        line.find("invalid") != std::string::npos || line.find("-E") != std::string::npos)
      out.insert((*it)[1]);
  }
  return out;
}

std::string last_lines(const std::string& s, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  size_t from = lines.size() > n ? lines.size() - n : 0;
  return join(std::vector<std::string>(lines.begin() + static_cast<long>(from), lines.end()), " | ");
}

// Kernel BTF object fd of a module ("" = vmlinux), -1 if not found.
int kernel_btf_fd(const std::string& module) {
  uint32_t id = 0;
  std::string want = module.empty() ? "vmlinux" : module;
  while (bpf_btf_get_next_id(id, &id) == 0) {
    int fd = bpf_btf_get_fd_by_id(id);
    if (fd < 0) continue;
    char name[64] = {};
    bpf_btf_info info{};
    uint32_t len = sizeof info;
    info.name = reinterpret_cast<uintptr_t>(name);
    info.name_len = sizeof name;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && want == name) return fd;
    close(fd);
  }
  return -1;
}

// Loads a trivial fentry/fexit program for `func` and attaches it: the
// only reliable test that trampolines work for this function on this kernel
// (argument count limits, missing ftrace, BTF mismatch...).
bool probe_trampoline(const btf* b, int btf_obj_fd, const std::string& func, bool fexit, std::string* why) {
  int id = btf__find_by_name_kind(b, func.c_str(), BTF_KIND_FUNC);
  if (id <= 0) {
    *why = "no BTF FUNC " + func;
    return false;
  }
  bpf_insn insns[2];
  std::memset(insns, 0, sizeof insns);
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  insns[0].dst_reg = BPF_REG_0;
  insns[0].imm = 0;
  insns[1].code = BPF_JMP | BPF_EXIT;
  bpf_prog_load_opts o;
  std::memset(&o, 0, sizeof o);
  o.sz = sizeof o;
  o.expected_attach_type = fexit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
  o.attach_btf_id = static_cast<uint32_t>(id);
  o.attach_btf_obj_fd = btf_obj_fd > 0 ? static_cast<uint32_t>(btf_obj_fd) : 0;
  int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "rp_probe", "GPL", insns, 2, &o);
  if (fd < 0) {
    *why = std::string(fexit ? "fexit" : "fentry") + " program for " + func + " rejected: " + errstr(errno);
    return false;
  }
  int lfd = bpf_raw_tracepoint_open(nullptr, fd);
  if (lfd < 0) {
    *why = std::string(fexit ? "fexit" : "fentry") + " attach to " + func + " failed: " + errstr(errno);
    close(fd);
    return false;
  }
  close(lfd);
  close(fd);
  return true;
}

// ---------------------------------------------------------------- hook table

enum class Tier { none, fentry, kprobe, tracepoint };
const char* tier_name(Tier t) {
  switch (t) {
    case Tier::fentry:
      return "fentry";
    case Tier::kprobe:
      return "kprobe";
    case Tier::tracepoint:
      return "tracepoint";
    case Tier::none:
      break;
  }
  return "";
}

// Header `hooks` key of the ASoC component lookups (a card bind that defers
// because a link's codec/platform/CPU component is not registered): hooked
// through soc_find_component where it is out of line, else through
// snd_soc_is_matching_component + snd_soc_add_pcm_runtime's return (6.12).
constexpr const char* kAsocComponentKind = "defer_reason.asoc_component";

struct HookDef {
  const char* func;
  const char* module;  // nullptr: vmlinux; else module it lives in when built as a module
  const char* fe;
  const char* fx;
  const char* kp;
  const char* kr;
  std::vector<std::string> kinds;
  bool optional;  // may legitimately be absent (version dependent)
};

// NOLINTNEXTLINE(readability-function-size): a table: one row per hook, no logic
const std::vector<HookDef>& hook_defs() {
  static const std::vector<HookDef> defs = {
      {"really_probe",
       nullptr,
       "fe_really_probe",
       "fx_really_probe",
       "kp_really_probe",
       "kr_really_probe",
       {"probe_start", "probe_end"},
       false},
      {"driver_bound",
       nullptr,
       "fe_driver_bound",
       "fx_driver_bound",
       "kp_driver_bound",
       "kr_driver_bound",
       {"bound"},
       false},
      {"driver_deferred_probe_add", nullptr, "fe_defer_add", nullptr, "kp_defer_add", nullptr, {"defer_add"}, false},
      {"driver_deferred_probe_del", nullptr, "fe_defer_del", nullptr, "kp_defer_del", nullptr, {"defer_del"}, false},
      {"driver_deferred_probe_trigger", nullptr, "fe_trigger", nullptr, "kp_trigger", nullptr, {"trigger"}, false},
      {"device_set_deferred_probe_reason",
       nullptr,
       nullptr,
       "fx_defer_reason",
       "kp_defer_reason",
       "kr_defer_reason",
       {"defer_reason"},
       false},
      {"deferred_probe_work_func",
       nullptr,
       "fe_dwork",
       "fx_dwork",
       "kp_dwork",
       "kr_dwork",
       {"deferred_work_start", "deferred_work_end"},
       false},
      {"deferred_probe_timeout_work_func",
       nullptr,
       "fe_timeout_work",
       "fx_timeout_work",
       "kp_timeout_work",
       "kr_timeout_work",
       {"timeout_fired"},
       false},
      {"deferred_probe_extend_timeout",
       nullptr,
       "fe_extend_timeout",
       nullptr,
       "kp_extend_timeout",
       nullptr,
       {"timeout_extended"},
       true},
      {"device_add", nullptr, "fe_device_add", nullptr, "kp_device_add", nullptr, {"device_add"}, false},
      {"device_del", nullptr, "fe_device_del", nullptr, "kp_device_del", nullptr, {"device_del"}, false},
      {"driver_register",
       nullptr,
       "fe_driver_register",
       nullptr,
       "kp_driver_register",
       nullptr,
       {"driver_register"},
       false},
      {"driver_unregister",
       nullptr,
       "fe_driver_unregister",
       nullptr,
       "kp_driver_unregister",
       nullptr,
       {"driver_unregister"},
       false},
      {"device_release_driver_internal", nullptr, "fe_unbind", nullptr, "kp_unbind", nullptr, {"unbind"}, false},
      {"device_unblock_probing", nullptr, "fe_resume", nullptr, "kp_resume", nullptr, {"resume"}, false},
      {"device_link_add",
       nullptr,
       nullptr,
       "fx_device_link",
       "kp_device_link",
       "kr_device_link",
       {"device_link"},
       false},
      {"request_firmware",
       nullptr,
       "fe_fw_sync",
       "fx_fw_sync",
       "kp_fw_sync",
       "kr_fw_sync",
       {"fw_request", "fw_done"},
       false},
      {"firmware_request_nowarn",
       nullptr,
       "fe_fw_nowarn",
       "fx_fw_nowarn",
       "kp_fw_nowarn",
       "kr_fw_nowarn",
       {"fw_request", "fw_done"},
       true},
      {"request_firmware_nowait", nullptr, "fe_fw_nowait", nullptr, "kp_fw_nowait", nullptr, {"fw_request"}, false},
      {"request_firmware_work_func",
       nullptr,
       "fe_fw_work",
       "fx_fw_work",
       "kp_fw_work",
       "kr_fw_work",
       {"fw_done", "fw_cb_end"},
       false},
      {"_request_firmware", nullptr, nullptr, "fx_rfw", nullptr, "kr_rfw", {"fw_done"}, false},
      {"do_init_module",
       nullptr,
       "fe_init_module",
       "fx_init_module",
       "kp_init_module",
       "kr_init_module",
       {"module_init_done"},
       false},
      // probe_start.async: the probe runs from an async helper (static in dd.c; may be inlined)
      {"__driver_attach_async_helper",
       nullptr,
       "fe_async_driver_attach",
       "fx_async_driver_attach",
       "kp_async_driver_attach",
       "kr_async_driver_attach",
       {"probe_start.async"},
       true},
      {"__device_attach_async_helper",
       nullptr,
       "fe_async_device_attach",
       "fx_async_device_attach",
       "kp_async_device_attach",
       "kr_async_device_attach",
       {"probe_start.async"},
       true},
      {"snd_soc_add_component",
       "snd_soc_core",
       "fe_component_add",
       nullptr,
       "kp_component_add",
       nullptr,
       {"component_add"},
       false},
      {"snd_soc_del_component_unlocked",
       "snd_soc_core",
       "fe_component_del",
       nullptr,
       "kp_component_del",
       nullptr,
       {"component_del"},
       true},
      {"snd_soc_register_card",
       "snd_soc_core",
       "fe_card_bind",
       "fx_card_bind",
       "kp_card_bind",
       "kr_card_bind",
       {"card_bind_start", "card_bind_end"},
       false},
      {"snd_card_register", "snd", nullptr, "fx_snd_card", "kp_snd_card", "kr_snd_card", {"snd_card_register"}, false},
      // which DAI a card bind is missing (the "ASoC: CPU DAI %s not registered" of soc-core.c)
      {"snd_soc_add_pcm_runtime",
       "snd_soc_core",
       "fe_add_pcm_runtime",
       nullptr,
       "kp_add_pcm_runtime",
       nullptr,
       {},
       true},
      {"snd_soc_find_dai",
       "snd_soc_core",
       nullptr,
       "fx_find_dai",
       "kp_find_dai",
       "kr_find_dai",
       {"defer_reason"},
       true},
      {"soc_find_component",
       "snd_soc_core",
       nullptr,
       "fx_find_component",
       "kp_find_component",
       "kr_find_component",
       {"defer_reason", kAsocComponentKind},
       true},
      // where soc_find_component is inlined (6.12): the matcher it calls per registered
      // component and the runtime's -EPROBE_DEFER return (superseded_hooks())
      {"snd_soc_is_matching_component",
       "snd_soc_core",
       nullptr,
       "fx_match_component",
       "kp_match_component",
       "kr_match_component",
       {},
       true},
      {"snd_soc_add_pcm_runtime",
       "snd_soc_core",
       nullptr,
       "fx_add_pcm_runtime",
       nullptr,
       "kr_add_pcm_runtime",
       {"defer_reason", kAsocComponentKind},
       true},
  };
  return defs;
}

struct TpDef {
  const char* cat;
  const char* name;
  const char* prog;
  std::vector<std::string> kinds;
};

const std::vector<TpDef>& tp_defs() {
  static const std::vector<TpDef> defs = {
      {"module", "module_load", "tp_module_load", {"module_load"}},
      {"module", "module_free", "tp_module_free", {}},
      {"module", "module_request", "tp_module_request", {"module_request"}},
      {"workqueue", "workqueue_queue_work", "tp_work_queue", {"work_queue"}},
      {"workqueue", "workqueue_execute_start", "tp_work_start", {"work_start"}},
      {"workqueue", "workqueue_execute_end", "tp_work_end", {"work_end"}},
  };
  return defs;
}

// Work functions always followed (their work items matter even when queued
// from outside a probe).
// The names in environment variable `var` ("a,b,c"; unset or empty: none).
std::set<std::string> env_names(const char* var) {
  std::set<std::string> out;
  const char* v = getenv(var);
  if (!v) return out;
  std::string_view list = v;
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (comma == std::string_view::npos) comma = list.size();
    if (comma > 0) out.emplace(list.substr(0, comma));
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return out;
}

// FNV-1a 64 of a name, as work_by_name() in bpf/reprobe.bpf.c computes it.
uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

constexpr size_t kMaxFollowedWork = 16;  // RP_WORK_NAMES in bpf/reprobe.bpf.c

constexpr const char* kRelevantWorkFuncs[] = {
    "azx_probe_work",
    "sof_probe_work",
    "request_firmware_work_func",
    "deferred_probe_timeout_work_func",
};

struct Plan {
  const HookDef* def = nullptr;
  Tier tier = Tier::none;
  bool fentry_plain = false;                // fe/fx on the plain symbol
  std::vector<std::string> kprobe_targets;  // kp/kr on these symbols
  std::string note;                         // why degraded / how
  bool module_hook = false;                 // lives in a module loaded later (group)
  bool fentry_failed = false;               // fentry/fexit attach refused: retry as kprobe
  bool superseded = false;                  // another route gives its events: not attached, not missing
  std::vector<bpf_link*> links;
  std::vector<std::string> attached;
};

struct TpPlan {
  const TpDef* def = nullptr;
  bool enabled = false;
  std::string note;
  bpf_link* link = nullptr;
};

struct ModGroup {
  std::string module;
  std::vector<size_t> plans;  // indices into Impl::plans
  Tier tier = Tier::none;
  reprobe_bpf* skel = nullptr;
  bool attached = false;
  bool reattach = false;
  uint64_t next_try_ns = 0;
  std::string note;
};

}  // namespace

// ------------------------------------------------------------------- Impl

struct BpfTracer::Impl {
  BpfOptions opts;
  std::string release;
  bool new_conv = true;
  btf* kbtf = nullptr;      // running kernel's BTF (sysfs), for trampoline probes
  btf* info_btf = nullptr;  // BTF used for feature checks (--btf or sysfs)
  bool own_info_btf = false;
  Kallsyms ksyms;
  bool ksyms_dirty = false;
  // available_filter_functions lists the functions of the modules loaded when it
  // was read: a module loaded later must be read again before its hooks are
  // planned, or none of its functions is kprobeable and the group is given up
  // (issue 18 item 4: snd loaded after the recorder started).
  bool aff_dirty = false;
  std::optional<FilterFunctions> aff;
  bool kprobes_ok = false;
  bool trampolines_ok = false;  // some vmlinux fentry probe attached
  // One load-and-attach probe answers "do fentry trampolines work here"; each
  // hook's own fentry attach is then tried for real and a failure falls back
  // to kprobes (fallback_skels). Probing every function first cost ~0.4 s
  // each (two text pokes) on emulated machines.
  std::optional<bool> trampolines_work;
  std::string trampolines_why;
  std::vector<reprobe_bpf*> fallback_skels;
  // REPROBE_BPF_REFUSE_FENTRY=func[,func...]: fault injection for the kprobe
  // fallback (tests/vm scenario fentry-fallback): their fentry/fexit attach is
  // treated as refused by the kernel.
  std::set<std::string> refuse_fentry;
  std::string kprobes_why;
  std::string tracefs;             // tracefs mount point ("" = none)
  std::vector<std::string> notes;  // global "missing" lines
  std::vector<Plan> plans;
  std::vector<TpPlan> tps;
  std::vector<ModGroup> groups;
  reprobe_bpf* skel = nullptr;
  ring_buffer* rb = nullptr;
  uint64_t samples = 0;  // ring records read
  // libbpf's ring_buffer__consume() returns only when the ring is empty: under
  // a sustained burst it would never return, nothing would be written and the
  // held records would grow without bound. on_sample() stops a pass after
  // kBatchRecords records (returning kBatchFull, which libbpf passes back
  // after consuming that record), so the caller writes in between.
  static constexpr size_t kBatchRecords = 16384;
  static constexpr int kBatchFull = -ENOBUFS;
  size_t batch = 0;
  uint64_t newest_ts = 0;  // latest record time consumed
  std::unique_ptr<EventDecoder> decoder;
  uint64_t cfg_trigger = 0, cfg_timeout_secs = 0, cfg_timeout_work = 0;
  bool work_all = false;  // REPROBE_BPF_WORK_ALL=1: every work item (pipeline self-check)
  // bpf_snprintf() exists (5.13+): the kernel names code addresses in the
  // records and matches work functions of later modules by name, so module
  // loads never make user space re-read /proc/kallsyms while recording.
  bool ksym_in_bpf = false;
  std::set<uint64_t> work_funcs_set;
  std::set<std::string> modules_loaded_seen, modules_freed_seen;

  ~Impl() {
    if (rb) ring_buffer__free(rb);
    detach_all();
    for (auto& g : groups) destroy_group(g);
    for (auto* f : fallback_skels) reprobe_bpf__destroy(f);
    if (skel) reprobe_bpf__destroy(skel);
    if (kbtf) btf__free(kbtf);
    if (own_info_btf && info_btf) btf__free(info_btf);
  }

  void log(const std::string& s) const {
    if (opts.log) opts.log(s);
  }
  void vlog(const std::string& s) const {
    if (opts.verbose && opts.log) opts.log(s);
  }

  // Every link (vmlinux and module hooks, tracepoints) released one by one, timed
  // for -v: each fentry/fexit release makes the kernel rebuild or unregister the
  // function's trampoline, the slow part of a stop (docs/benchmarks.md, "Stop →
  // exit"). Releasing them from 16 threads at once was no faster on 6.1 under
  // TCG (41 links in 10.4 s that way; the whole detach one by one took 9.9 s).
  void detach_all() {
    std::vector<bpf_link*> links;
    for (auto& p : plans) {
      links.insert(links.end(), p.links.begin(), p.links.end());
      p.links.clear();
      p.attached.clear();
    }
    for (auto& t : tps) {
      if (t.link) links.push_back(t.link);
      t.link = nullptr;
    }
    const uint64_t t0 = boottime_ns();
    for (bpf_link* l : links) bpf_link__destroy(l);
    vlog("detached " + std::to_string(links.size()) + " links in " + std::to_string((boottime_ns() - t0) / 1000000) +
         " ms");
  }

  void destroy_group(ModGroup& g) {
    for (size_t i : g.plans) {
      for (auto* l : plans[i].links) bpf_link__destroy(l);
      plans[i].links.clear();
      plans[i].attached.clear();
    }
    if (g.skel) reprobe_bpf__destroy(g.skel);
    g.skel = nullptr;
    g.attached = false;
  }

  bool kprobeable(const std::string& sym) const {
    if (aff) return aff->has(sym);
    const KSym* s = ksyms.find(sym);
    return s && (s->type == 't' || s->type == 'T');
  }

  std::vector<std::string> clones_of(const std::string& func) const {
    std::set<std::string> c;
    for (auto& s : ksyms.clones(func)) c.insert(s);
    if (aff)
      for (auto& s : aff->clones(func)) c.insert(s);
    std::vector<std::string> out;
    for (auto& s : c)
      if (kprobeable(s)) out.push_back(s);
    return out;
  }

  // Chooses the tier of a vmlinux hook (module hooks: plan_module_hook).
  void plan_hook(Plan& p) {
    const HookDef& d = *p.def;
    const std::string func = d.func;
    const bool has_fentry_progs = d.fe || d.fx;
    const bool has_kprobe_progs = d.kp || d.kr;
    std::vector<std::string> clones = clones_of(func);
    std::vector<std::string> parts;
    for (auto& c : clones)
      if (is_part_clone(c)) parts.push_back(c);
    const bool plain_exists =
        ksyms.has(func) || (info_btf && btf__find_by_name_kind(info_btf, func.c_str(), BTF_KIND_FUNC) > 0);

    if (!plain_exists && clones.empty()) {
      p.note = func + " is not in this kernel" +
               std::string(d.optional ? " (not expected on every version)" : " (inlined or renamed)");
      return;
    }
    if (!parts.empty()) {
      // ipa-split: callers in the same file inline the header and call the
      // .part clone; the global symbol is only a wrapper around it.
      if (kprobes_ok && has_kprobe_progs) {
        p.tier = Tier::kprobe;
        p.kprobe_targets = clones;
        p.note = func + " is split by the compiler; hooking " + join(clones, ", ");
      } else {
        p.note = func + " is split by the compiler into " + join(parts, ", ") + ", which only kprobes reach (" +
                 kprobes_why + ")";
      }
      return;
    }
    std::string why_not_fentry;
    bool fentry_ok = false;
    if (!has_fentry_progs) {
      why_not_fentry = "no fentry variant";
    } else if (!kbtf) {
      why_not_fentry = "no kernel BTF for trampolines";
    } else if (plain_exists) {
      const int fid = btf__find_by_name_kind(kbtf, func.c_str(), BTF_KIND_FUNC);
      const btf_type* fn = fid > 0 ? btf__type_by_id(kbtf, static_cast<uint32_t>(fid)) : nullptr;
      const btf_type* proto = fn ? btf__type_by_id(kbtf, fn->type) : nullptr;
      if (!proto) {
        why_not_fentry = "no BTF FUNC " + func;
      } else if (btf_vlen(proto) > 6) {
        // x86 trampolines take at most 6 arguments before 6.6: ask this kernel
        // for this function instead of having the verifier refuse the object
        fentry_ok = probe_trampoline(kbtf, 0, func, d.fe == nullptr, &why_not_fentry);
      } else {
        if (!trampolines_work) {
          trampolines_work = probe_trampoline(kbtf, 0, func, d.fe == nullptr, &trampolines_why);
          vlog("fentry trampolines " + std::string(*trampolines_work ? "work" : "do not work") + " (probed on " + func +
               (*trampolines_work ? "" : ": " + trampolines_why) + ")");
        }
        fentry_ok = *trampolines_work;
        if (!fentry_ok) why_not_fentry = "fentry trampolines do not work on this kernel (" + trampolines_why + ")";
      }
    } else {
      why_not_fentry = func + " only exists as " + join(clones, ", ");
    }
    if (fentry_ok) {
      p.tier = Tier::fentry;
      p.fentry_plain = true;
      if (!clones.empty()) {
        if (kprobes_ok && has_kprobe_progs) {
          p.kprobe_targets = clones;
          p.tier = Tier::kprobe;  // mixed: report the weaker tier
          p.note = "fentry on " + func + ", kprobe on clones " + join(clones, ", ");
        } else {
          p.note = "clones " + join(clones, ", ") + " not hooked (" + kprobes_why + ")";
        }
      }
      return;
    }
    if (kprobes_ok && has_kprobe_progs) {
      std::vector<std::string> targets;
      if (plain_exists && kprobeable(func)) targets.push_back(func);
      for (auto& c : clones) targets.push_back(c);
      if (!targets.empty()) {
        p.tier = Tier::kprobe;
        p.kprobe_targets = targets;
        p.note = "kprobe (" + why_not_fentry + ")";
        return;
      }
      p.note = func + " cannot be kprobed (notrace or not in available_filter_functions); fentry: " + why_not_fentry;
      return;
    }
    p.note = "fentry: " + why_not_fentry + "; kprobe: " + (has_kprobe_progs ? kprobes_why : "no kprobe variant");
  }

  void set_rodata(reprobe_bpf* s) const {
    s->rodata->cfg_trigger_count_addr = cfg_trigger;
    s->rodata->cfg_timeout_secs_addr = cfg_timeout_secs;
    s->rodata->cfg_timeout_work_addr = cfg_timeout_work;
    s->rodata->cfg_work_all = work_all ? 1 : 0;
    s->rodata->cfg_wakeup_bytes = wakeup_bytes();
    s->rodata->cfg_ksym_in_bpf = ksym_in_bpf ? 1 : 0;
    uint32_t n = 0;
    for (const std::string& f : followed_work_funcs())
      if (n < std::size(s->rodata->cfg_work_name_hash)) s->rodata->cfg_work_name_hash[n++] = fnv1a64(f);
    s->rodata->cfg_work_names = n;
  }

  // Work functions followed even when queued outside a probe: the built-in
  // ones and `record --follow-work`.
  std::vector<std::string> followed_work_funcs() const {
    std::vector<std::string> v(std::begin(kRelevantWorkFuncs), std::end(kRelevantWorkFuncs));
    for (const auto& f : opts.follow_work)
      if (std::find(v.begin(), v.end(), f) == v.end()) v.push_back(f);
    return v;
  }

  // Ring size in bytes: a power of two, at least one page.
  uint32_t ring_bytes() const {
    uint64_t want = opts.ring_bytes ? opts.ring_bytes : kDefaultRingBytes;
    uint64_t b = 4096;
    while (b < want && b < (1ull << 30)) b <<= 1;
    return static_cast<uint32_t>(b);
  }
  // Wake the reader when 1/8 of the ring (at most 2 MiB) is unread; the
  // reader's poll timeout picks up anything smaller.
  uint64_t wakeup_bytes() const { return std::min<uint64_t>(ring_bytes() / 8, 2u << 20); }

  reprobe_bpf* open_object(std::string* err) const {
    bpf_object_open_opts oo;
    std::memset(&oo, 0, sizeof oo);
    oo.sz = sizeof oo;
    if (!opts.btf_path.empty()) oo.btf_custom_path = opts.btf_path.c_str();
    reprobe_bpf* s = reprobe_bpf__open_opts(&oo);
    if (!s) {
      *err = "cannot open the BPF object: " + errstr(errno);
      return nullptr;
    }
    set_rodata(s);
    bpf_map__set_max_entries(s->maps.events, ring_bytes());
    bpf_program* prog;
    bpf_object__for_each_program(prog, s->obj) bpf_program__set_autoload(prog, false);
    return s;
  }

  static void enable(reprobe_bpf* s, const char* name) {
    if (!name) return;
    if (bpf_program* p = bpf_object__find_program_by_name(s->obj, name)) bpf_program__set_autoload(p, true);
  }

  void enable_plan(reprobe_bpf* s, const Plan& p) const {
    if (p.tier == Tier::none) return;
    if (p.fentry_plain) {
      enable(s, p.def->fe);
      enable(s, p.def->fx);
    }
    if (!p.kprobe_targets.empty()) {
      enable(s, p.def->kp);
      enable(s, p.def->kr);
    }
  }

  // Demotes whatever used a program the kernel refused; true if something changed.
  bool demote(const std::string& prog, const std::vector<size_t>& scope) {
    bool changed = false;
    for (size_t i : scope) {
      Plan& p = plans[i];
      const HookDef& d = *p.def;
      auto is = [&](const char* n) { return n && prog == n; };
      if (p.fentry_plain && (is(d.fe) || is(d.fx))) {
        p.fentry_plain = false;
        if (kprobes_ok && (d.kp || d.kr)) {
          if (kprobeable(d.func) &&
              std::find(p.kprobe_targets.begin(), p.kprobe_targets.end(), d.func) == p.kprobe_targets.end())
            p.kprobe_targets.insert(p.kprobe_targets.begin(), d.func);
        }
        p.tier = p.kprobe_targets.empty() ? Tier::none : Tier::kprobe;
        p.note = "the kernel refused " + prog + (p.tier == Tier::kprobe ? "; falling back to kprobe" : "");
        changed = true;
      } else if (!p.kprobe_targets.empty() && (is(d.kp) || is(d.kr))) {
        p.kprobe_targets.clear();
        if (!p.fentry_plain) p.tier = Tier::none;
        p.note = "the kernel refused " + prog;
        changed = true;
      }
    }
    for (auto& t : tps)
      if (t.enabled && prog == t.def->prog) {
        t.enabled = false;
        t.note = "the kernel refused " + prog;
        changed = true;
      }
    return changed;
  }

  // Opens and loads an object holding the programs of `scope` (plans) and,
  // for the main object, the tracepoints. Maps are shared with `share`.
  reprobe_bpf* load_object(const std::vector<size_t>& scope, bool with_tps, reprobe_bpf* share, std::string* err) {
    for (int attempt = 0; attempt < 12; attempt++) {
      reprobe_bpf* s = open_object(err);
      if (!s) return nullptr;
      for (size_t i : scope) enable_plan(s, plans[i]);
      if (with_tps)
        for (auto& t : tps)
          if (t.enabled) enable(s, t.def->prog);
      if (share) {
        bpf_map* mine;
        bpf_object__for_each_map(mine, s->obj) {
          if (bpf_map__is_internal(mine)) continue;
          bpf_map* theirs = bpf_object__find_map_by_name(share->obj, bpf_map__name(mine));
          if (theirs) bpf_map__reuse_fd(mine, bpf_map__fd(theirs));
        }
      }
      std::string capture;
      g_route.capture = &capture;
      int e = reprobe_bpf__load(s);
      g_route.capture = nullptr;
      if (e == 0) return s;
      reprobe_bpf__destroy(s);
      auto failed = failed_programs(capture);
      bool changed = false;
      for (auto& f : failed) {
        vlog("BPF program " + f + " refused by the kernel; degrading its hook");
        changed |= demote(f, scope);
      }
      if (!changed) {
        *err = "loading the BPF object failed (" + errstr(e) + "): " + last_lines(capture, 4);
        return nullptr;
      }
    }
    *err = "loading the BPF object failed repeatedly";
    return nullptr;
  }

  void attach_plan(reprobe_bpf* s, Plan& p) {
    const HookDef& d = *p.def;
    auto prog = [&](const char* n) -> bpf_program* {
      return n ? bpf_object__find_program_by_name(s->obj, n) : nullptr;
    };
    std::vector<std::string> errs;
    std::set<std::string> via;  // attach types of the links made (-v; bench/vm_stop.sh reads them)
    if (p.fentry_plain) {
      std::vector<bpf_link*> mine;
      std::set<std::string> mine_via;
      for (const char* n : {d.fe, d.fx}) {
        bpf_program* pr = prog(n);
        if (!pr) continue;
        if (refuse_fentry.count(d.func)) {
          errs.push_back(std::string(n) + ": refused by REPROBE_BPF_REFUSE_FENTRY");
          continue;
        }
        bpf_link* l = bpf_program__attach(pr);
        if (!l) {
          errs.push_back(std::string(n) + ": " + errstr(errno));
          continue;
        }
        mine.push_back(l);
        mine_via.insert(n == d.fe ? "fentry" : "fexit");
      }
      if (errs.empty()) {
        p.links.insert(p.links.end(), mine.begin(), mine.end());
        via.insert(mine_via.begin(), mine_via.end());
        p.attached.push_back(d.func);
      } else {
        // half a hook (entry without exit) would be worse than none: the caller retries as kprobe
        for (auto* l : mine) bpf_link__destroy(l);
        p.fentry_failed = true;
      }
    }
    for (const auto& target : p.kprobe_targets) {
      bool ok = true;
      for (auto [n, ret] : {std::pair{d.kp, false}, std::pair{d.kr, true}}) {
        bpf_program* pr = prog(n);
        if (!pr) continue;
        bpf_link* l = bpf_program__attach_kprobe(pr, ret, target.c_str());
        if (!l) {
          ok = false;
          errs.push_back(std::string(ret ? "kretprobe " : "kprobe ") + target + ": " + errstr(errno));
          continue;
        }
        p.links.push_back(l);
        via.insert(ret ? "kretprobe" : "kprobe");
      }
      if (ok) p.attached.push_back(target);
    }
    if (!errs.empty()) p.note += (p.note.empty() ? "" : "; ") + std::string("attach failed: ") + join(errs, ", ");
    if (p.links.empty()) p.tier = Tier::none;
    vlog("hook " + std::string(d.func) + (d.module ? std::string(" [") + d.module + "]" : "") + ": " +
         (p.tier == Tier::none ? "NOT attached" : tier_name(p.tier)) +
         (p.attached.empty() ? "" : " on " + join(p.attached, ", ")) +
         (via.empty() ? "" : " via " + join(std::vector<std::string>(via.begin(), via.end()), ",")) +
         (p.note.empty() ? "" : " (" + p.note + ")"));
  }

  // Hooks whose fentry/fexit attach failed (notrace, ftrace refused, ...):
  // kprobe/kretprobe on the plain function from a second object sharing the
  // maps; clones already hooked by kprobe in the first object stay.
  void fallback_to_kprobes(const std::vector<size_t>& failed) {
    std::vector<size_t> scope;
    std::map<size_t, std::vector<std::string>> clones_hooked;
    for (size_t i : failed) {
      Plan& p = plans[i];
      const HookDef& d = *p.def;
      p.fentry_failed = false;
      p.fentry_plain = false;
      if (!kprobes_ok || !(d.kp || d.kr) || !kprobeable(d.func)) {
        p.note += std::string(p.note.empty() ? "" : "; ") + "fentry attach failed, no kprobe fallback (" +
                  (kprobes_ok ? d.func + std::string(" cannot be kprobed") : kprobes_why) + ")";
        if (p.links.empty()) p.tier = Tier::none;
        continue;
      }
      clones_hooked[i] = p.kprobe_targets;
      p.kprobe_targets = {d.func};
      p.tier = Tier::kprobe;  // load_object() loads only the programs of hooked plans
      scope.push_back(i);
    }
    if (scope.empty()) return;
    std::string err;
    reprobe_bpf* s = load_object(scope, false, skel, &err);
    if (s) fallback_skels.push_back(s);
    for (size_t i : scope) {
      Plan& p = plans[i];
      if (s) {
        p.note += std::string(p.note.empty() ? "" : "; ") + "fentry attach failed; kprobe instead";
        attach_plan(s, p);
      } else {
        p.note += std::string(p.note.empty() ? "" : "; ") + "fentry attach failed; kprobe fallback: " + err;
        if (p.links.empty()) p.tier = Tier::none;
      }
      auto& c = clones_hooked[i];
      p.kprobe_targets.insert(p.kprobe_targets.end(), c.begin(), c.end());
    }
  }

  // ---- module groups (sound hooks, attached when the module is there)

  static bool module_live(const std::string& mod) {
    std::string st = trim(read_file("/sys/module/" + mod + "/initstate"));
    return st == "live" || st == "coming";
  }

  bool try_attach_group(ModGroup& g) {
    if (g.tier == Tier::none) return false;
    if (!module_live(g.module)) return false;
    if (!path_exists("/sys/kernel/btf/" + g.module)) {
      g.note = "module " + g.module + " has no BTF (/sys/kernel/btf/" + g.module +
               "; CONFIG_DEBUG_INFO_BTF_MODULES): sound structs cannot be read";
      return false;
    }
    if (ksyms_dirty) reload_ksyms();  // the module's own symbols (and clones)
    if (aff_dirty) reload_filter_functions();
    int mod_btf_fd = -1;
    btf* mod_btf = nullptr;
    if (g.tier == Tier::fentry) {
      mod_btf_fd = kernel_btf_fd(g.module);
      mod_btf = kbtf ? btf__load_module_btf(g.module.c_str(), kbtf) : nullptr;
    }
    for (size_t i : g.plans) {
      Plan& p = plans[i];
      const HookDef& d = *p.def;
      p.tier = Tier::none;
      p.superseded = false;
      p.fentry_plain = false;
      p.kprobe_targets.clear();
      p.note.clear();
      std::vector<std::string> clones = clones_of(d.func);
      bool plain = ksyms.find(d.func, g.module) != nullptr;
      if (!plain && clones.empty()) {
        p.note =
            std::string(d.func) + " not found in module " + g.module + (d.optional ? " (static, may be inlined)" : "");
        continue;
      }
      if (g.tier == Tier::fentry && plain && mod_btf && mod_btf_fd > 0) {
        std::string why;
        if (probe_trampoline(mod_btf, mod_btf_fd, d.func, d.fe == nullptr, &why)) {
          p.tier = Tier::fentry;
          p.fentry_plain = true;
          continue;
        }
        p.note = why;
        continue;
      }
      if (g.tier == Tier::kprobe) {
        if (plain && kprobeable(d.func)) p.kprobe_targets.push_back(d.func);
        for (auto& c : clones) p.kprobe_targets.push_back(c);
        if (!p.kprobe_targets.empty())
          p.tier = Tier::kprobe;
        else
          p.note = std::string(d.func) + " cannot be kprobed";
      }
    }
    if (mod_btf) btf__free(mod_btf);
    if (mod_btf_fd > 0) close(mod_btf_fd);
    choose_component_lookup(g);
    if (std::none_of(g.plans.begin(), g.plans.end(), [&](size_t i) { return plans[i].tier != Tier::none; })) {
      g.note = "none of its functions can be hooked";
      g.next_try_ns = UINT64_MAX;
      return false;
    }
    std::string err;
    reprobe_bpf* s = load_object(g.plans, false, skel, &err);
    if (!s) {
      g.note = err;
      for (size_t i : g.plans) plans[i].tier = Tier::none;
      g.next_try_ns = UINT64_MAX;  // retry only when the module loads again
      log("cannot attach sound hooks in module " + g.module + ": " + err);
      return false;
    }
    g.skel = s;
    bool any = false;
    for (size_t i : g.plans) {
      attach_plan(s, plans[i]);
      any |= !plans[i].links.empty();
    }
    g.attached = true;
    g.note.clear();
    log(std::string("attached sound hooks in module ") + g.module + (any ? "" : " (none attached)"));
    return any;
  }

  // The ASoC component lookup (kAsocComponentKind) has two routes: soc_find_component
  // where the compiler kept it out of line (6.1), else snd_soc_is_matching_component
  // with snd_soc_add_pcm_runtime's return (6.12 inlines it; bpf/reprobe.bpf.c,
  // on_add_pcm_runtime_done). One is hooked, the other marked superseded.
  static bool is_lookup_fallback(const HookDef& d) {
    const std::string f = d.func;
    return f == "snd_soc_is_matching_component" || (f == "snd_soc_add_pcm_runtime" && !d.kinds.empty());
  }
  void choose_component_lookup(const ModGroup& g) {
    Plan* find = nullptr;
    std::vector<Plan*> alt;
    for (size_t i : g.plans) {
      if (std::string(plans[i].def->func) == "soc_find_component") find = &plans[i];
      if (is_lookup_fallback(*plans[i].def)) alt.push_back(&plans[i]);
    }
    if (!find || alt.empty()) return;
    if (find->tier != Tier::none) {
      for (Plan* p : alt) {
        p->tier = Tier::none;
        p->superseded = true;
        p->note = "not needed: soc_find_component is out of line";
      }
      return;
    }
    std::vector<std::string> why;
    for (Plan* p : alt)
      if (p->tier == Tier::none) why.push_back(std::string(p->def->func) + ": " + p->note);
    if (why.empty()) {
      find->superseded = true;
      find->note += "; its lookups are seen through snd_soc_is_matching_component and snd_soc_add_pcm_runtime";
      return;
    }
    for (Plan* p : alt) {
      p->tier = Tier::none;
      p->note = "the fallback of soc_find_component needs both of its hooks (" + join(why, "; ") + ")";
    }
  }

  void reload_filter_functions() {
    aff_dirty = false;
    if (!aff) return;  // not used (no tracefs when started): kallsyms decides
    const uint64_t t0 = boottime_ns();
    if (auto a = FilterFunctions::load(tracefs + "/available_filter_functions"); a && a->size() > 0)
      aff = std::move(*a);
    vlog("re-read available_filter_functions (" + std::to_string(aff->size()) + " functions) in " +
         std::to_string((boottime_ns() - t0) / 1000000) + " ms");
  }

  void reload_ksyms() {
    const uint64_t t0 = boottime_ns();
    auto k = Kallsyms::load();
    if (k) {
      ksyms = std::move(*k);
      ksyms_dirty = false;
      update_work_funcs();
    }
    vlog("re-read /proc/kallsyms (" + std::to_string(ksyms.size()) + " symbols) in " +
         std::to_string((boottime_ns() - t0) / 1000000) + " ms");
  }

  void update_work_funcs() {
    // With bpf_snprintf the BPF side matches followed work functions by name
    // (work_by_name: modules loaded later included); the address map is the
    // fallback of older kernels.
    if (!skel || ksym_in_bpf) return;
    int fd = bpf_map__fd(skel->maps.work_funcs);
    for (const std::string& f : followed_work_funcs()) {
      const KSym* s = ksyms.find(f);
      if (!s || s->addr == 0 || work_funcs_set.count(s->addr)) continue;
      uint64_t key = s->addr;
      uint8_t one = 1;
      if (bpf_map_update_elem(fd, &key, &one, BPF_ANY) == 0) work_funcs_set.insert(key);
    }
  }

  std::string symbolize(uint64_t addr) {
    std::string s = ksyms.symbolize(addr);
    if ((s.empty() || s.find('+') != std::string::npos) && ksyms_dirty) {
      reload_ksyms();
      s = ksyms.symbolize(addr);
    }
    return s;
  }

  void service_groups() {
    uint64_t now = boottime_ns();
    for (auto& g : groups) {
      bool freed = modules_freed_seen.count(g.module) != 0;
      bool loaded = modules_loaded_seen.count(g.module) != 0;
      if (g.attached && (freed || loaded)) {
        // the module went away (kprobes on it are dead) or came back: re-attach
        destroy_group(g);
        g.next_try_ns = 0;
      }
      if (g.attached || g.tier == Tier::none) continue;
      if (now < g.next_try_ns && !loaded) continue;
      if (!try_attach_group(g) && g.next_try_ns != UINT64_MAX) g.next_try_ns = now + 1000000000ull;
    }
    modules_freed_seen.clear();
    modules_loaded_seen.clear();
  }

  static int on_sample(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Impl*>(ctx);
    self->samples++;
    const int ret = ++self->batch >= kBatchRecords ? kBatchFull : 0;
    RawRecord r;
    if (!parse_raw_record(data, size, &r)) {
      self->decoder->push(data, size);  // counted as malformed
      return ret;
    }
    self->newest_ts = std::max<uint64_t>(self->newest_ts, r.hdr.ts);
    if (r.hdr.kind == RP_MODULE_LOAD || r.hdr.kind == RP_MODULE_FREE) {
      self->ksyms_dirty = true;
      self->aff_dirty = true;
      for (auto& g : self->groups)
        if (g.module == r.str)
          (r.hdr.kind == RP_MODULE_LOAD ? self->modules_loaded_seen : self->modules_freed_seen).insert(r.str);
    }
    self->decoder->push(std::move(r));
    return ret;
  }

  // ---- BpfTracer::start() phases: prepare (access, BTF, symbols, features,
  // hook plan) / load / attach, like retsnoop's mass_attacher.

  // -v: how long each start-up phase took (start-up is slow on small or emulated machines)
  uint64_t phase_t0 = 0;
  void phase_done(const char* what) {
    const uint64_t now = boottime_ns();
    vlog(std::string("start-up: ") + what + " took " + std::to_string((now - phase_t0) / 1000000) + " ms");
    phase_t0 = now;
  }

  // Privileges and lockdown; the kernel release.
  std::optional<Error> check_access() {
    if (auto e = bpf_check_privileges(); !e.empty()) return Error{"", 0, e};
    std::string lockdown = read_file("/sys/kernel/security/lockdown");
    if (auto e = bpf_check_lockdown(lockdown); !e.empty()) return Error{"", 0, e};
    if (!lockdown.empty()) vlog("lockdown: " + trim(lockdown));

    utsname u{};
    uname(&u);
    release = u.release;
    return std::nullopt;
  }

  // The running kernel's BTF (trampoline probes) and the one used for feature checks (--btf or sysfs).
  std::optional<Error> load_btf() {
    const bool sys_btf = path_exists("/sys/kernel/btf/vmlinux");
    if (opts.btf_path.empty() && !sys_btf)
      return Error{"", 0,
                   "kernel " + release +
                       " has no BTF (/sys/kernel/btf/vmlinux missing, CONFIG_DEBUG_INFO_BTF=n): pass --btf FILE with "
                       "this kernel's BTF (a vmlinux with a .BTF section or a BTFHub .btf file)"};
    if (sys_btf) {
      kbtf = btf__load_vmlinux_btf();
      if (!kbtf) vlog("cannot parse /sys/kernel/btf/vmlinux: " + errstr(errno));
    }
    if (!opts.btf_path.empty()) {
      if (!path_exists(opts.btf_path)) return Error{opts.btf_path, 0, "--btf: no such file"};
      info_btf = btf__parse(opts.btf_path.c_str(), nullptr);
      if (!info_btf) return Error{opts.btf_path, 0, "--btf: not a BTF or ELF file with .BTF (" + errstr(errno) + ")"};
      own_info_btf = true;
    } else {
      info_btf = kbtf;
    }
    if (!info_btf) return Error{"", 0, "cannot read the kernel BTF: " + errstr(errno) + "; pass --btf FILE"};
    return std::nullopt;
  }

  // tracefs (tracepoints, available_filter_functions, legacy kprobes) and /proc/kallsyms.
  void find_tracefs_and_symbols() {
    // tracefs (tracepoints, available_filter_functions, legacy kprobes)
    for (const char* p : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
      if (path_exists(std::string(p) + "/events")) {
        tracefs = p;
        break;
      }
    if (tracefs.empty() && ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0 &&
        path_exists("/sys/kernel/tracing/events")) {
      tracefs = "/sys/kernel/tracing";
      log("mounted tracefs on /sys/kernel/tracing");
    }

    // symbols
    if (auto k = Kallsyms::load())
      ksyms = std::move(*k);
    else
      notes.push_back("cannot read /proc/kallsyms: " + k.error().str());
  }

  void read_filter_functions() {
    if (!tracefs.empty()) {
      if (auto a = FilterFunctions::load(tracefs + "/available_filter_functions"); a && a->size() > 0)
        aff = std::move(*a);
    }
  }

  // Probe convention, kprobes, kernel variables, bpf_snprintf, fault-injection and other environment knobs.
  std::optional<Error> detect_features() {
    new_conv = btf__find_by_name_kind(info_btf, "__driver_probe_device", BTF_KIND_FUNC) > 0 ||
               ksyms.has("__driver_probe_device");

    // kprobe support
    if (path_exists("/sys/bus/event_source/devices/kprobe/type") ||
        (!tracefs.empty() && path_exists(tracefs + "/kprobe_events"))) {
      kprobes_ok = true;
    } else {
      kprobes_why = "no kprobe support in this kernel (CONFIG_KPROBES=n?)";
    }

    if (ksyms.addresses_visible()) {
      cfg_trigger = ksyms.address("deferred_trigger_count", "vmlinux").value_or(0);
      cfg_timeout_secs = ksyms.address("driver_deferred_probe_timeout", "vmlinux").value_or(0);
      cfg_timeout_work = ksyms.address("deferred_probe_timeout_work", "vmlinux").value_or(0);
    } else {
      notes.push_back(
          "trigger.count, timeout_extended: /proc/kallsyms addresses are hidden (kptr_restrict; needs "
          "CAP_SYSLOG)");
    }
    if (!cfg_trigger && ksyms.addresses_visible())
      notes.push_back("trigger.count: deferred_trigger_count not in /proc/kallsyms (CONFIG_KALLSYMS_ALL=n)");
    if (!cfg_timeout_secs && ksyms.addresses_visible())
      notes.push_back("timeout_extended: driver_deferred_probe_timeout not in /proc/kallsyms");

    if (followed_work_funcs().size() > kMaxFollowedWork)
      return Error{"", 0,
                   "--follow-work: at most " + std::to_string(kMaxFollowedWork - std::size(kRelevantWorkFuncs)) +
                       " work functions besides the built-in ones"};
    ksym_in_bpf = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_snprintf, nullptr) == 1;
    vlog(ksym_in_bpf ? "bpf_snprintf available: the kernel names work functions and callbacks in the records"
                     : "no bpf_snprintf (kernel < 5.13): work functions and callbacks are named from /proc/kallsyms, "
                       "re-read after module loads");
    refuse_fentry = env_names("REPROBE_BPF_REFUSE_FENTRY");
    if (!refuse_fentry.empty())
      log("REPROBE_BPF_REFUSE_FENTRY: fentry/fexit attach of " + std::string(getenv("REPROBE_BPF_REFUSE_FENTRY")) +
          " treated as refused (fault injection)");
    if (const char* w = getenv("REPROBE_BPF_WORK_ALL"); w && std::string(w) == "1") {
      work_all = true;
      log("REPROBE_BPF_WORK_ALL=1: recording every work item");
    }
    rlimit rl{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &rl);  // kernels < 5.11 charge BPF memory to memlock
    return std::nullopt;
  }

  bool is_module_hook(const Plan& p) const {
    const KSym* s = ksyms.find(p.def->func);
    return p.def->module && !(s && s->module.empty());
  }

  // One Plan per hook; chooses the tier of every vmlinux hook (plan_hook(): fentry
  // attach probe, .part.N resolution). Returns the main object's scope.
  std::vector<size_t> plan_vmlinux_hooks(const std::set<std::string>& skip) {
    for (const auto& d : hook_defs()) {
      Plan p;
      p.def = &d;
      plans.push_back(p);
    }
    std::vector<size_t> main_scope;
    for (size_t i = 0; i < plans.size(); i++) {
      Plan& p = plans[i];
      if (is_module_hook(p)) continue;
      if (skip.count(p.def->func)) {
        p.note = "left out by REPROBE_BPF_SKIP";
        main_scope.push_back(i);
        continue;
      }
      plan_hook(p);
      if (p.fentry_plain) trampolines_ok = true;
      main_scope.push_back(i);
    }
    return main_scope;
  }

  // Hooks in modules: one group per module, attached when the module is (or gets) loaded.
  void plan_module_groups(const std::set<std::string>& skip) {
    std::map<std::string, size_t> group_of;
    for (size_t i = 0; i < plans.size(); i++) {
      Plan& p = plans[i];
      const char* mod = p.def->module;
      if (is_module_hook(p) && skip.count(p.def->func)) {
        p.module_hook = true;
        p.note = "left out by REPROBE_BPF_SKIP";
        continue;
      }
      if (is_module_hook(p)) {
        p.module_hook = true;
        auto it = group_of.find(mod);
        if (it == group_of.end()) {
          ModGroup g;
          g.module = mod;
          // kprobes do not pin the module (fentry trampolines do: rmmod would fail)
          g.tier = kprobes_ok ? Tier::kprobe : (trampolines_ok ? Tier::fentry : Tier::none);
          if (!path_exists("/proc/modules")) {
            g.tier = Tier::none;
            g.note = "the kernel has no module support and " + std::string(p.def->func) + " is not built in";
          } else if (g.tier == Tier::none) {
            g.note = "needs kprobes or working fentry trampolines; neither works here (" + kprobes_why + ")";
          }
          it = group_of.emplace(mod, groups.size()).first;
          groups.push_back(g);
        }
        groups[it->second].plans.push_back(i);
      }
    }
  }

  void plan_tracepoints(const std::set<std::string>& skip) {
    for (const auto& t : tp_defs()) {
      TpPlan tp;
      tp.def = &t;
      if (tracefs.empty())
        tp.note = "tracefs is not mounted and could not be mounted";
      else if (!path_exists(tracefs + "/events/" + t.cat + "/" + t.name))
        tp.note = std::string("no tracepoint ") + t.cat + ":" + t.name;
      else if (skip.count(t.name))
        tp.note = "left out by REPROBE_BPF_SKIP";
      else
        tp.enabled = true;
      tps.push_back(tp);
    }
  }

  // Attaches the main object's programs (fentry refused at run time: kprobe
  // fallback) and its tracepoints; returns how many hooks are attached.
  size_t attach_main(const std::vector<size_t>& main_scope) {
    size_t attached = 0;
    std::vector<size_t> fentry_refused;
    for (size_t i : main_scope) {
      attach_plan(skel, plans[i]);
      if (plans[i].fentry_failed)
        fentry_refused.push_back(i);
      else
        attached += plans[i].links.empty() ? 0 : 1;
    }
    if (!fentry_refused.empty()) {
      fallback_to_kprobes(fentry_refused);
      for (size_t i : fentry_refused) attached += plans[i].links.empty() ? 0 : 1;
    }
    for (auto& t : tps) {
      if (!t.enabled) continue;
      bpf_program* pr = bpf_object__find_program_by_name(skel->obj, t.def->prog);
      t.link = pr ? bpf_program__attach_tracepoint(pr, t.def->cat, t.def->name) : nullptr;
      if (!t.link) {
        t.enabled = false;
        t.note = std::string("attach to tracepoint ") + t.def->cat + ":" + t.def->name + " failed: " + errstr(errno);
      } else {
        attached++;
      }
      vlog(std::string("tracepoint ") + t.def->cat + ":" + t.def->name + ": " + (t.link ? "attached" : t.note));
    }
    update_work_funcs();
    return attached;
  }

  std::optional<Error> start_decoder() {
    DecoderOptions dopt;
    dopt.new_probe_convention = new_conv;
    dopt.initial_devices = opts.initial_devices;
    for (auto& p : plans)
      if (std::string(p.def->func) == "_request_firmware") dopt.fw_loaded_hooked = !p.links.empty();
    Impl* raw = this;
    dopt.symbolize = [raw](uint64_t a) { return raw->symbolize(a); };
    decoder = std::make_unique<EventDecoder>(std::move(dopt));

    rb = ring_buffer__new(bpf_map__fd(skel->maps.events), &Impl::on_sample, this, nullptr);
    if (!rb) return Error{"", 0, "cannot set up the BPF ring buffer: " + errstr(errno)};
    return std::nullopt;
  }

  // Why nothing could be attached: every hook's and tracepoint's note.
  std::string nothing_attached_why() const {
    std::vector<std::string> why;
    for (auto& p : plans)
      if (!p.note.empty()) why.push_back(std::string(p.def->func) + ": " + p.note);
    for (auto& t : tps)
      if (!t.note.empty()) why.push_back(std::string(t.def->cat) + ":" + t.def->name + ": " + t.note);
    return join(why, "; ");
  }
};

// ------------------------------------------------------------- pre-flight

std::string bpf_check_privileges() {
  __user_cap_header_struct hdr{};
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return std::string("cannot read capabilities: ") + std::strerror(errno);
  auto has = [&](int cap) { return (data[cap / 32].effective & (1u << (cap % 32))) != 0; };
  if (has(kCapSysAdmin)) return {};
  std::vector<std::string> miss;
  if (!has(kCapBpf)) miss.emplace_back("CAP_BPF");
  if (!has(kCapPerfmon)) miss.emplace_back("CAP_PERFMON");
  if (miss.empty()) {
    if (!has(kCapSyslog)) return {};  // kallsyms addresses will be hidden; reported later
    return {};
  }
  return "BPF tracing needs root (CAP_SYS_ADMIN) or CAP_BPF+CAP_PERFMON: missing " + join(miss, " and ") +
         (geteuid() == 0 ? " (running as uid 0 with reduced capabilities?)" : " (run as root)");
}

std::string bpf_check_lockdown(const std::string& text) {
  if (text.find("[confidentiality]") != std::string::npos)
    return "kernel lockdown is 'confidentiality' (/sys/kernel/security/lockdown): BPF may not read kernel memory "
           "and kprobes are forbidden; boot with lockdown=integrity or none (or disable Secure Boot lockdown) to trace";
  return {};
}

// --------------------------------------------------------------- BpfTracer

BpfTracer::BpfTracer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfTracer::~BpfTracer() {
  impl_.reset();
  g_route = PrintRoute{};
}

Result<std::unique_ptr<BpfTracer>> BpfTracer::start(const BpfOptions& opts) {
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.opts = opts;
  g_route.verbose = opts.verbose;
  g_route.log = opts.log;
  libbpf_set_print(libbpf_print);
  m.phase_t0 = boottime_ns();

  // prepare
  if (auto e = m.check_access()) return *e;
  if (auto e = m.load_btf()) return *e;
  m.phase_done("reading the kernel BTF");
  m.find_tracefs_and_symbols();
  m.phase_done("reading /proc/kallsyms");
  m.read_filter_functions();
  m.phase_done("reading available_filter_functions");
  if (auto e = m.detect_features()) return *e;
  // REPROBE_BPF_SKIP=name[,name...]: leave these hooks (function or tracepoint
  // names) out, for measuring what each costs; the header's hook table says
  // which events are then missing.
  const std::set<std::string> skip = env_names("REPROBE_BPF_SKIP");
  if (!skip.empty()) m.log("REPROBE_BPF_SKIP: not hooking " + std::string(getenv("REPROBE_BPF_SKIP")));
  const std::vector<size_t> main_scope = m.plan_vmlinux_hooks(skip);
  m.plan_module_groups(skip);
  m.phase_done("planning the hooks (fentry attach probes)");
  m.plan_tracepoints(skip);

  // load the main object (degrading refused programs)
  std::string err;
  m.skel = m.load_object(main_scope, true, nullptr, &err);
  if (!m.skel) return Error{"", 0, err};
  m.phase_done("loading the BPF object");

  // attach
  size_t attached = m.attach_main(main_scope);
  m.phase_done("attaching the hooks");
  if (auto e = m.start_decoder()) return *e;
  // sound modules already loaded: attach now
  for (auto& g : m.groups)
    if (m.try_attach_group(g)) attached++;
  m.phase_done("attaching the hooks of loaded sound modules");

  if (attached == 0)
    return Error{"", 0, "no BPF hook could be attached on kernel " + m.release + ": " + m.nothing_attached_why()};
  return std::unique_ptr<BpfTracer>(new BpfTracer(std::move(impl)));
}

json BpfTracer::hooks_json() const {
  const Impl& m = *impl_;
  json h = json::object();
  std::map<std::string, Tier> best;
  auto put = [&](const std::string& kind, Tier t) {
    auto it = best.find(kind);
    if (it == best.end())
      best[kind] = t;
    else if (t == Tier::kprobe)
      it->second = Tier::kprobe;  // mixed: the weaker tier
  };
  for (const auto& p : m.plans) {
    Tier t = p.links.empty() ? Tier::none : p.tier;
    if (t == Tier::none && p.module_hook) {
      // not attached yet: the tier it will get when its module loads
      for (const auto& g : m.groups)
        if (g.module == p.def->module && !g.attached) t = g.tier;
    }
    if (t == Tier::none) continue;
    for (const auto& k : p.def->kinds) put(k, t);
  }
  for (const auto& t : m.tps)
    if (t.link)
      for (const auto& k : t.def->kinds) put(k, Tier::tracepoint);
  for (const auto& [k, t] : best) h[k] = tier_name(t);
  return h;
}

std::vector<HookStatus> BpfTracer::hook_status() const {
  const Impl& m = *impl_;
  std::vector<HookStatus> out;
  for (const auto& p : m.plans) {
    HookStatus s;
    s.hook = p.def->func;
    s.tier = p.links.empty() ? "" : tier_name(p.tier);
    s.targets = p.attached;
    s.kinds = p.def->kinds;
    s.note = p.note;
    if (p.module_hook)
      for (const auto& g : m.groups)
        if (g.module == p.def->module && !g.attached) {
          s.pending = true;
          if (s.note.empty()) s.note = g.note.empty() ? "waiting for module " + g.module : g.note;
        }
    out.push_back(s);
  }
  for (const auto& t : m.tps) {
    HookStatus s;
    s.hook = std::string(t.def->cat) + ":" + t.def->name;
    s.tier = t.link ? "tracepoint" : "";
    s.kinds = t.def->kinds;
    s.note = t.note;
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> BpfTracer::missing() const {
  const Impl& m = *impl_;
  std::vector<std::string> out = {
      "late_initcall, timeout_armed: happen at boot inside deferred_probe_initcall() (__init code, freed); a "
      "tracer started later cannot observe them",
  };
  for (const auto& n : m.notes) out.push_back(n);
  std::set<std::string> covered;  // kinds that some attached hook still produces
  for (const auto& p : m.plans)
    if (!p.links.empty())
      for (const auto& k : p.def->kinds) covered.insert(k);
  for (const auto& t : m.tps)
    if (t.link)
      for (const auto& k : t.def->kinds) covered.insert(k);
  for (const auto& p : m.plans) {
    if (!p.links.empty() || p.module_hook) continue;
    std::vector<std::string> lost;
    for (const auto& k : p.def->kinds) lost.push_back(k);
    out.push_back(join(lost, ", ") + ": " + p.def->func + " not hooked: " + p.note +
                  (std::all_of(lost.begin(), lost.end(), [&](const std::string& k) { return covered.count(k) != 0; })
                       ? " (partly covered by other hooks)"
                       : ""));
  }
  for (const auto& g : m.groups) {
    std::vector<std::string> kinds, funcs;
    for (size_t i : g.plans) {
      const Plan& p = m.plans[i];
      if (g.attached && (!p.links.empty() || p.superseded)) continue;
      funcs.push_back(p.def->func);
      for (const auto& k : p.def->kinds) kinds.push_back(k);
    }
    if (funcs.empty()) continue;
    if (g.attached) {
      for (size_t i : g.plans)
        if (m.plans[i].links.empty() && !m.plans[i].superseded)
          out.push_back(join(m.plans[i].def->kinds, ", ") + ": " + m.plans[i].def->func +
                        " not hooked: " + m.plans[i].note);
    } else if (g.tier == Tier::none) {
      out.push_back(join(kinds, ", ") + ": " + join(funcs, ", ") + " (module " + g.module +
                    ") cannot be hooked: " + g.note);
    } else {
      out.push_back(join(kinds, ", ") + ": " + join(funcs, ", ") + " live in module " + g.module + ", not loaded now" +
                    (g.note.empty() ? "" : " (" + g.note + ")") +
                    "; they attach when it loads, so registrations by modules loaded in the same modprobe run may "
                    "be missed: load " +
                    g.module + " before recording");
    }
  }
  for (const auto& t : m.tps)
    if (!t.link && !t.def->kinds.empty()) out.push_back(join(t.def->kinds, ", ") + ": " + t.note);
  if (!m.new_conv)
    out.push_back(
        "probe_end: kernel < 5.14 swallows ->probe() errors (really_probe returns 0); such failures are "
        "written as ret -19 'rejected' with x-raw_ret 0");
  for (const auto& p : m.plans)
    if (std::string(p.def->func) == "_request_firmware" && p.links.empty())
      out.push_back(
          "fw_done of request_firmware_nowait(): written when the firmware work starts (ret 0), the load "
          "result is not visible");
  return out;
}

Result<size_t> BpfTracer::poll(int timeout_ms, const std::function<void(json)>& sink) {
  return poll_events(timeout_ms, [&](DecodedEvent&& e) { sink(e.to_json()); });
}

void BpfTracer::drain(const std::function<void(json)>& sink) {
  drain_events([&](DecodedEvent&& e) { sink(e.to_json()); });
}

Result<size_t> BpfTracer::poll_events(int timeout_ms, const std::function<void(DecodedEvent&&)>& sink) {
  Impl& m = *impl_;
  // Records are submitted without a wakeup until the ring is 1/8 full, so
  // epoll may time out with data waiting: always consume after it.
  m.batch = 0;
  int n = ring_buffer__poll(m.rb, timeout_ms);
  if (m.opts.before_paths) m.opts.before_paths();
  if (n < 0 && n != -EINTR && n != Impl::kBatchFull)
    return Error{"", 0, "reading the BPF ring buffer failed: " + errstr(n)};
  if (n != Impl::kBatchFull) {
    n = ring_buffer__consume(m.rb);
    if (n < 0 && n != -EINTR && n != Impl::kBatchFull)
      return Error{"", 0, "reading the BPF ring buffer failed: " + errstr(n)};
  }
  size_t emitted = 0;
  // A pass cut short by the batch limit leaves records in the ring, some of
  // them older than the newest one read (a program fills its record before it
  // reserves ring space): reorder relative to the newest record read then,
  // not to the clock, which may be far ahead when the reader is behind.
  const uint64_t ref = n == Impl::kBatchFull ? m.newest_ts : boottime_ns();
  m.decoder->flush_events(ref, [&](DecodedEvent&& e) {
    emitted++;
    sink(std::move(e));
  });
  m.service_groups();
  return emitted;
}

void BpfTracer::drain_events(const std::function<void(DecodedEvent&&)>& sink) {
  Impl& m = *impl_;
  if (m.rb) {
    // in batches, releasing what is old enough in between (bounded memory)
    for (;;) {
      m.batch = 0;
      if (ring_buffer__consume(m.rb) != Impl::kBatchFull) break;
      m.decoder->flush_events(m.newest_ts, sink);
    }
  }
  m.decoder->drain_events(sink);
}

uint64_t BpfTracer::records() const { return impl_->samples; }
uint32_t BpfTracer::ring_bytes() const { return impl_->ring_bytes(); }

uint64_t BpfTracer::dropped() const {
  const Impl& m = *impl_;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0 || !m.skel) return 0;
  std::vector<uint64_t> vals(static_cast<size_t>(ncpu));
  uint32_t key = RP_CNT_DROPS;
  if (bpf_map_lookup_elem(bpf_map__fd(m.skel->maps.counters), &key, vals.data()) != 0) return 0;
  uint64_t sum = 0;
  for (auto v : vals) sum += v;
  return sum;
}

uint64_t BpfTracer::lost() const { return impl_->decoder->lost(); }
std::string BpfTracer::kernel_release() const { return impl_->release; }
bool BpfTracer::new_probe_convention() const { return impl_->new_conv; }

std::vector<std::string> missing_essential_hooks(const std::vector<HookStatus>& hooks) {
  static constexpr const char* kEssential[] = {"probe_start", "probe_end", "bound"};
  std::vector<std::string> out;
  for (const char* kind : kEssential) {
    bool attached = false;
    std::string why;
    for (const auto& h : hooks) {
      if (std::find(h.kinds.begin(), h.kinds.end(), kind) == h.kinds.end()) continue;
      if (!h.tier.empty() && !h.pending) attached = true;
      if (why.empty()) why = h.hook + " not attached" + (h.note.empty() ? "" : " (" + h.note + ")");
    }
    if (!attached) out.push_back(std::string(kind) + ": " + (why.empty() ? "no hook produces it" : why));
  }
  return out;
}

}  // namespace reprobe
