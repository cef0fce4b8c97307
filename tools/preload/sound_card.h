// The sound card a preload testbed shows (docs/preload.md, "The device set"): what ALSA and
// udev say about the trace's target card, taken from the machine snapshot that `reprobe record`
// wrote (docs/snapshot.md) or, when the observed run never registered the card (the stranded
// case a rescuing policy binds) or the trace was imported from logs, synthesized from what the
// trace names. Used by the testbed's device records (testbed_records.h), the control ioctl
// replies (alsa_control_replies.h) and `reprobe preload -v`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "replayer/trace/error.h"
#include "replayer/trace/trace.h"

namespace reprobe {

struct SoundPcm {
  int device = 0;
  std::string id, name;
  bool playback = false, capture = false;
};

// A device between /sys/devices and the card (the card's PCI or platform parent, its parents).
struct SoundParent {
  std::string name;                                             // dev_name()
  std::string bus;                                              // pci, platform, ... ("" unknown)
  std::string driver;                                           // bound driver ("" unknown)
  std::vector<std::pair<std::string, std::string>> attributes;  // sysfs attributes replayed
};

struct SoundCard {
  int index = 0;
  std::string id, driver, name, longname, mixername, components;
  std::vector<SoundPcm> pcms;
  // Outermost first: /sys/devices/<parents[0]>/.../<parents.back()>/sound/cardN.
  std::vector<SoundParent> parents;
  bool synthesized = false;
  std::string origin;  // where the description comes from, in words (-v, docs/preload.md)
};

// The card of the target device `target` (a label of the trace, e.g. reprobe-machine): the
// snapshot's ALSA card whose udev parent is the target (end snapshot first, then the header's),
// else one synthesized from the trace's snd_card_register / card_bind_start events and the DAI
// links its deferral reasons name. `bound_driver` is the driver the replay binds (the parent's
// DRIVER). Fails when the target never tried to register a card.
Result<SoundCard> describe_sound_card(const Trace& trace, DevId target, const std::string& bound_driver);

// The ALSA card id the kernel derives from a card name when none is given (snd_card_set_id():
// letters and digits of the name's last word, at most 15 characters; "Default" when none).
std::string card_id_from_name(const std::string& name);

}  // namespace reprobe
