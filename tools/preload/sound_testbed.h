// A umockdev testbed that holds one sound card and answers its ALSA ioctls (docs/preload.md):
// creating the testbed sets $UMOCKDEV_DIR for the processes started afterwards; add_card() and
// remove_card() change it with or without the uevents a kernel sends. The ioctls of the card's
// nodes are answered by alsa_control_replies.h on umockdev's worker thread.
//
// umockdev 0.17.16 (Debian 12) pitfall handled here: every open() under /dev, failed ones too,
// takes a slot of the preload's 50-entry fd table through $UMOCKDEV_DIR/ioctl/_default, and
// alsa-lib's probe of controlC0..31 and aloadC0..31 overflows it (the client aborts). The testbed
// deletes ioctl/_default and attaches a handler to each node it creates (detached on removal).
#pragma once

#include <memory>
#include <string>

#include "replayer/trace/error.h"
#include "tools/preload/sound_card.h"

namespace reprobe {

class SoundTestbed {
 public:
  // Needs the calling process to run under umockdev's preload library (LD_PRELOAD), or uevents
  // are never sent (umockdev looks for the device in the real /sys).
  static Result<std::unique_ptr<SoundTestbed>> create(SoundCard card);
  ~SoundTestbed();
  SoundTestbed(const SoundTestbed&) = delete;
  SoundTestbed& operator=(const SoundTestbed&) = delete;

  // Adds the card's devices, each with umockdev's `add` uevent (card, PCM nodes, control node);
  // with_uevents also the `change` on the card that udev sends once the control node is there.
  Result<void> add_card(bool with_uevents);
  // A `remove` uevent per sound device (nodes first), then removes them.
  void remove_card();
  bool card_present() const { return present_; }
  const SoundCard& card() const { return card_; }
  std::string root_dir() const;

  struct Impl;  // umockdev objects; public so that the ioctl callback can reach it

 private:
  explicit SoundTestbed(SoundCard card);
  std::unique_ptr<Impl> impl_;
  SoundCard card_;
  bool present_ = false;
};

}  // namespace reprobe
