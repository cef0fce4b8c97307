// Checks every string and number of a SoundCard that becomes part of a preload testbed before
// anything is written (docs/preload.md, "Hostile traces"). A trace is input from a public bug
// tracker: the card's parent device names, their buses and drivers become directories below the testbed's /sys
// ("../../../home/u/x" made umockdev create files outside the testbed), and names, ids and
// attribute values become lines of umockdev records (a line break in a card id added udev
// properties of its own). A real kernel never produces either: a device name holds no '/'
// (kobject_set_name turns it into '!'), is not "." or "..", and sysfs/udev values hold no
// control characters. The card index and PCM device numbers are bounded by ALSA's limits
// (at most 256 cards, SNDRV_CARDS; the minor numbers the testbed derives from them stay in range).
#pragma once

#include <string>

#include "replayer/trace/error.h"
#include "tools/preload/sound_card.h"

namespace reprobe {

inline constexpr int kMaxAlsaCards = 256;
inline constexpr int kMaxAlsaPcmDevices = 256;

// A sysfs directory name: not empty, not "." or "..", no '/', no control character, at most
// 255 bytes (NAME_MAX). "" when it is one, else why not.
std::string sysfs_name_problem(const std::string& name);

// Fails (path: the trace) naming the first string or number the testbed cannot hold.
Result<void> check_testbed_names(const SoundCard& card, const std::string& path);

}  // namespace reprobe
