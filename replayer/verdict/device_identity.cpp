// See device_identity.h.
#include "replayer/verdict/device_identity.h"

#include <optional>
#include <vector>

#include <fmt/format.h>

#include "replayer/verdict/json_field.h"

namespace reprobe {

namespace {

using ojson = nlohmann::ordered_json;

const ojson* at(const ojson& j, std::initializer_list<const char*> path) {
  const ojson* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return nullptr;
    const auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string str(const ojson& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "0x8086" -> "8086"
std::string hex_id(std::string s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.erase(0, 2);
  for (char& c : s)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string pci_words(const Trace& tr, std::string_view slot) {
  if (const ojson* pci = at(tr.header, {"snapshot", "udev", "pci_audio"}); pci && pci->is_array())
    for (const auto& f : *pci) {
      if (!f.is_object() || str(f, "slot") != slot) continue;
      std::string w = fmt::format("PCI {}:{}", hex_id(str(f, "vendor")), hex_id(str(f, "device")));
      if (!str(f, "subsystem_vendor").empty())
        w += fmt::format(", subsystem {}:{}", hex_id(str(f, "subsystem_vendor")), hex_id(str(f, "subsystem_device")));
      return w;
    }
  if (const ojson* pci = at(tr.header, {"x-import", "pci_multimedia"}); pci && pci->is_array())
    for (const auto& f : *pci)
      if (f.is_object() && str(f, "slot") == slot)
        return fmt::format("PCI {}, class {}", str(f, "id"), str(f, "class"));
  return {};
}

std::string card_words(const Trace& tr, DevId dev) {
  std::optional<int64_t> index;
  std::string id;
  for (const Event& e : tr.events)
    if (e.kind == EventKind::snd_card_register && e.dev == dev && e.has_num()) {
      index = e.num;
      if (!e.inferred && e.name) id = std::string(tr.str(e.name));
      break;
    }
  if (!index) return {};
  if (const ojson* cards = at(tr.header, {"snapshot", "alsa", "cards"}); cards && cards->is_array())
    for (const auto& c : *cards)
      if (c.is_object() && int_field(c, "index", -1) == *index) {
        std::string w = fmt::format("card{} '{}'", *index, str(c, "id"));
        if (!str(c, "name").empty()) w += fmt::format(" ({})", str(c, "name"));
        return w;
      }
  if (!id.empty()) return fmt::format("card{} '{}'", *index, id);
  if (const ojson* cards = at(tr.header, {"x-import", "cards"}); cards && cards->is_array())
    for (const auto& c : *cards)
      if (c.is_object() && int_field(c, "index", -1) == *index && !str(c, "name").empty())
        return fmt::format("card{} ('{}', from its input devices)", *index, str(c, "name"));
  return fmt::format("card{}", *index);
}

// "driver snd_hda_intel, module snd_hda_intel": the driver of its last probe attempt and the
// module its driver_register event names.
std::string driver_words(const Trace& tr, DevId dev) {
  StrId drv = 0;
  for (const Event& e : tr.events)
    if (e.kind == EventKind::probe_start && e.dev == dev && e.drv) drv = e.drv;
  if (!drv) return {};
  const std::string_view name = tr.str(drv);
  if (name == "unknown") return {};
  for (const Event& e : tr.events)
    if (e.kind == EventKind::driver_register && e.drv && tr.str(e.drv) == name && e.name)
      return fmt::format("driver {}, module {}", name, tr.str(e.name));
  return fmt::format("driver {}", name);
}

}  // namespace

std::string device_identity(const Trace& tr, DevId dev) {
  if (dev == kNoDev || dev >= tr.devices.size()) return {};
  std::vector<std::string> parts;
  if (std::string w = driver_words(tr, dev); !w.empty()) parts.push_back(std::move(w));
  if (std::string p = pci_words(tr, tr.dev_name(dev)); !p.empty()) parts.push_back(std::move(p));
  if (std::string c = card_words(tr, dev); !c.empty()) parts.push_back(std::move(c));
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace reprobe
