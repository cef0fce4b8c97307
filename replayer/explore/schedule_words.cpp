#include "replayer/explore/schedule_words.h"

#include <fmt/format.h>

namespace reprobe {

namespace {

std::string dev_name(const Model& m, DevId d) { return d == kNoDev || !m.trace ? "?" : m.dev_label(d); }

std::string str(const Model& m, StrId id) { return m.trace ? std::string(m.trace->str(id)) : std::string(); }

// "work item NAME", "firmware callback NAME", "module init NAME", "probe of DEV", "task".
std::string context_words(const Model& m, uint32_t ctx) {
  const Context& c = m.contexts[ctx];
  const std::string label = c.label ? str(m, c.label) : std::string();
  switch (c.kind) {
    case CtxKind::root:
      return "a loader task";
    case CtxKind::probe:
      return "the probe of " + dev_name(m, c.dev);
    case CtxKind::work:
      return label.empty() ? "a work item" : "work item " + label;
    case CtxKind::fw_callback:
      return label.empty() ? "a firmware callback" : "firmware callback " + label;
    case CtxKind::module_init:
      return label.empty() ? "a module init" : "module init " + label;
  }
  return "a context";
}

std::string resource_words(const Model& m, uint32_t arrival) {
  const auto& a = m.arrivals[arrival];
  return a.resources.empty() ? std::string("a resource") : m.resource_name(a.resources.front());
}

std::string action_words(const Model& m, const Context& c, const Action& a) {
  switch (a.kind) {
    case ActionKind::late_initcall:
      return "deferred_probe_initcall()";
    case ActionKind::device_add:
      return "device_add(" + dev_name(m, a.dev) + ")";
    case ActionKind::device_del:
      return "device_del(" + dev_name(m, a.dev) + ")";
    case ActionKind::driver_register:
      return "driver_register(" + str(m, a.drv) + ")";
    case ActionKind::driver_unregister:
      return "driver_unregister(" + str(m, a.drv) + ")";
    case ActionKind::resource_up:
      return "the registration of " + resource_words(m, a.arrival);
    case ActionKind::resource_down:
      return "the removal of " + resource_words(m, a.arrival);
    case ActionKind::spawn:
      return "queueing " + context_words(m, a.child);
    case ActionKind::card_register:
      return "snd_card_register(" + dev_name(m, a.dev) + ")";
    case ActionKind::resume:
      return "a resume";
    case ActionKind::unseen_trigger:
      return "a trigger the log implies";
    case ActionKind::device_unbind:
      return "the sysfs unbind of " + dev_name(m, a.dev);
    case ActionKind::bind_request:
      return "the sysfs bind of " + dev_name(m, a.dev) + " to " + str(m, a.drv);
  }
  (void)c;
  return "an action";
}

}  // namespace

std::string describe_event(const Simulator& sim, const QItem& q) {
  const Model& m = sim.model();
  const SimState& s = sim.state();
  switch (q.kind) {
    case QItem::action: {
      const uint32_t ctx = s.instances[q.subject].ctx;
      const Context& c = m.contexts[ctx];
      const std::string what = action_words(m, c, c.actions[q.action_index]);
      return c.kind == CtxKind::root ? what : fmt::format("{} (in {})", what, context_words(m, ctx));
    }
    case QItem::thread_step: {
      if (q.subject == 0) return "the deferred-probe work";
      const SimThread& t = s.threads[q.subject];
      if (t.pos < t.jobs.size()) return "the probe thread of " + dev_name(m, t.jobs[t.pos].dev);
      return "a probe thread";
    }
    case QItem::probe_decide:
      return "the resource lookup in the probe of " + dev_name(m, q.subject);
    case QItem::probe_bind:
      return "the bind of " + dev_name(m, q.subject) + " (driver_bound())";
    case QItem::probe_end:
      return "the probe of " + dev_name(m, q.subject) + " returning";
    case QItem::timeout:
      return "the deferred_probe_timeout work";
    case QItem::periodic:
      return "the periodic trigger";
    case QItem::kick:
      return "the provider kick after its work";
  }
  return "an event";
}

}  // namespace reprobe
