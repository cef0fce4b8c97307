// The emulated ALSA nodes' ioctl replies (tools/preload/alsa_control_replies.h), read back at the
// byte offsets of the kernel UAPI (<sound/asound.h>, x86_64) that alsa-lib's own copy uses: a
// layout the handler and the clients disagreed on would show here, not as garbage in aplay -l.
#include "tools/preload/alsa_control_replies.h"

#include <gtest/gtest.h>
#include <sound/asound.h>
#include <sys/ioctl.h>  // _IOR and friends, which <sound/asound.h> uses but does not include on Linux

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace reprobe {
namespace {

// The ABI as the kernel defines it (sizes, offsets, request numbers): literals, not sizeof, so a
// header that drifted fails.
static_assert(sizeof(void*) == 8, "the literals below are the LP64 (x86_64, arm64) layouts");
static_assert(sizeof(snd_ctl_card_info) == 376);
static_assert(offsetof(snd_ctl_card_info, id) == 8);
static_assert(offsetof(snd_ctl_card_info, driver) == 24);
static_assert(offsetof(snd_ctl_card_info, name) == 40);
static_assert(offsetof(snd_ctl_card_info, longname) == 72);
static_assert(offsetof(snd_ctl_card_info, mixername) == 168);
static_assert(offsetof(snd_ctl_card_info, components) == 248);
static_assert(sizeof(snd_pcm_info) == 288);
static_assert(offsetof(snd_pcm_info, stream) == 8);
static_assert(offsetof(snd_pcm_info, card) == 12);
static_assert(offsetof(snd_pcm_info, id) == 16);
static_assert(offsetof(snd_pcm_info, name) == 80);
static_assert(offsetof(snd_pcm_info, subname) == 160);
static_assert(offsetof(snd_pcm_info, dev_class) == 192);
static_assert(offsetof(snd_pcm_info, subdevices_count) == 200);
static_assert(offsetof(snd_pcm_info, subdevices_avail) == 204);
static_assert(sizeof(snd_ctl_elem_list) == 80);
static_assert(offsetof(snd_ctl_elem_list, count) == 12);
static_assert(SNDRV_CTL_IOCTL_PVERSION == 0x80045500UL);
static_assert(SNDRV_CTL_IOCTL_CARD_INFO == 0x81785501UL);
static_assert(SNDRV_CTL_IOCTL_ELEM_LIST == 0xc0505510UL);
static_assert(SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS == 0xc0045516UL);
static_assert(SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE == 0x80045530UL);
static_assert(SNDRV_CTL_IOCTL_PCM_INFO == 0xc1205531UL);
static_assert(SNDRV_CTL_IOCTL_RAWMIDI_NEXT_DEVICE == 0xc0045540UL);
static_assert(SNDRV_PCM_IOCTL_INFO == 0x81204101UL);
static_assert(SNDRV_PCM_IOCTL_PVERSION == 0x80044100UL);

SoundCard test_card() {
  SoundCard c;
  c.index = 1;
  c.id = "PCH";
  c.driver = "HDA-Intel";
  c.name = "HDA Intel PCH";
  c.longname = "HDA Intel PCH at 0xfe010000 irq 42";
  c.mixername = "Realtek ALC257";
  c.pcms = {{0, "ALC257 Analog", "ALC257 Analog", true, true}, {3, "HDMI 0", "HDMI 0", true, false}};
  return c;
}

std::string text_at(const std::vector<uint8_t>& b, size_t off) { return reinterpret_cast<const char*>(&b[off]); }
int32_t int_at(const std::vector<uint8_t>& b, size_t off) {
  int32_t v = 0;
  std::memcpy(&v, &b[off], 4);
  return v;
}
void put_int(std::vector<uint8_t>& b, size_t off, int32_t v) { std::memcpy(&b[off], &v, 4); }

IoctlReply control(const SoundCard& card, unsigned long req, std::vector<uint8_t>& buf) {
  int subscribed = 0;
  EXPECT_EQ(ioctl_argument_size(req), buf.size());
  return answer_control_ioctl(card, req, buf, subscribed);
}

TEST(AlsaControlReplies, CardInfoFillsTheUapiFields) {
  std::vector<uint8_t> buf(376, 0xAA);
  const auto r = control(test_card(), SNDRV_CTL_IOCTL_CARD_INFO, buf);
  ASSERT_EQ(r.result, 0);
  EXPECT_EQ(int_at(buf, 0), 1);
  EXPECT_EQ(text_at(buf, 8), "PCH");
  EXPECT_EQ(text_at(buf, 24), "HDA-Intel");
  EXPECT_EQ(text_at(buf, 40), "HDA Intel PCH");
  EXPECT_EQ(text_at(buf, 72), "HDA Intel PCH at 0xfe010000 irq 42");
  EXPECT_EQ(text_at(buf, 168), "Realtek ALC257");
  EXPECT_EQ(text_at(buf, 248), "");
}

TEST(AlsaControlReplies, LongNamesAreCutAndTerminated) {
  SoundCard c = test_card();
  c.id = std::string(40, 'x');
  std::vector<uint8_t> buf(376, 0xAA);
  ASSERT_EQ(control(c, SNDRV_CTL_IOCTL_CARD_INFO, buf).result, 0);
  EXPECT_EQ(text_at(buf, 8), std::string(15, 'x'));
}

TEST(AlsaControlReplies, VersionAndNextDevices) {
  std::vector<uint8_t> buf(4, 0);
  ASSERT_EQ(control(test_card(), SNDRV_CTL_IOCTL_PVERSION, buf).result, 0);
  EXPECT_EQ(int_at(buf, 0), SNDRV_PROTOCOL_VERSION(2, 0, 8));
  std::vector<int> seen;
  int dev = -1;
  for (int i = 0; i < 5; ++i) {
    put_int(buf, 0, dev);
    ASSERT_EQ(control(test_card(), SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE, buf).result, 0);
    dev = int_at(buf, 0);
    if (dev < 0) break;
    seen.push_back(dev);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 3}));
  put_int(buf, 0, -1);
  ASSERT_EQ(control(test_card(), SNDRV_CTL_IOCTL_RAWMIDI_NEXT_DEVICE, buf).result, 0);
  EXPECT_EQ(int_at(buf, 0), -1);
}

