#include "replayer/trace/trace.h"

#include <string>

namespace reprobe {

std::string Trace::dev_label(DevId d) const {
  if (d == kNoDev) return {};
  std::string s(strings[devices[d].name]);
  if (devices[d].instance > 1) s += "#" + std::to_string(devices[d].instance);
  return s;
}

std::optional<DevId> Trace::find_device(std::string_view label) const {
  for (DevId d = 0; d < devices.size(); ++d)
    if (dev_label(d) == label) return d;
  // A bare name matches the last instance with that name.
  std::optional<DevId> last;
  for (DevId d = 0; d < devices.size(); ++d)
    if (strings[devices[d].name] == label) last = d;
  return last;
}

uint64_t Trace::last_time() const {
  uint64_t t = events.empty() ? 0 : events.back().t;
  if (end && end->t && *end->t > t) t = *end->t;
  return t;
}

}  // namespace reprobe
