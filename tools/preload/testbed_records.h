// The sysfs devices a preload testbed holds for one sound card, as umockdev device records
// (the text umockdev_testbed_add_from_string() reads: P: path, N: node, A: attribute,
// E: udev property): the card's parents, the card, its control node and its PCM nodes, with
// exactly the attributes and properties docs/preload.md lists. Deterministic; no umockdev here,
// so the unit tests read the records as text.
#pragma once

#include <string>
#include <vector>

#include "tools/preload/sound_card.h"

namespace reprobe {

struct TestbedRecord {
  std::string syspath;  // /sys/devices/...
  std::string devnode;  // /dev/snd/controlC0, "" for devices without a node
  std::string text;     // one umockdev record
  bool sound = false;   // subsystem sound: the card and its nodes (added and removed with uevents)
  // The card's own parent (the target device): the driver the replay binds, set as its DRIVER
  // property when the card appears (before, the device exists unbound).
  std::string bound_driver;
};

// In the order they are added: parents (outermost first; present from the start), the card, pcmC<N>D<M>p/c, controlC<N>
// (the kernel registers the control device last).
std::vector<TestbedRecord> testbed_records(const SoundCard& card);

// ALSA's static minor numbers (CONFIG_SND_DYNAMIC_MINORS=n): control card*32, PCM playback
// card*32+16+device, capture card*32+24+device.
int alsa_control_minor(int card);
int alsa_pcm_minor(int card, int device, bool capture);
inline constexpr int kAlsaMajor = 116;

}  // namespace reprobe
