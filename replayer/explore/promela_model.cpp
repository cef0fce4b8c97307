#include "replayer/explore/promela_model.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "replayer/explore/promela_runtime.h"

namespace reprobe {

namespace {

constexpr uint32_t kNoneByte = 255;

int64_t us(uint64_t ns) { return static_cast<int64_t>(ns / 1000); }

std::string byte_or_none(uint32_t v) { return v == kNone ? "NONE" : std::to_string(v); }

int outcome_code(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::bound:
      return 0;
    case ProbeOutcome::deferred:
      return 1;
    default:
      return 2;
  }
}

// Comment text: no "*/" can end the comment early.
std::string comment(std::string s) {
  for (size_t p = s.find("*/"); p != std::string::npos; p = s.find("*/")) s.replace(p, 2, "* /");
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// What the emitter does not cover, in words (empty: the model can be written).
std::vector<std::string> unsupported(const Model& m, const Policy& p, const PromelaOptions& o) {
  std::vector<std::string> why;
  if (p.inline_provider_work()) why.emplace_back("policy " + p.spec + " (provider work run inside probe)");
  if (p.kind == PolicyKind::periodic) why.emplace_back("policy " + p.spec + " (a periodic trigger)");
  if (p.targeted_retry()) why.emplace_back("policy " + p.spec + " (targeted retries)");
  if (o.jitter_ns < 1000) why.emplace_back("a jitter window under 1 us (the model counts microseconds)");
  for (DevId d = 0; d < m.devices.size(); ++d) {
    const DeviceModel& dm = m.devices[d];
    const std::string name = m.dev_label(d);
    if (dm.bindings.size() > 1) why.emplace_back(name + ": more than one matching driver");
    if (!dm.links.empty()) why.emplace_back(name + ": supplier device links");
    if (!dm.card_components.empty()) why.emplace_back(name + ": a card re-bound by ASoC");
    if (d < m.autoprobe_consumers.size() && !m.autoprobe_consumers[d].empty())
      why.emplace_back(name + ": DL_FLAG_AUTOPROBE_CONSUMER links");
    for (uint32_t b : dm.bindings) {
      const Binding& B = m.bindings[b];
      if (B.check_state_failure >= 0) why.emplace_back(name + ": driver_deferred_probe_check_state()");
      if (B.attempts.empty()) why.emplace_back(name + ": a binding without an attempt");
    }
  }
  for (const Context& c : m.contexts)
    for (const Action& a : c.actions) switch (a.kind) {
        case ActionKind::device_del:
        case ActionKind::driver_unregister:
        case ActionKind::resource_down:
        case ActionKind::device_unbind:
        case ActionKind::bind_request:
          why.emplace_back("a " +
                           std::string(a.kind == ActionKind::device_del          ? "device_del"
                                       : a.kind == ActionKind::driver_unregister ? "driver_unregister"
                                       : a.kind == ActionKind::resource_down     ? "component removal"
                                                                                 : "sysfs unbind/bind") +
                           " action");
          break;
        default:
          break;
      }
  std::sort(why.begin(), why.end());
  why.erase(std::unique(why.begin(), why.end()), why.end());
  return why;
}

class Writer {
 public:
  Writer(const Model& m, const Policy& p, const std::vector<DevId>& targets, const PromelaOptions& o)
      : m_(m), p_(p), targets_(targets), o_(o) {}

  std::string write() {
    plan();
    header();
    os_ << promela_runtime_globals();
    data_inlines();
    os_ << promela_runtime_inlines();
    decide_inline();
    for (uint32_t c = 0; c < m_.contexts.size(); ++c) context_process(c);
    os_ << promela_runtime_processes();
    monitor();
    init();
    return os_.str();
  }
  size_t processes() const { return m_.contexts.size() + nthreads_ + 3; }

 private:
  uint32_t driver_of(DevId d) const {
    const auto& b = m_.devices[d].bindings;
    return b.empty() ? kNone : m_.driver_index(m_.bindings[b[0]].drv);
  }
  const Binding* binding_of(DevId d) const {
    const auto& b = m_.devices[d].bindings;
    return b.empty() ? nullptr : &m_.bindings[b[0]];
  }
  uint64_t attempt_duration(const Binding& B, size_t i) const {
    const Attempt& a = m_.attempts[B.attempts[i]];
    return a.end - a.start;
  }
  // Devices of a driver, in the order driver_attach() walks them (device order).
  std::vector<DevId> devices_of(uint32_t drv) const {
    std::vector<DevId> out;
    for (DevId d = 0; d < m_.devices.size(); ++d)
      if (driver_of(d) == drv && drv != kNone) out.push_back(d);
    return out;
  }

  // Thread numbers: 0 the worker, then one per device_add / synchronous driver_register action,
  // one per device of an asynchronous driver_register, one helper per device of an async driver.
  void plan() {
    nthreads_ = 1;
    maxj_ = 1;
    for (uint32_t c = 0; c < m_.contexts.size(); ++c)
      for (uint32_t i = 0; i < m_.contexts[c].actions.size(); ++i) {
        const Action& a = m_.contexts[c].actions[i];
        if (a.kind == ActionKind::device_add && driver_of(a.dev) != kNone) {
          action_thread_[{c, i, kNoDev}] = nthreads_++;
        } else if (a.kind == ActionKind::driver_register) {
          const uint32_t drv = m_.driver_index(a.drv);
          if (drv == kNone) continue;
          const auto devs = devices_of(drv);
          if (a.async) {
            for (DevId d : devs) action_thread_[{c, i, d}] = nthreads_++;
          } else if (!devs.empty()) {
            action_thread_[{c, i, kNoDev}] = nthreads_++;
            maxj_ = std::max<size_t>(maxj_, devs.size());
          }
        }
      }
    helper_.assign(m_.devices.size(), kNone);
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const uint32_t drv = driver_of(d);
      if (drv != kNone && m_.drivers[drv].async) helper_[d] = nthreads_++;
    }
    parent_.assign(m_.contexts.size(), kNone);
    for (uint32_t c = 0; c < m_.contexts.size(); ++c)
      for (const Action& a : m_.contexts[c].actions)
        if (a.kind == ActionKind::spawn && a.child < parent_.size()) parent_[a.child] = c;
  }

  void header() {
    os_ << "/* reprobe explore --emit-promela: policy " << comment(p_.spec) << ", jitter " << us(o_.jitter_ns)
        << " us (docs/explore.md, \"Side by side with SPIN\").\n"
        << "   spin -a THIS.pml && gcc -O2 -DREDUCE -o pan pan.c && ./pan -E -m1000000\n"
        << "   'errors: 0': every schedule binds every target; an assertion violated: a schedule strands one. */\n";
    os_ << "#define ND " << std::max<size_t>(1, m_.devices.size()) << "\n"
        << "#define NR " << std::max<size_t>(1, m_.resources.size()) << "\n"
        << "#define NC " << std::max<size_t>(1, m_.contexts.size()) << "\n"
        << "#define NDRV " << std::max<size_t>(1, m_.drivers.size()) << "\n"
        << "#define NTH " << nthreads_ << "\n"
        << "#define MAXJ " << maxj_ << "\n"
        << "#define NSLOT (NC + NTH + 1)\n"
        << "#define J " << us(o_.jitter_ns) << "\n"
        << "#define LAT " << us(o_.work_latency_ns) << "\n"
        << "#define RACE_FIX " << (p_.race_fix ? 1 : 0) << "\n";
  }

  void data_inlines() {
    // What a device's probe registers when its success is assumed (ASoC names a component after it),
    // and its own "device:LABEL" resource once bound.
    os_ << "\ninline provides_assumed(d) {\n  if\n";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      if (m_.devices[d].assumed_provides.empty()) continue;
      os_ << "  :: d == " << d << " ->";
      for (uint32_t r : m_.devices[d].assumed_provides) os_ << " res_up[" << r << "] = 1;";
      os_ << " skip\n";
    }
    os_ << "  :: else -> skip\n  fi\n}\n";
    os_ << "\ninline dev_resource_up(d) {\n  if\n";
    for (DevId d = 0; d < m_.devices.size() && d < m_.device_resource.size(); ++d)
      if (m_.device_resource[d] != kNone)
        os_ << "  :: d == " << d << " -> res_up[" << m_.device_resource[d] << "] = 1\n";
    os_ << "  :: else -> skip\n  fi\n}\n";
    arm_timeout_inline();
    needs_inline();
    start_ctx_inline();
    add_lag_inline();
  }