TEST(AlsaControlReplies, PcmInfoPerDeviceAndStream) {
  std::vector<uint8_t> buf(288, 0);
  put_int(buf, 0, 3);                          // device
  put_int(buf, 8, SNDRV_PCM_STREAM_PLAYBACK);  // stream
  ASSERT_EQ(control(test_card(), SNDRV_CTL_IOCTL_PCM_INFO, buf).result, 0);
  EXPECT_EQ(int_at(buf, 12), 1);  // card
  EXPECT_EQ(text_at(buf, 16), "HDMI 0");
  EXPECT_EQ(text_at(buf, 80), "HDMI 0");
  EXPECT_EQ(text_at(buf, 160), "subdevice #0");
  EXPECT_EQ(int_at(buf, 200), 1);
  EXPECT_EQ(int_at(buf, 204), 1);
  // HDMI 0 has no capture stream; device 7 does not exist: the kernel's errnos.
  put_int(buf, 8, SNDRV_PCM_STREAM_CAPTURE);
  EXPECT_EQ(control(test_card(), SNDRV_CTL_IOCTL_PCM_INFO, buf).error, ENOENT);
  put_int(buf, 0, 7);
  EXPECT_EQ(control(test_card(), SNDRV_CTL_IOCTL_PCM_INFO, buf).error, ENXIO);
}

TEST(AlsaControlReplies, NoElementsAndSubscription) {
  std::vector<uint8_t> buf(80, 0xAA);
  ASSERT_EQ(control(test_card(), SNDRV_CTL_IOCTL_ELEM_LIST, buf).result, 0);
  EXPECT_EQ(int_at(buf, 8), 0);   // used
  EXPECT_EQ(int_at(buf, 12), 0);  // count
  int subscribed = 0;
  std::vector<uint8_t> v(4, 0);
  put_int(v, 0, 1);
  ASSERT_EQ(answer_control_ioctl(test_card(), SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS, v, subscribed).result, 0);
  put_int(v, 0, -1);
  ASSERT_EQ(answer_control_ioctl(test_card(), SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS, v, subscribed).result, 0);
  EXPECT_EQ(int_at(v, 0), 1);
  std::vector<uint8_t> none;
  EXPECT_EQ(answer_control_ioctl(test_card(), _IO('U', 0x7f), none, subscribed).error, ENOTTY);
}

TEST(AlsaControlReplies, PcmNodeDescribesItselfButDoesNotStream) {
  std::vector<uint8_t> buf(288, 0);
  ASSERT_EQ(answer_pcm_ioctl(test_card(), "pcmC1D0c", SNDRV_PCM_IOCTL_INFO, buf).result, 0);
  EXPECT_EQ(int_at(buf, 0), 0);
  EXPECT_EQ(int_at(buf, 8), SNDRV_PCM_STREAM_CAPTURE);
  EXPECT_EQ(text_at(buf, 16), "ALC257 Analog");
  std::vector<uint8_t> v(4, 0);
  const auto r = answer_pcm_ioctl(test_card(), "pcmC1D0c", SNDRV_PCM_IOCTL_PVERSION, v);
  EXPECT_EQ(r.result, -1);
  EXPECT_EQ(r.error, ENODEV);
}

}  // namespace
}  // namespace reprobe
