// Which of a device's needs are supplier links (docs/kernel-model.md §1.7): a deferral by
// device_links_check_suppliers() (drivers/base/core.c) names its supplier in the reason ("supplier X
// not ready" for a device link, "wait for supplier X" for a fwnode link whose supplier has no device
// yet), and the recorder's device_link events (device_link_add()) give the link's DL_FLAG_* bits. The
// simulator relaxes inferred links to driverless suppliers at the timeout (fw_devlink_drivers_done())
// and lets a supplier's bind re-add its DL_FLAG_AUTOPROBE_CONSUMER consumers
// (device_links_driver_bound()). A link never becomes a need here: only needs the evidence already
// names (need inference) are marked.
#include <algorithm>
#include <optional>
#include <string>

#include "replayer/model/model.h"
#include "replayer/trace/kernel_vocabulary.h"

namespace reprobe {

namespace {

constexpr uint64_t kDlFlagAutoprobeConsumer = 1u << 5;  // DL_FLAG_AUTOPROBE_CONSUMER (include/linux/device.h)

// The kind of supplier wait a deferral reason states, if it is one.
std::optional<LinkSource> link_source(std::string_view reason) {
  if (reason.find("wait for supplier ") != std::string_view::npos) return LinkSource::fwnode;
  const auto s = reason.find("supplier ");
  if (s != std::string_view::npos && reason.find("not ready", s) != std::string_view::npos)
    return LinkSource::device_link;
  return std::nullopt;
}

bool is_need(const DeviceModel& dm, uint32_t r) {
  const auto named = [&](const Need& n) { return n.resource == r; };
  return std::any_of(dm.needs.begin(), dm.needs.end(), named) ||
         std::any_of(dm.doubt.possible.begin(), dm.doubt.possible.end(), named) ||
         std::find(dm.doubt.any_of.begin(), dm.doubt.any_of.end(), r) != dm.doubt.any_of.end();
}

SupplierLink* find_link(DeviceModel& dm, uint32_t r) {
  for (auto& l : dm.links)
    if (l.resource == r) return &l;
  return nullptr;
}

}  // namespace

void infer_supplier_links(Model& m) {
  const Trace& tr = *m.trace;
  const auto supplier_of = [&](const std::string& resource) {
    const auto d = tr.find_device(std::string_view(resource).substr(std::string_view("device:").size()));
    return d ? *d : kNoDev;
  };
  // From the reasons: the kernel's own wording names the supplier.
  for (auto& dm : m.devices)
    for (uint32_t b : dm.bindings)
      for (uint32_t a : m.bindings[b].attempts)
        for (StrId reason : m.attempts[a].reasons) {
          const auto text = tr.str(reason);
          const auto source = link_source(text);
          const auto res = resource_from_reason(text);
          if (!source || !res || !res->starts_with("device:")) continue;
          const uint32_t r = m.resource_index(*res);
          if (r == kNone || !is_need(dm, r) || find_link(dm, r)) continue;
          SupplierLink l;
          l.resource = r;
          l.supplier = supplier_of(*res);
          l.source = *source;
          // A fwnode link exists only where fw_devlink made it.
          l.inferred = *source == LinkSource::fwnode ? LinkInferred::yes : LinkInferred::unknown;
          dm.links.push_back(l);
        }
  // From the recorder's device_link events: the link's flags (the last event of a link wins, as
  // device_link_add() updates an existing link's flags).
  m.autoprobe_consumers.assign(m.devices.size(), {});
  for (const Event& e : tr.events) {
    if (e.kind != EventKind::device_link || e.dev == kNoDev) continue;
    const std::string res = "device:" + std::string(tr.str(e.name));
    const DevId sup = supplier_of(res);
    if (sup != kNoDev && (e.id & kDlFlagAutoprobeConsumer)) {
      auto& v = m.autoprobe_consumers[sup];
      if (std::find(v.begin(), v.end(), e.dev) == v.end()) v.push_back(e.dev);
    }
    const uint32_t r = m.resource_index(res);
    if (r == kNone) continue;
    if (SupplierLink* l = find_link(m.devices[e.dev], r); l && l->source == LinkSource::device_link) {
      l->flags = e.id;
      l->inferred = (e.id & kDlFlagInferred) ? LinkInferred::yes : LinkInferred::no;
    }
  }
}

}  // namespace reprobe