  void arm_timeout_inline() {
    os_ << "\n/* deferred_probe_initcall() arms the deferred_probe_timeout work */\ninline arm_timeout() {\n";
    if (p_.timeout_s > 0) {
      const uint64_t t = static_cast<uint64_t>(p_.timeout_s) * 1'000'000'000ull;
      if (p_.timeout_as_observed && m_.observed.timeout_fired)
        os_ << "  tmo_armed = 1; tmo_due = " << us(m_.observed.timeout_fired_at)
            << "; if :: tmo_due < now -> tmo_due = now :: else -> skip fi;\n";
      else
        os_ << "  tmo_armed = 1; tmo_due = now + " << us(t) << ";\n";
      os_ << "  due[NC + NTH] = tmo_due\n";
    } else {
      os_ << "  skip\n";
    }
    os_ << "}\n";
  }

  // Need inference's optimistic reading (what the explorer searches): every named need, one of the
  // arrivals that may explain the last deferral, or an unknown need there just after it.
  void needs_inline() {
    os_ << "\ninline needs_met(d) {\n  if\n";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const DeviceModel& dm = m_.devices[d];
      os_ << "  :: d == " << d << " -> hm = ";
      if (dm.need_mode == Evidence::none) {
        os_ << "1\n";
        continue;
      }
      if (dm.need_mode == Evidence::count) {
        os_ << "0\n";
        continue;
      }
      std::string cond = "1";
      for (const Need& n : dm.needs) cond += " && res_up[" + std::to_string(n.resource) + "]";
      const NeedDoubt& u = dm.doubt;
      if (!u.any_of.empty()) {
        std::string any;
        for (uint32_t r : u.any_of) any += (any.empty() ? "" : " || ") + ("res_up[" + std::to_string(r) + "]");
        cond += " && (" + any + ")";
      } else if (u.unknown) {
        cond += " && now > " + std::to_string(us(u.unknown_after)) + " && (natt[" + std::to_string(d) + "] > " +
                std::to_string(dm.observed_attempts) + " || now > " + std::to_string(us(u.unknown_after) + 1000) + ")";
      }
      os_ << "(" << cond << ")\n";
    }
    os_ << "  :: else -> hm = 1\n  fi\n}\n";
  }

  // start_instance(): a context's first action comes due `base` + its offset; a work item or
  // firmware callback a probe caused ends with the provider kick under provider-kick.
  void start_ctx_inline() {
    os_ << "\ninline start_ctx(c, b) {\n  if\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c) {
      const Context& ctx = m_.contexts[c];
      os_ << "  :: c == " << c << " -> started[" << c << "] = 1; base[" << c << "] = b; ";
      if (!ctx.actions.empty()) {
        os_ << "SETDUE(" << c << ", b + " << us(ctx.actions[0].offset) << ")";
        if (ctx.kind == CtxKind::module_init && parent_[c] != kNone) os_ << "; mi_run[" << parent_[c] << "]++";
      } else {
        os_ << "done[" << c << "] = 1";
        if (kicks(c)) os_ << "; SETDUE(" << c << ", b + " << us(ctx.duration()) << ")";
      }
      os_ << "\n";
    }
    os_ << "  :: else -> skip\n  fi\n}\n";
  }

  bool kicks(uint32_t c) const {
    const Context& ctx = m_.contexts[c];
    return p_.kicks_after_provider_work() && (ctx.kind == CtxKind::work || ctx.kind == CtxKind::fw_callback) &&
           m_.caused_by_probe(c);
  }

  // A synchronous caller waits for a probe that took longer than the observed attempt it stands
  // for; a module init passes the wait on to the task that loaded it.
  void add_lag_inline() {
    os_ << "\ninline add_lag(c, x) {\n  if\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c) {
      os_ << "  :: c == " << c << " ->";
      for (uint32_t i = c; i != kNone;) {
        os_ << " lag[" << i << "] = lag[" << i << "] + x;";
        if (m_.contexts[i].kind != CtxKind::module_init) break;
        i = parent_[i];
      }
      os_ << " skip\n";
    }
    os_ << "  :: else -> skip\n  fi\n}\n";
  }

  // decide_outcome() and the durations and programs probe_decide() takes from the observed attempts.
  void decide_inline() {
    os_ << "\n/* the driver's probe() decides: its outcome, duration and body; hoo/hod: the observed attempt\n"
           "   it stands for; hb: when driver_bound() runs before it returns (-1: at the return) */\n"
        << "inline decide(d) {\n  hoo = NONE; hod = 0; hb = -1; p_prog[d] = NONE;\n  if\n";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const Binding* B = binding_of(d);
      if (!B) continue;
      os_ << "  :: d == " << d << " -> /* " << comment(m_.dev_label(d)) << " */\n";
      decide_outcome(d, *B);
      decide_observed(d, *B);
      decide_durations(d, *B);
    }
    os_ << "  :: else -> p_out[d] = FAIL; p_dur[d] = 0\n  fi\n}\n";
  }

  void decide_outcome(DevId d, const Binding& B) {
    const DeviceModel& dm = m_.devices[d];
    const std::string D = std::to_string(d);
    if (B.fixed_outcomes || !B.ever_deferred || dm.need_mode == Evidence::none) {
      os_ << "     if\n";
      for (size_t i = 0; i + 1 < B.attempts.size(); ++i)
        os_ << "     :: p_k[" << D << "] == " << i << " -> p_out[" << D
            << "] = " << outcome_code(m_.attempts[B.attempts[i]].outcome) << "\n";
      os_ << "     :: else -> p_out[" << D << "] = " << outcome_code(m_.attempts[B.attempts.back()].outcome) << "\n";
      os_ << "     fi;\n";
    } else if (dm.need_mode == Evidence::count) {
      if (B.success >= 0)
        os_ << "     if :: p_k[" << D << "] >= " << dm.count_success_after << " -> p_out[" << D
            << "] = BOUND :: else -> p_out[" << D << "] = DEFER fi;\n";
      else
        os_ << "     p_out[" << D << "] = DEFER;\n";
    } else {
      os_ << "     needs_met(" << D << ");\n     if :: hm -> p_out[" << D << "] = BOUND; p_assumed[" << D
          << "] = " << (B.success < 0 ? 1 : 0) << " :: else -> p_out[" << D << "] = DEFER fi;\n";
    }
  }

  void decide_observed(DevId d, const Binding& B) {
    const std::string D = std::to_string(d);
    os_ << "     if\n";
    for (size_t i = 0; i < B.attempts.size(); ++i)
      os_ << "     :: p_k[" << D << "] == " << i << " -> hoo = " << outcome_code(m_.attempts[B.attempts[i]].outcome)
          << "; hod = " << us(attempt_duration(B, i)) << "\n";
    os_ << "     :: else -> skip\n     fi;\n";
  }

  bool has_actions(uint32_t ctx) const { return ctx != kNone && !m_.contexts[ctx].actions.empty(); }

  void decide_durations(DevId d, const Binding& B) {
    const std::string D = std::to_string(d);
    os_ << "     if\n     :: p_out[" << D << "] == BOUND -> p_dur[" << D << "] = " << us(B.success_duration)
        << "; p_prog[" << D << "] = " << byte_or_none(B.success_ctx) << ";\n";
    for (size_t i = 0; i < B.attempts.size(); ++i) {
      const Attempt& a = m_.attempts[B.attempts[i]];
      if (static_cast<int>(i) > B.success && a.outcome == ProbeOutcome::bound && a.ctx != kNone)
        os_ << "        if :: p_k[" << D << "] == " << i << " -> p_prog[" << D << "] = " << a.ctx << "; p_dur[" << D
            << "] = " << us(attempt_duration(B, i)) << " :: else -> skip fi;\n";
    }
    if (B.bind_offset < B.success_duration)
      os_ << "        if :: !p_assumed[" << D << "] && p_dur[" << D << "] == " << us(B.success_duration)
          << " -> hb = " << us(B.bind_offset) << " :: else -> skip fi;\n";
    os_ << "        if :: p_assumed[" << D << "] -> p_prog[" << D << "] = NONE :: else -> skip fi\n";
    os_ << "     :: p_out[" << D << "] == DEFER -> p_dur[" << D << "] = " << us(B.defer_duration) << ";\n";
    for (size_t i = 0; i < B.attempts.size(); ++i) {
      const Attempt& a = m_.attempts[B.attempts[i]];
      if (a.outcome != ProbeOutcome::deferred) continue;
      os_ << "        if :: p_k[" << D << "] == " << i << " -> p_dur[" << D << "] = " << us(attempt_duration(B, i));
      if (has_actions(a.ctx)) os_ << "; p_prog[" << D << "] = " << a.ctx;
      os_ << " :: else -> skip fi;\n";
    }
    os_ << "        skip\n     :: else ->\n        if\n";
    for (size_t i = 0; i + 1 < B.attempts.size(); ++i)
      os_ << "        :: p_k[" << D << "] == " << i << " -> p_dur[" << D << "] = " << us(attempt_duration(B, i))
          << "\n";
    os_ << "        :: else -> p_dur[" << D << "] = " << us(attempt_duration(B, B.attempts.size() - 1))
        << "\n        fi;\n";
    for (size_t i = 0; i < B.attempts.size(); ++i) {
      const Attempt& a = m_.attempts[B.attempts[i]];
      if (a.outcome != ProbeOutcome::bound && a.outcome != ProbeOutcome::deferred && has_actions(a.ctx))
        os_ << "        if :: p_k[" << D << "] == " << i << " && p_out[" << D << "] == " << outcome_code(a.outcome)
            << " -> p_prog[" << D << "] = " << a.ctx << " :: else -> skip fi;\n";
    }
    os_ << "        skip\n     fi\n";
  }

  void start_thread(uint32_t th, const std::string& jobs, uint32_t owner, uint32_t only, uint64_t delay) {
    os_ << jobs << " th_pos[" << th << "] = 0; th_tried[" << th << "] = 0; th_owner[" << th
        << "] = " << byte_or_none(owner) << "; th_only[" << th << "] = " << byte_or_none(only) << "; SETDUE(NC + " << th
        << ", now + " << us(delay) << ")";
  }

  void effect_device_add(uint32_t c, uint32_t i, const Action& a) {
    const std::string D = std::to_string(a.dev);
    os_ << "if :: !present[" << D << "] -> present[" << D << "] = 1";
    const auto it = action_thread_.find({c, i, kNoDev});
    if (it != action_thread_.end()) {
      const uint32_t th = it->second;
      os_ << "; if :: drv_reg[" << driver_of(a.dev) << "] -> ";
      start_thread(th, "th_job[" + std::to_string(th) + " * MAXJ] = " + D + "; th_nj[" + std::to_string(th) + "] = 1;",
                   c, kNone, a.start_delay);
      os_ << " :: else -> skip fi";
    }
    os_ << " :: else -> skip fi";
  }

  void effect_driver_register(uint32_t c, uint32_t i, const Action& a) {
    const uint32_t drv = m_.driver_index(a.drv);
    if (drv == kNone) {
      os_ << "skip";
      return;
    }
    os_ << "if :: !drv_reg[" << drv << "] -> drv_reg[" << drv << "] = 1";
    if (p_.extend_on_register && p_.timeout_s > 0 && !(p_.timeout_as_observed && m_.observed.timeout_fired))
      os_ << "; if :: tmo_armed && !tmo_fired -> tmo_due = now + "
          << us(static_cast<uint64_t>(p_.timeout_s) * 1'000'000'000ull)
          << "; due[NC + NTH] = tmo_due :: else -> skip fi";
    const auto devs = devices_of(drv);
    if (a.async) {
      for (DevId d : devs) {
        const uint32_t th = action_thread_.at({c, i, d});
        os_ << ";\n       if :: present[" << d << "] && !bound[" << d << "] -> ";
        start_thread(th,
                     "th_job[" + std::to_string(th) + " * MAXJ] = " + std::to_string(d) + "; th_nj[" +
                         std::to_string(th) + "] = 1;",
                     kNone, drv, 0);
        os_ << " :: else -> skip fi";
      }
    } else if (!devs.empty()) {
      const uint32_t th = action_thread_.at({c, i, kNoDev});
      const std::string T = std::to_string(th);
      os_ << "; th_nj[" << T << "] = 0";
      for (DevId d : devs)
        os_ << ";\n       if :: present[" << d << "] && !bound[" << d << "] -> th_job[" << T << " * MAXJ + th_nj[" << T
            << "]] = " << d << "; th_nj[" << T << "]++ :: else -> skip fi";
      os_ << ";\n       if :: th_nj[" << T << "] > 0 -> ";
      start_thread(th, "", c, drv, a.start_delay);
      os_ << " :: else -> skip fi";
    }
    os_ << " :: else -> skip fi";
  }

  void effect_resource_up(const Action& a) {
    const Arrival& arr = m_.arrivals[a.arrival];
    for (uint32_t r : arr.resources) os_ << "res_up[" << r << "] = 1; ";
    const bool component = !arr.resources.empty() && m_.resource_name(arr.resources[0]).starts_with("component:");
    if (p_.kicks_on_resource() || (component && p_.kicks_on_component()))
      os_ << "trigger(LAT)";
    else
      os_ << "skip";
  }

  void effect(uint32_t c, uint32_t i, const Action& a) {
    switch (a.kind) {
      case ActionKind::late_initcall:
        os_ << "trig_on = 1; li_stage = 1; trigger(LAT); li_continue()";
        break;
      case ActionKind::device_add:
        effect_device_add(c, i, a);
        break;
      case ActionKind::driver_register:
        effect_driver_register(c, i, a);
        break;
      case ActionKind::resource_up:
        effect_resource_up(a);
        break;
      case ActionKind::spawn:
        os_ << "start_ctx(" << a.child << ", now + " << us(m_.contexts[a.child].delay()) << ")";
        break;
      case ActionKind::resume:
        os_ << "trigger(LAT)";
        break;
      case ActionKind::unseen_trigger:
        os_ << "trigger(0)";
        break;
      default:  // card_register: the verdict is the device's bind; refused kinds never get here
        os_ << "skip";
        break;
    }
  }

  static std::string action_name(ActionKind k) {
    static constexpr const char* n[] = {"late_initcall",     "device_add",  "device_del",     "driver_register",
                                        "driver_unregister", "resource_up", "resource_down",  "spawn",
                                        "card_register",     "resume",      "unseen_trigger", "device_unbind",
                                        "bind_request"};
    return n[static_cast<size_t>(k)];
  }

  // One process per execution context: its actions in order at base + offset (later by the lag its
  // synchronous probes added), each waiting for the module inits it started.
  void context_process(uint32_t c) {
    const Context& ctx = m_.contexts[c];
    const std::string C = std::to_string(c);
    os_ << "\n/* context " << c << ": " << to_string(ctx.kind);
    if (ctx.label) os_ << " " << comment(std::string(m_.trace->str(ctx.label)));
    if (ctx.dev != kNoDev) os_ << " (" << comment(m_.dev_label(ctx.dev)) << ")";
    os_ << " */\nproctype ctx_" << C << "() {\nend_wait:\n  started[" << C << "];\n";
    for (uint32_t i = 0; i < ctx.actions.size(); ++i) {
      const Action& a = ctx.actions[i];
      const std::string guard = "READY(" + C + ") && mi_run[" + C + "] == 0";
      os_ << "  /* " << action_name(a.kind) << " at +" << us(a.offset) << " us */\n  do\n"
          << "  :: d_step { " << guard << " && lag[" << C << "] > applied[" << C << "] -> ADV(" << C << "); SETDUE("
          << C << ", now + lag[" << C << "] - applied[" << C << "]); applied[" << C << "] = lag[" << C
          << "]; upd(); skip }\n"
          << "  :: d_step { " << guard << " && lag[" << C << "] <= applied[" << C << "] -> ADV(" << C << ");\n       ";
      if (i + 1 < ctx.actions.size()) {
        os_ << "SETDUE(" << C << ", base[" << C << "] + applied[" << C << "] + " << us(ctx.actions[i + 1].offset)
            << ");";
      } else {
        os_ << "done[" << C << "] = 1; due[" << C << "] = INF;";
        if (ctx.kind == CtxKind::module_init && parent_[c] != kNone) os_ << " mi_run[" << parent_[c] << "]--;";
        if (kicks(c)) os_ << " SETDUE(" << C << ", base[" << C << "] + " << us(ctx.duration()) << ");";
      }
      os_ << "\n       ";
      effect(c, i, a);
      os_ << ";\n       upd(); skip }; break\n  od;\n";
    }
    if (kicks(c))
      os_ << "  /* the provider kick after the work */\n  skip;\n  d_step { READY(" << C << ") -> ADV(" << C
          << "); due[" << C << "] = INF; trigger(LAT); upd(); skip };\n";
    os_ << "  skip\n}\n";
  }

  void monitor() {
    os_ << "\n/* nothing left to run: every target is bound */\nproctype monitor() {\n  timeout -> assert(mindue == "
           "INF);\n"
        << "  assert(1";
    for (DevId t : targets_) os_ << " && bound[" << t << "]";
    os_ << ")\n}\n";
  }

  void init() {
    os_ << "\ninit {\n  atomic {\n";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const uint32_t drv = driver_of(d);
      const Binding* B = binding_of(d);
      os_ << "    dv_drv[" << d << "] = " << byte_or_none(drv) << "; dv_lookup[" << d
          << "] = " << (B ? us(B->lookup_offset) : 0) << "; dv_helper[" << d << "] = " << byte_or_none(helper_[d])
          << ";";
      if (m_.devices[d].declared_in_header) os_ << " present[" << d << "] = 1;";
      if (m_.devices[d].initially_bound) os_ << " bound[" << d << "] = 1;";
      os_ << " /* " << comment(m_.dev_label(d)) << " */\n";
    }
    for (size_t i = 0; i < m_.drivers.size(); ++i) {
      const DriverModel& dr = m_.drivers[i];
      os_ << "    drv_async[" << i << "] = " << (dr.async ? 1 : 0) << ";";
      if (dr.initially_registered || !dr.registered_in_trace) os_ << " drv_reg[" << i << "] = 1;";
      os_ << " /* " << comment(std::string(m_.trace->str(dr.name))) << " */\n";
    }
    for (DevId d = 0; d < m_.devices.size(); ++d)
      if (m_.devices[d].deferred_at_start && m_.devices[d].declared_in_header && !m_.devices[d].initially_bound)
        os_ << "    add_pending(" << d << ");\n";
    os_ << "    ui = 0;\n    do :: ui < NSLOT -> due[ui] = INF; ui++ :: else -> break od;\n";
    os_ << "    trig_on = " << (m_.observed.has_late_initcall ? 0 : 1) << ";\n";
    if (p_.timeout_s > 0)
      if (auto at = pending_timeout_at_start(m_.observed, static_cast<uint64_t>(p_.timeout_s) * 1'000'000'000ull)) {
        const uint64_t t = p_.timeout_as_observed && m_.observed.timeout_fired ? m_.observed.timeout_fired_at : *at;
        os_ << "    tmo_armed = 1; tmo_due = " << us(t) << "; due[NC + NTH] = tmo_due;\n";
      }
    for (uint32_t c = 0; c < m_.contexts.size(); ++c) os_ << "    run ctx_" << c << "();\n";
    for (uint32_t k = 0; k < nthreads_; ++k) os_ << "    run thread(" << k << ");\n";
    os_ << "    run timer();\n    run monitor();\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c)
      if (m_.contexts[c].kind == CtxKind::root) os_ << "    start_ctx(" << c << ", 0);\n";
    os_ << "    upd()\n  }\n}\n";
  }

  const Model& m_;
  const Policy& p_;
  const std::vector<DevId>& targets_;
  const PromelaOptions& o_;
  std::ostringstream os_;
  uint32_t nthreads_ = 1;
  size_t maxj_ = 1;
  std::map<std::tuple<uint32_t, uint32_t, DevId>, uint32_t> action_thread_;
  std::vector<uint32_t> helper_;
  std::vector<uint32_t> parent_;
};

}  // namespace

Result<std::string> emit_promela(const Model& model, const Policy& policy, const std::vector<DevId>& targets,
                                 const PromelaOptions& options) {
  auto why = unsupported(model, policy, options);
  if (model.devices.size() >= kNoneByte || model.contexts.size() >= kNoneByte || model.drivers.size() >= kNoneByte)
    why.emplace_back("more than 254 devices, contexts or drivers (byte-sized indices)");
  if (!why.empty()) {
    std::string msg = "the Promela model does not cover what this trace uses under " + policy.spec + ": ";
    for (size_t i = 0; i < why.size(); ++i) msg += (i ? "; " : "") + why[i];
    return Error{"", 0, msg};
  }
  Writer w(model, policy, targets, options);
  std::string text = w.write();
  if (w.processes() > 250)
    return Error{"", 0, "the Promela model would need more than 250 processes (SPIN's limit is 255)"};
  return text;
}

}  // namespace reprobe
