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
    case ProbeOutcome::failed:
      return 2;
    default:
      return 3;
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
std::vector<std::string> unsupported(const Model& m, const PromelaOptions& o) {
  std::vector<std::string> why;
  if (o.jitter_ns < 1000) why.emplace_back("a jitter window under 1 us (the model counts microseconds)");
  for (DevId d = 0; d < m.devices.size(); ++d) {
    const DeviceModel& dm = m.devices[d];
    const std::string name = m.dev_label(d);
    if (dm.bindings.size() > 1) why.emplace_back(name + ": more than one matching driver");
    for (uint32_t b : dm.bindings)
      if (m.bindings[b].attempts.empty()) why.emplace_back(name + ": a binding without an attempt");
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
  size_t processes() const { return m_.contexts.size() + nthreads_ + 4; }

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
        if ((a.kind == ActionKind::device_add || a.kind == ActionKind::bind_request) && driver_of(a.dev) != kNone) {
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
        << "#define NSLOT (NC + NTH + 2)\n"
        << "#define J " << us(o_.jitter_ns) << "\n"
        << "#define LAT " << us(o_.work_latency_ns) << "\n"
        << "#define RACE_FIX " << (p_.race_fix ? 1 : 0) << "\n"
        << "#define DRIVERS_DONE_AT_TIMEOUT " << (p_.drivers_done_at_timeout ? 1 : 0) << "\n"
        << "#define TARGETED " << (p_.targeted_retry() ? 1 : 0) << "\n"
        << "#define INLINE " << (p_.inline_provider_work() ? 1 : 0) << "\n"
        << "#define PERIOD " << us(static_cast<uint64_t>(std::max(p_.period_ms, 1)) * 1'000'000) << "\n"
        << "#define HORIZON " << us(m_.end_t + 60'000'000'000ull) << "\n";
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
        os_ << "  :: d == " << d << " -> res_up[" << m_.device_resource[d] << "] = 1"
            << retry_waiters(m_.device_resource[d]) << "\n";
    os_ << "  :: else -> skip\n  fi\n}\n";
    // device_links_driver_bound(): consumers of its DL_FLAG_AUTOPROBE_CONSUMER links go on the pending list.
    os_ << "\ninline autoprobe_consumers(d) {\n  if\n";
    for (DevId d = 0; d < m_.devices.size() && d < m_.autoprobe_consumers.size(); ++d) {
      if (m_.autoprobe_consumers[d].empty()) continue;
      os_ << "  :: d == " << d << " ->";
      for (DevId c : m_.autoprobe_consumers[d])
        os_ << " if :: present[" << c << "] && !bound[" << c << "] && !probing[" << c << "] && natt[" << c
            << "] > 0 -> add_pending(" << c << ") :: else -> skip fi;";
      os_ << " skip\n";
    }
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
      for (const Need& n : dm.needs) cond += " && " + need_up(dm, n.resource);
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

  // resource-aware: the pending waiters of resource r whose needs are now met are retried at once.
  std::string retry_waiters(uint32_t r) const {
    if (!p_.targeted_retry() || r >= m_.waiters.size()) return "";
    std::string out;
    for (DevId w : m_.waiters[r]) {
      const std::string W = std::to_string(w);
      out += "; if :: dlist[" + W + "] == 1 -> needs_met(" + W + "); if :: hm -> targeted_retry(" + W +
             ") :: else -> skip fi :: else -> skip fi";
    }
    return out;
  }

  // A need is met when the resource is up, or when it stands for a device link that
  // fw_devlink_drivers_done() relaxed (optimistic reading: an inferred or unknown link to a supplier
  // no driver ever matched).
  std::string need_up(const DeviceModel& dm, uint32_t r) const {
    const std::string up = "res_up[" + std::to_string(r) + "]";
    for (const SupplierLink& l : dm.links) {
      if (l.resource != r) continue;
      if (l.source != LinkSource::device_link || l.inferred == LinkInferred::no) return up;
      if (l.supplier == kNoDev) return "(" + up + " || drv_done)";
      const std::string S = std::to_string(l.supplier);
      return "(" + up + " || (drv_done && natt[" + S + "] == 0 && !evb[" + S + "]))";
    }
    return up;
  }

  // start_instance(): a context's first action comes due `base` + its offset; a work item or
  // firmware callback a probe caused ends with the provider kick under provider-kick.
  // The start of context c at base time b (a Promela expression). Where the context is known when
  // the model is written (a spawn, a root) this is written in place; a probe's body, known only
  // when the probe decides, goes through the start_ctx inline's table.
  std::string start_ctx_body(uint32_t c, const std::string& b) const {
    const Context& ctx = m_.contexts[c];
    const std::string C = std::to_string(c);
    std::string out = "started[" + C + "] = 1; base[" + C + "] = " + b + "; ";
    if (!ctx.actions.empty()) {
      out += "SETDUE(" + C + ", " + b + " + " + std::to_string(us(ctx.actions[0].offset)) + ")";
      if (ctx.kind == CtxKind::module_init && parent_[c] != kNone)
        out += "; mi_run[" + std::to_string(parent_[c]) + "]++; mi_child[" + std::to_string(parent_[c]) + "] = " + C;
    } else {
      out += "done[" + C + "] = 1";
      if (kicks(c)) out += "; SETDUE(" + C + ", " + b + " + " + std::to_string(us(ctx.duration())) + ")";
    }
    return out;
  }

  void start_ctx_inline() {
    os_ << "\ninline start_ctx(c, b) {\n  if\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c)
      if (m_.contexts[c].kind == CtxKind::probe) os_ << "  :: c == " << c << " -> " << start_ctx_body(c, "b") << "\n";
    os_ << "  :: else -> skip\n  fi\n}\n";
  }

  // sync-provider: how long each context runs with the work items and callbacks it queues run inline.
  std::vector<uint64_t> inline_spans() const {
    std::vector<uint64_t> span(m_.contexts.size(), 0);
    for (size_t i = span.size(); i-- > 0;) {
      const Context& c = m_.contexts[i];
      span[i] = c.duration();
      for (const Action& a : c.actions)
        if (a.kind == ActionKind::spawn) {
          const auto k = m_.contexts[a.child].kind;
          if (k == CtxKind::work || k == CtxKind::fw_callback) span[i] = std::max(span[i], a.offset + span[a.child]);
        }
    }
    return span;
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
    } else if (B.check_state_failure >= 0) {
      // driver_deferred_probe_check_state(): -ETIMEDOUT once initcalls are done and the timeout is 0
      os_ << "     if :: trig_on && li_stage != 1 && pt_zero -> p_out[" << D << "] = FAIL :: else -> p_out[" << D
          << "] = DEFER fi;\n";
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
    if (B.check_state_failure >= 0)  // the observed -ETIMEDOUT's duration, whatever the attempt
      os_ << "        p_dur[" << D << "] = " << us(attempt_duration(B, static_cast<size_t>(B.check_state_failure)))
          << ";\n";
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
    if (owner != kNone) os_ << "; own_busy[" << owner << "]++; own_th[" << owner << "] = " << th;
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

  // bind_store() -> device_driver_attach(): a probe of the device with that driver, in this task.
  void effect_bind_request(uint32_t c, uint32_t i, const Action& a) {
    const uint32_t drv = m_.driver_index(a.drv);
    const auto it = action_thread_.find({c, i, kNoDev});
    if (drv == kNone || it == action_thread_.end() || driver_of(a.dev) != drv) {
      os_ << "skip";
      return;
    }
    const std::string D = std::to_string(a.dev);
    const uint32_t th = it->second;
    os_ << "if :: present[" << D << "] && !bound[" << D << "] && !probing[" << D << "] && drv_reg[" << drv << "] -> ";
    start_thread(th, "th_job[" + std::to_string(th) + " * MAXJ] = " + D + "; th_nj[" + std::to_string(th) + "] = 1;", c,
                 drv, 0);
    os_ << " :: else -> skip fi";
  }

  // The devices bound to the driver (by the replay, or before the capture) are unbound.
  void effect_driver_unregister(const Action& a) {
    const uint32_t drv = m_.driver_index(a.drv);
    if (drv == kNone) {
      os_ << "skip";
      return;
    }
    os_ << "drv_reg[" << drv << "] = 0";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const uint32_t init = initial_driver(d);
      if (driver_of(d) != drv && init != drv) continue;
      os_ << ";\n       if :: bound[" << d << "] && ((bbr[" << d << "] && " << (driver_of(d) == drv ? 1 : 0)
          << ") || (!bbr[" << d << "] && " << (init == drv ? 1 : 0) << ")) -> bound[" << d << "] = 0; bbr[" << d
          << "] = 0 :: else -> skip fi";
    }
  }

  uint32_t initial_driver(DevId d) const {
    if (!m_.devices[d].initially_bound || !m_.trace || d >= m_.trace->devices.size()) return kNone;
    return m_.driver_index(m_.trace->devices[d].initial_driver);
  }

  void effect_resource_up(const Action& a) {
    const Arrival& arr = m_.arrivals[a.arrival];
    for (uint32_t r : arr.resources) os_ << "res_up[" << r << "] = 1" << retry_waiters(r) << "; ";
    const bool component = !arr.resources.empty() && m_.resource_name(arr.resources[0]).starts_with("component:");
    if (p_.kicks_on_resource() || (component && p_.kicks_on_component()))
      os_ << "trigger(LAT)";
    else
      os_ << "skip";
  }

  // queue_work() / request_firmware_nowait(): the child starts after its observed delay; under
  // sync-provider a probe's work item or callback runs inside it, at once.
  void effect_spawn(uint32_t c, const Action& a) {
    const Context& child = m_.contexts[a.child];
    const std::string C = std::to_string(c), K = std::to_string(a.child);
    const bool workfw = child.kind == CtxKind::work || child.kind == CtxKind::fw_callback;
    if (p_.inline_provider_work() && workfw) {
      os_ << "if :: inl[" << C << "] -> " << start_ctx_body(a.child, "now") << "; inl[" << K << "] = 1; iroot[" << K
          << "] = iroot[" << C << "]";
      if (!child.actions.empty()) os_ << "; inl_run[iroot[" << C << "]]++";
      os_ << " :: else -> " << start_ctx_body(a.child, "(now + " + std::to_string(us(child.delay())) + ")") << " fi";
    } else {
      os_ << start_ctx_body(a.child, "(now + " + std::to_string(us(child.delay())) + ")");
    }
  }

  void effect(uint32_t c, uint32_t i, const Action& a) {
    switch (a.kind) {
      case ActionKind::late_initcall:
        os_ << "trig_on = 1; li_stage = 1; trigger(LAT); li_continue()";
        if (p_.kind == PolicyKind::periodic) os_ << "; SETDUE(PS, now + PERIOD)";
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
        effect_spawn(c, a);
        break;
      case ActionKind::resume:
        os_ << "trigger(LAT)";
        break;
      case ActionKind::resource_down:  // the card it unbinds keeps its device bound: not the verdict's concern
        for (uint32_t r : m_.arrivals[a.arrival].resources) os_ << "res_up[" << r << "] = 0; ";
        os_ << "skip";
        break;
      case ActionKind::device_del:
        os_ << "list_remove(" << a.dev << "); present[" << a.dev << "] = 0; bound[" << a.dev << "] = 0; bbr[" << a.dev
            << "] = 0";
        break;
      case ActionKind::device_unbind:
        os_ << "bound[" << a.dev << "] = 0; bbr[" << a.dev << "] = 0";
        break;
      case ActionKind::bind_request:
        effect_bind_request(c, i, a);
        break;
      case ActionKind::driver_unregister:
        effect_driver_unregister(a);
        break;
      case ActionKind::unseen_trigger:
        os_ << "trigger(0)";
        break;
      default:  // card_register: the verdict is the device's bind, not its card
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
      const std::string guard = "READY(" + C + ") && (mi_run[" + C + "] == 0 || FIRST_BEFORE(" + C + ", mi_child[" + C +
                                "])) && (own_busy[" + C + "] == 0 || FIRST_BEFORE(" + C + ", NC + own_th[" + C + "]))";
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
        if (p_.inline_provider_work())
          os_ << " if :: inl[" << C << "] && iroot[" << C << "] != " << C << " -> inl_run[iroot[" << C
              << "]]-- :: else -> skip fi;";
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
    os_ << "    ui = 0;\n    do :: ui < NSLOT -> due[ui] = INF; ui++ :: else -> break od;\n";
    for (DevId d = 0; d < m_.devices.size(); ++d) {
      const uint32_t drv = driver_of(d);
      const Binding* B = binding_of(d);
      os_ << "    dv_drv[" << d << "] = " << byte_or_none(drv) << "; dv_lookup[" << d
          << "] = " << (B ? us(B->lookup_offset) : 0) << "; dv_helper[" << d << "] = " << byte_or_none(helper_[d])
          << ";";
      if (m_.devices[d].declared_in_header) os_ << " present[" << d << "] = 1;";
      if (m_.devices[d].initially_bound) os_ << " bound[" << d << "] = 1; evb[" << d << "] = 1;";
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
        os_ << "    pend[npend] = " << d << "; npend++; dlist[" << d << "] = 1;\n";  // as listed, no retry yet
    os_ << "    trig_on = " << (m_.observed.has_late_initcall ? 0 : 1) << ";\n";
    if (p_.timeout_s > 0)
      if (auto at = pending_timeout_at_start(m_.observed, static_cast<uint64_t>(p_.timeout_s) * 1'000'000'000ull)) {
        const uint64_t t = p_.timeout_as_observed && m_.observed.timeout_fired ? m_.observed.timeout_fired_at : *at;
        os_ << "    tmo_armed = 1; tmo_due = " << us(t) << "; due[NC + NTH] = tmo_due;\n";
      }
    // driver_deferred_probe_timeout: 0 without a timer (< 0: never expires); a capture that starts after
    // boot with no timer pending starts after the timeout work set it to 0 (and drivers were done).
    const bool enabled = !m_.observed.has_late_initcall;
    bool armed_at_start = false;
    if (p_.timeout_s > 0)
      armed_at_start =
          pending_timeout_at_start(m_.observed, static_cast<uint64_t>(p_.timeout_s) * 1'000'000'000ull).has_value();
    const bool expired_at_start = p_.timeout_s == 0 || (enabled && p_.timeout_s > 0 && !armed_at_start);
    os_ << "    pt_zero = " << (expired_at_start ? 1 : 0)
        << "; drv_done = " << (p_.drivers_done_at_timeout && enabled && p_.timeout_s > 0 && !armed_at_start ? 1 : 0)
        << ";\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c) os_ << "    run ctx_" << c << "();\n";
    for (uint32_t k = 0; k < nthreads_; ++k) os_ << "    run thread(" << k << ");\n";
    if (p_.kind == PolicyKind::periodic && enabled) os_ << "    due[PS] = PERIOD;\n";
    if (p_.inline_provider_work()) {
      const auto span = inline_spans();
      for (uint32_t c = 0; c < m_.contexts.size(); ++c)
        if (span[c]) os_ << "    ispan[" << c << "] = " << us(span[c]) << ";\n";
    }
    os_ << "    run timer();\n    run periodic();\n    run monitor();\n";
    for (uint32_t c = 0; c < m_.contexts.size(); ++c)
      if (m_.contexts[c].kind == CtxKind::root) os_ << "    " << start_ctx_body(c, "0") << ";\n";
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
  auto why = unsupported(model, options);
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
