// umockdev records of a sound card and its parents (docs/preload.md, "The device set").
#include "tools/preload/testbed_records.h"

#include <fmt/format.h>

namespace reprobe {

namespace {

// udev's ID_PATH for a sound device below this parent chain (path_id: "pci-0000:00:1f.3",
// "platform-reprobe-machine"); the innermost parent on a known bus.
std::string id_path(const SoundCard& card) {
  for (auto it = card.parents.rbegin(); it != card.parents.rend(); ++it)
    if (!it->bus.empty()) return it->bus + "-" + it->name;
  return "platform-" + (card.parents.empty() ? std::string("unknown") : card.parents.back().name);
}

std::string tag_of(std::string s) {
  for (char& c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-')) c = '_';
  return s;
}

TestbedRecord node_record(const std::string& card_path, const SoundCard& card, const std::string& node, int minor) {
  TestbedRecord r;
  r.syspath = card_path + "/" + node;
  r.devnode = "/dev/snd/" + node;
  r.sound = true;
  r.text = fmt::format(
      "P: {}\nN: snd/{}\nA: dev={}:{}\nE: SUBSYSTEM=sound\nE: DEVNAME=/dev/snd/{}\nE: MAJOR={}\n"
      "E: MINOR={}\nE: ID_PATH={}\nE: ID_PATH_TAG={}\n",
      r.syspath.substr(4), node, kAlsaMajor, minor, node, kAlsaMajor, minor, id_path(card), tag_of(id_path(card)));
  if (node.rfind("pcm", 0) == 0) r.text += "A: pcm_class=generic\n";
  return r;
}

}  // namespace

int alsa_control_minor(int card) { return card * 32; }
int alsa_pcm_minor(int card, int device, bool capture) { return card * 32 + (capture ? 24 : 16) + device; }

std::vector<TestbedRecord> testbed_records(const SoundCard& card) {
  std::vector<TestbedRecord> out;
  std::string path = "/sys/devices";
  for (size_t i = 0; i < card.parents.size(); ++i) {
    const SoundParent& p = card.parents[i];
    path += "/" + p.name;
    if (p.bus.empty()) continue;  // a glue directory such as "platform": created with its children
    TestbedRecord r;
    r.syspath = path;
    r.text = fmt::format("P: {}\nE: SUBSYSTEM={}\n", path.substr(4), p.bus);
    if (i + 1 == card.parents.size())
      r.bound_driver = p.driver;
    else if (!p.driver.empty())
      r.text += "E: DRIVER=" + p.driver + "\n";
    for (const auto& [k, v] : p.attributes) r.text += "A: " + k + "=" + v + "\n";
    if (p.bus == "platform") r.text += "A: modalias=platform:" + p.name + "\nE: MODALIAS=platform:" + p.name + "\n";
    out.push_back(r);
  }
  const std::string card_path = path + "/sound/card" + std::to_string(card.index);
  TestbedRecord c;
  c.syspath = card_path;
  c.sound = true;
  c.text = fmt::format(
      "P: {}\nA: id={}\nA: number={}\nE: SUBSYSTEM=sound\nE: SOUND_INITIALIZED=1\nE: ID_PATH={}\n"
      "E: ID_PATH_TAG={}\n",
      card_path.substr(4), card.id, card.index, id_path(card), tag_of(id_path(card)));
  out.push_back(c);
  for (const auto& pcm : card.pcms) {
    if (pcm.playback)
      out.push_back(node_record(card_path, card, fmt::format("pcmC{}D{}p", card.index, pcm.device),
                                alsa_pcm_minor(card.index, pcm.device, false)));
    if (pcm.capture)
      out.push_back(node_record(card_path, card, fmt::format("pcmC{}D{}c", card.index, pcm.device),
                                alsa_pcm_minor(card.index, pcm.device, true)));
  }
  // The control device registers last (snd_card_register): udev's 78-sound-card.rules rely on it.
  out.push_back(node_record(card_path, card, fmt::format("controlC{}", card.index), alsa_control_minor(card.index)));
  return out;
}

}  // namespace reprobe
