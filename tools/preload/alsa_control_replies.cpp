// Control and PCM ioctl replies of the emulated ALSA nodes, in the kernel's UAPI layouts.
#include "tools/preload/alsa_control_replies.h"

#include <sound/asound.h>
#include <sys/ioctl.h>  // _IOR and friends, which <sound/asound.h> uses but does not include on Linux

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace reprobe {

static_assert(kPcmStreamingErrno == ENODEV);

namespace {

template <size_t N>
void copy_text(unsigned char (&dst)[N], std::string_view src) {
  std::memset(dst, 0, N);
  std::memcpy(dst, src.data(), std::min(src.size(), N - 1));
}

template <class T>
bool load(std::span<const uint8_t> arg, T& out) {
  if (arg.size() < sizeof(T)) return false;
  std::memcpy(&out, arg.data(), sizeof(T));
  return true;
}

template <class T>
void store(std::span<uint8_t> arg, const T& v) {
  std::memcpy(arg.data(), &v, sizeof(T));
}

constexpr IoctlReply ok() { return {0, 0}; }
constexpr IoctlReply fail(int e) { return {-1, e}; }

const SoundPcm* find_pcm(const SoundCard& card, unsigned device) {
  for (const auto& p : card.pcms)
    if (p.device >= 0 && static_cast<unsigned>(p.device) == device) return &p;
  return nullptr;
}

// snd_pcm_info for (device, stream) as the kernel's snd_pcm_info() fills it.
IoctlReply fill_pcm_info(const SoundCard& card, std::span<uint8_t> arg) {
  snd_pcm_info info{};
  if (!load(arg, info)) return fail(EFAULT);
  const SoundPcm* pcm = find_pcm(card, info.device);
  if (!pcm) return fail(ENXIO);
  const bool capture = info.stream == SNDRV_PCM_STREAM_CAPTURE;
  if (info.stream != SNDRV_PCM_STREAM_PLAYBACK && !capture) return fail(EINVAL);
  if ((capture && !pcm->capture) || (!capture && !pcm->playback)) return fail(ENOENT);
  if (info.subdevice != 0 && info.subdevice != UINT32_MAX) return fail(ENXIO);
  snd_pcm_info out{};
  out.device = info.device;
  out.subdevice = 0;
  out.stream = info.stream;
  out.card = card.index;
  copy_text(out.id, pcm->id);
  copy_text(out.name, pcm->name);
  copy_text(out.subname, "subdevice #0");
  out.dev_class = SNDRV_PCM_CLASS_GENERIC;
  out.dev_subclass = SNDRV_PCM_SUBCLASS_GENERIC_MIX;
  out.subdevices_count = 1;
  out.subdevices_avail = 1;
  store(arg, out);
  return ok();
}

IoctlReply card_info(const SoundCard& card, std::span<uint8_t> arg) {
  if (arg.size() < sizeof(snd_ctl_card_info)) return fail(EFAULT);
  snd_ctl_card_info info{};
  info.card = card.index;
  copy_text(info.id, card.id);
  copy_text(info.driver, card.driver);
  copy_text(info.name, card.name);
  copy_text(info.longname, card.longname);
  copy_text(info.mixername, card.mixername);
  copy_text(info.components, card.components);
  store(arg, info);
  return ok();
}

IoctlReply pcm_next_device(const SoundCard& card, std::span<uint8_t> arg) {
  int device = 0;
  if (!load(arg, device)) return fail(EFAULT);
  int next = -1;
  for (const auto& p : card.pcms)
    if (p.device > device && (next < 0 || p.device < next)) next = p.device;
  store(arg, next);
  return ok();
}

IoctlReply write_int(std::span<uint8_t> arg, int v) {
  if (arg.size() < sizeof(int)) return fail(EFAULT);
  store(arg, v);
  return ok();
}

// The snapshot holds no control elements: the card has none.
IoctlReply elem_list(std::span<uint8_t> arg) {
  snd_ctl_elem_list list{};
  if (!load(arg, list)) return fail(EFAULT);
  list.used = 0;
  list.count = 0;
  store(arg, list);
  return ok();
}

}  // namespace

size_t ioctl_argument_size(unsigned long request) { return _IOC_SIZE(request); }

IoctlReply answer_control_ioctl(const SoundCard& card, unsigned long request, std::span<uint8_t> arg, int& subscribed) {
  switch (request) {
    case SNDRV_CTL_IOCTL_PVERSION:
      return write_int(arg, SNDRV_CTL_VERSION);
    case SNDRV_CTL_IOCTL_CARD_INFO:
      return card_info(card, arg);
    case SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE:
      return pcm_next_device(card, arg);
    case SNDRV_CTL_IOCTL_PCM_INFO:
      return fill_pcm_info(card, arg);
    case SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE:
    case SNDRV_CTL_IOCTL_RAWMIDI_PREFER_SUBDEVICE:
      return ok();
    case SNDRV_CTL_IOCTL_RAWMIDI_NEXT_DEVICE:
    case SNDRV_CTL_IOCTL_HWDEP_NEXT_DEVICE:
      return write_int(arg, -1);  // no rawmidi or hwdep devices
    case SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS: {
      int want = 0;
      if (!load(std::span<const uint8_t>(arg), want)) return fail(EFAULT);
      if (want < 0) return write_int(arg, subscribed);
      subscribed = want ? 1 : 0;
      return ok();
    }
    case SNDRV_CTL_IOCTL_ELEM_LIST:
      return elem_list(arg);
    case SNDRV_CTL_IOCTL_ELEM_INFO:
    case SNDRV_CTL_IOCTL_ELEM_READ:
    case SNDRV_CTL_IOCTL_ELEM_WRITE:
    case SNDRV_CTL_IOCTL_TLV_READ:
      return fail(ENOENT);  // no such element (the card has none)
    case SNDRV_CTL_IOCTL_POWER_STATE:
      return write_int(arg, SNDRV_CTL_POWER_D0);
    default:
      return fail(ENOTTY);
  }
}

IoctlReply answer_pcm_ioctl(const SoundCard& card, std::string_view node, unsigned long request,
                            std::span<uint8_t> arg) {
  if (request != SNDRV_PCM_IOCTL_INFO) return fail(kPcmStreamingErrno);
  // pcmC<card>D<device><p|c>: the node fixes device and stream, as the kernel's PCM file does.
  const auto d = node.find('D');
  if (d == std::string_view::npos || node.size() < d + 3) return fail(ENODEV);
  snd_pcm_info info{};
  if (!load(std::span<const uint8_t>(arg), info)) return fail(EFAULT);
  info.device = static_cast<unsigned>(std::stoul(std::string(node.substr(d + 1, node.size() - d - 2))));
  info.stream = node.back() == 'c' ? SNDRV_PCM_STREAM_CAPTURE : SNDRV_PCM_STREAM_PLAYBACK;
  info.subdevice = 0;
  store(arg, info);
  return fill_pcm_info(card, arg);
}

}  // namespace reprobe
