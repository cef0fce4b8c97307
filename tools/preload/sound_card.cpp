// The target's sound card from the machine snapshot, or synthesized from the trace
// (docs/preload.md, "The device set").
#include "tools/preload/sound_card.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "tools/preload/testbed_names.h"

namespace reprobe {

namespace {

using Json = nlohmann::ordered_json;

std::string str_of(const Json& o, const char* key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A number of the snapshot (a card index, a PCM device number) in [0, limit): `fallback` when
// absent; an error when of another type or out of range (the snapshot is input: "index":"0"
// ended preload with an uncaught json type_error, 2^31-1 overflowed the minor numbers).
Result<int> bounded_member(const Json& o, const char* key, int limit, const std::string& path,
                           const std::string& what) {
  const auto it = o.find(key);
  if (it == o.end()) return 0;
  if (!it->is_number_integer())
    return Error{path, 0,
                 fmt::format("{}: '{}' is not an integer ({}): no testbed is built from it", what, key,
                             visible(it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)))};
  const auto v = it->get<int64_t>();
  if (v < 0 || v >= limit)
    return Error{path, 0,
                 fmt::format("{}: '{}' {} is outside 0-{}: no testbed is built from it", what, key, v, limit - 1)};
  return static_cast<int>(v);
}

// The snapshot's udev parent of sound device `name` (card0), "" when not listed.
const Json* udev_sound_entry(const Json& snapshot, const std::string& name) {
  const auto udev = snapshot.find("udev");
  if (udev == snapshot.end() || !udev->is_object()) return nullptr;
  const auto sound = udev->find("sound");
  if (sound == udev->end() || !sound->is_array()) return nullptr;
  for (const auto& e : *sound)
    if (str_of(e, "name") == name) return &e;
  return nullptr;
}

const Json* pci_entry(const Json& snapshot, const std::string& slot) {
  const auto udev = snapshot.find("udev");
  if (udev == snapshot.end() || !udev->is_object()) return nullptr;
  const auto pci = udev->find("pci_audio");
  if (pci == udev->end() || !pci->is_array()) return nullptr;
  for (const auto& e : *pci)
    if (str_of(e, "slot") == slot) return &e;
  return nullptr;
}

// The device and its ancestors from the trace's device table, outermost first. A parent name
// that is not a device of the trace (the kernel's "platform" glue device) is kept as a path
// component with no bus.
std::vector<SoundParent> parent_chain(const Trace& trace, DevId target, const std::string& driver) {
  std::vector<SoundParent> chain;
  std::string name(trace.dev_name(target));
  DevId d = target;
  for (int depth = 0; depth < 32 && !name.empty(); ++depth) {
    SoundParent p;
    p.name = name;
    if (d != kNoDev) {
      p.bus = std::string(trace.str(trace.devices[d].bus));
      p.driver = depth == 0 ? driver : std::string(trace.str(trace.devices[d].initial_driver));
    }
    chain.push_back(p);
    if (d == kNoDev) break;
    name = std::string(trace.str(trace.devices[d].parent));
    auto next = trace.find_device(name);
    d = next ? *next : kNoDev;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// PCI attributes of the parent from the snapshot's udev.pci_audio entry.
void add_pci_attributes(const Json& snapshot, SoundParent& parent) {
  const Json* pci = pci_entry(snapshot, parent.name);
  if (!pci) return;
  for (const char* key :
       {"class", "vendor", "device", "subsystem_vendor", "subsystem_device", "revision", "modalias"}) {
    std::string v = str_of(*pci, key);
    if (!v.empty()) parent.attributes.emplace_back(key, v);
  }
  if (parent.driver.empty()) parent.driver = str_of(*pci, "driver");
}

Result<std::vector<SoundPcm>> pcms_of(const Json& card, const std::string& path, const std::string& what) {
  std::vector<SoundPcm> out;
  const auto pcms = card.find("pcms");
  if (pcms == card.end() || !pcms->is_array()) return out;
  for (const auto& p : *pcms) {
    if (!p.is_object()) continue;
    SoundPcm pcm;
    auto device = bounded_member(p, "device", kMaxAlsaPcmDevices, path, what + ", a PCM device");
    if (!device) return device.take_error();
    pcm.device = *device;
    pcm.id = str_of(p, "id");
    pcm.name = str_of(p, "name");
    if (auto s = p.find("streams"); s != p.end() && s->is_array())
      for (const auto& st : *s) {
        pcm.playback |= st == "playback";
        pcm.capture |= st == "capture";
      }
    out.push_back(pcm);
  }
  return out;
}

// The snapshot card whose udev parent is the target, if any snapshot lists one.
Result<std::optional<SoundCard>> card_from_snapshot(const Json& snapshot, const char* which, const std::string& target,
                                                    const std::string& path) {
  if (!snapshot.is_object()) return {std::nullopt};
  const auto alsa = snapshot.find("alsa");
  if (alsa == snapshot.end() || !alsa->is_object()) return {std::nullopt};
  const auto cards = alsa->find("cards");
  if (cards == alsa->end() || !cards->is_array()) return {std::nullopt};
  for (const auto& c : *cards) {
    if (!c.is_object()) continue;
    SoundCard card;
    const std::string what = std::string("the ") + which + " snapshot's ALSA card";
    auto index = bounded_member(c, "index", kMaxAlsaCards, path, what);
    if (!index) return index.take_error();
    card.index = *index;
    const Json* udev = udev_sound_entry(snapshot, "card" + std::to_string(card.index));
    if (!udev || str_of(*udev, "parent") != target) continue;
    card.id = str_of(c, "id");
    card.driver = str_of(c, "driver");
    card.name = str_of(c, "name");
    card.longname = str_of(c, "longname");
    card.mixername = str_of(c, "mixername");
    card.components = str_of(c, "components");
    auto pcms = pcms_of(c, path, what + " " + std::to_string(card.index));
    if (!pcms) return pcms.take_error();
    card.pcms = std::move(*pcms);
    card.origin = what + " " + std::to_string(card.index) + " (" + str_of(*alsa, "source") + ")";
    return std::optional<SoundCard>(std::move(card));
  }
  return {std::nullopt};
}

// "ASoC: ... not found for link NAME" -> NAME (the DAI link a deferral reason names).
std::optional<std::string> link_named_in(std::string_view reason) {
  constexpr std::string_view kLink = "for link ";
  const auto at = reason.find(kLink);
  if (at == std::string_view::npos) return {std::nullopt};
  std::string_view rest = reason.substr(at + kLink.size());
  const auto end = rest.find_first_of(" \t,;");
  rest = rest.substr(0, end);
  if (rest.empty()) return {std::nullopt};
  return std::string(rest);
}

Result<SoundCard> synthesize_card(const Trace& trace, DevId target) {
  SoundCard card;
  card.synthesized = true;
  std::string card_name;
  std::optional<std::string> card_id;
  std::vector<std::string> links;
  for (const auto& e : trace.events) {
    if (e.dev != target) continue;
    if (e.kind == EventKind::card_bind_start && e.name && card_name.empty()) card_name = trace.str(e.name);
    if (e.kind == EventKind::snd_card_register && !card_id) {
      card_id = std::string(trace.str(e.name));
      if (e.num < 0 || e.num >= kMaxAlsaCards)
        return Error{trace.path, 0,
                     fmt::format("snd_card_register of {}: card index {} is outside ALSA's range 0-{}: no testbed is "
                                 "built from it",
                                 visible(trace.dev_name(target)), e.num, kMaxAlsaCards - 1)};
      card.index = static_cast<int>(e.num);
    }
    if (e.kind == EventKind::defer_reason && e.name)
      if (auto link = link_named_in(trace.str(e.name));
          link && std::find(links.begin(), links.end(), *link) == links.end())
        links.push_back(*link);
  }
  if (card_name.empty()) card_name = card_id.value_or(std::string(trace.dev_name(target)));
  // ASoC (snd_soc_bind_card): driver = driver_name or name, shortname = name, longname = long_name or name.
  card.name = card_name.substr(0, 31);
  card.driver = card_name.substr(0, 15);
  card.longname = card_name.substr(0, 79);
  card.id = card_id.value_or(card_id_from_name(card_name));
  std::string origin = card_id ? "snd_card_register (index, id)" : "card_bind_start (card name)";
  for (size_t i = 0; i < links.size(); ++i)
    card.pcms.push_back(SoundPcm{static_cast<int>(i), links[i], links[i], true, true});
  if (links.empty()) {
    card.pcms.push_back(SoundPcm{0, card_name, card_name, true, true});
    origin += "; one PCM device named after the card (the trace names no DAI link)";
  } else {
    origin += "; one PCM device per DAI link the deferral reasons name";
  }
  card.origin = "synthesized from the trace: " + origin;
  return card;
}

}  // namespace

std::string card_id_from_name(const std::string& name) {
  std::string word = name;
  if (auto sp = word.find_last_of(" \t"); sp != std::string::npos && sp + 1 < word.size()) word = word.substr(sp + 1);
  std::string id;
  for (char c : word) {
    if (id.size() >= 15) break;
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) continue;
    if (id.empty() && std::isdigit(u)) id += 'D';
    id += c;
  }
  if (id.size() > 15) id.resize(15);
  if (id.empty() || id.rfind("card", 0) == 0) return "Default";
  return id;
}

Result<SoundCard> describe_sound_card(const Trace& trace, DevId target, const std::string& bound_driver) {
  const std::string name(trace.dev_name(target));
  bool tried_card = false;
  for (const auto& e : trace.events)
    if (e.dev == target && (e.kind == EventKind::card_bind_start || e.kind == EventKind::snd_card_register))
      tried_card = true;
  const Json& end_snapshot =
      trace.end_extra.is_object() && trace.end_extra.contains("snapshot") ? trace.end_extra["snapshot"] : Json();
  auto from_end = card_from_snapshot(end_snapshot, "end", name, trace.path);
  if (!from_end) return from_end.take_error();
  std::optional<SoundCard> card = std::move(*from_end);
  if (!card && trace.header.contains("snapshot")) {
    auto from_header = card_from_snapshot(trace.header["snapshot"], "header", name, trace.path);
    if (!from_header) return from_header.take_error();
    card = std::move(*from_header);
  }
  if (!card && !tried_card)
    return Error{trace.path, 0,
                 "the target " + name +
                     " never registered or tried to register a sound card (no card_bind_start or "
                     "snd_card_register, no snapshot card below it): nothing to show in the testbed"};
  if (!card) {
    auto synthesized = synthesize_card(trace, target);
    if (!synthesized) return synthesized.take_error();
    card = std::move(*synthesized);
  }
  card->parents = parent_chain(trace, target, bound_driver);
  const Json& snapshot = trace.header.contains("snapshot") ? trace.header["snapshot"] : Json();
  for (auto& p : card->parents)
    if (p.bus == "pci") add_pci_attributes(snapshot, p);
  if (auto checked = check_testbed_names(*card, trace.path); !checked) return checked.take_error();
  return std::move(*card);
}

}  // namespace reprobe
