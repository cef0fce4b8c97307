// What the emulated ALSA nodes answer (docs/preload.md, "ALSA emulation"): the replies of
// /dev/snd/controlC<N> to the control ioctls alsa-lib issues to enumerate and describe a card,
// and of /dev/snd/pcmC<N>D<M>p|c to SNDRV_PCM_IOCTL_INFO, filled from a SoundCard in the kernel
// UAPI layouts of <sound/asound.h>. Every other PCM ioctl fails with ENODEV, so opening a PCM
// (snd_pcm_open: SNDRV_PCM_IOCTL_PVERSION) fails cleanly: streaming is not emulated. Pure
// functions over byte buffers: the umockdev glue (alsa_ioctl_handler.h) copies the client's
// argument in and out, the unit tests call them directly.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "tools/preload/sound_card.h"

namespace reprobe {

struct IoctlReply {
  long result = 0;  // the ioctl's return value
  int error = 0;    // errno when result is -1
};

// The argument size an ALSA ioctl request carries (_IOC_SIZE), 0 for none.
size_t ioctl_argument_size(unsigned long request);

// `arg` holds the client's argument (ioctl_argument_size(request) bytes) and receives the reply.
// `subscribed` is the control node's SUBSCRIBE_EVENTS state, per open file.
IoctlReply answer_control_ioctl(const SoundCard& card, unsigned long request, std::span<uint8_t> arg, int& subscribed);

// `node` is the PCM node's name (pcmC0D0p).
IoctlReply answer_pcm_ioctl(const SoundCard& card, std::string_view node, unsigned long request,
                            std::span<uint8_t> arg);

// The errno every PCM ioctl but SNDRV_PCM_IOCTL_INFO gets (docs/preload.md).
inline constexpr int kPcmStreamingErrno = 19;  // ENODEV

}  // namespace reprobe
