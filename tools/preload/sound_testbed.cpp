// umockdev glue of the preload testbed: devices, uevents and the ioctl handler.
#include "tools/preload/sound_testbed.h"

#include <umockdev.h>

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <vector>

#include "tools/preload/alsa_control_replies.h"
#include "tools/preload/testbed_records.h"

namespace reprobe {

struct SoundTestbed::Impl {
  UMockdevTestbed* testbed = nullptr;
  UMockdevIoctlBase* handler = nullptr;
  const SoundCard* card = nullptr;
  std::mutex mutex;  // subscribed: the handler runs on umockdev's worker thread
  int subscribed = 0;
  std::vector<TestbedRecord> records;

  ~Impl() {
    if (handler) g_object_unref(handler);
    if (testbed) g_object_unref(testbed);  // removes the testbed directory
  }
};

namespace {

std::string error_text(GError* e) {
  std::string s = e ? e->message : "unknown error";
  if (e) g_error_free(e);
  return s;
}

// handle-ioctl: copy the argument in, answer from the card, copy the reply out.
gboolean on_ioctl(UMockdevIoctlBase* /*handler*/, UMockdevIoctlClient* client, gpointer data) {
  auto* impl = static_cast<SoundTestbed::Impl*>(data);
  const unsigned long request = umockdev_ioctl_client_get_request(client);
  const std::string devnode = umockdev_ioctl_client_get_devnode(client);
  const std::string node = devnode.substr(devnode.find_last_of('/') + 1);
  const size_t size = ioctl_argument_size(request);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
  UMockdevIoctlData* buf = nullptr;
  if (size > 0) {
    GError* err = nullptr;
    buf = umockdev_ioctl_data_resolve(arg, 0, size, &err);
    if (!buf) {
      if (err) g_error_free(err);
      umockdev_ioctl_client_complete(client, -1, EFAULT);
      return TRUE;
    }
  }
  std::span<uint8_t> bytes =
      buf ? std::span<uint8_t>(buf->data, static_cast<size_t>(buf->data_len)) : std::span<uint8_t>();
  IoctlReply reply;
  if (node.rfind("control", 0) == 0) {
    std::lock_guard lock(impl->mutex);
    reply = answer_control_ioctl(*impl->card, request, bytes, impl->subscribed);
  } else {
    reply = answer_pcm_ioctl(*impl->card, node, request, bytes);
  }
  umockdev_ioctl_client_complete(client, reply.result, reply.error);
  return TRUE;
}

}  // namespace

SoundTestbed::SoundTestbed(SoundCard card) : impl_(std::make_unique<Impl>()), card_(std::move(card)) {}

SoundTestbed::~SoundTestbed() = default;

Result<std::unique_ptr<SoundTestbed>> SoundTestbed::create(SoundCard card) {
  std::unique_ptr<SoundTestbed> tb(new SoundTestbed(std::move(card)));
  tb->impl_->card = &tb->card_;
  tb->impl_->records = testbed_records(tb->card_);
  tb->impl_->testbed = umockdev_testbed_new();
  if (!tb->impl_->testbed) return Error{"", 0, "umockdev could not create a testbed"};
  // Pitfall (header comment): no _default ioctl socket, a handler on each node instead.
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(tb->root_dir()) / "ioctl" / "_default", ec);
  tb->impl_->handler = umockdev_ioctl_base_new();
  g_signal_connect(tb->impl_->handler, "handle-ioctl", G_CALLBACK(on_ioctl), tb->impl_.get());
  // The card's parents exist from the start (the kernel added them whether or not the machine
  // driver ever binds).
  for (const auto& r : tb->impl_->records) {
    GError* err = nullptr;
    if (!r.sound && !umockdev_testbed_add_from_string(tb->impl_->testbed, r.text.c_str(), &err))
      return Error{"", 0, "umockdev refused the device " + r.syspath + ": " + error_text(err)};
  }
  return tb;
}

std::string SoundTestbed::root_dir() const {
  gchar* dir = umockdev_testbed_get_root_dir(impl_->testbed);
  std::string s = dir ? dir : "";
  g_free(dir);
  return s;
}

Result<void> SoundTestbed::add_card(bool with_uevents) {
  if (present_) return {};
  for (const auto& r : impl_->records)
    if (!r.bound_driver.empty())
      umockdev_testbed_set_property(impl_->testbed, r.syspath.c_str(), "DRIVER", r.bound_driver.c_str());
  for (const auto& r : impl_->records) {
    if (!r.sound) continue;
    GError* err = nullptr;
    if (!umockdev_testbed_add_from_string(impl_->testbed, r.text.c_str(), &err))
      return Error{"", 0, "umockdev refused the device " + r.syspath + ": " + error_text(err)};
    if (!r.devnode.empty() && !umockdev_testbed_attach_ioctl(impl_->testbed, r.devnode.c_str(), impl_->handler, &err))
      return Error{"", 0, "umockdev could not emulate " + r.devnode + ": " + error_text(err)};
  }
  present_ = true;
  // umockdev_testbed_add_from_string() itself sends each device's `add` uevent (measured on
  // 0.17.16: sending them again delivers every add twice). Before the command starts nobody
  // listens, so the initial state arrives without events.
  if (!with_uevents) return {};
  // What udev's 78-sound-card.rules do when the control device arrives: a `change` on the card,
  // which carries SOUND_INITIALIZED=1. PulseAudio's module-udev-detect and others act on it.
  for (const auto& r : impl_->records)
    if (r.sound && r.devnode.empty()) umockdev_testbed_uevent(impl_->testbed, r.syspath.c_str(), "change");
  return {};
}

void SoundTestbed::remove_card() {
  if (!present_) return;
  for (auto it = impl_->records.rbegin(); it != impl_->records.rend(); ++it) {
    if (!it->sound) continue;
    umockdev_testbed_uevent(impl_->testbed, it->syspath.c_str(), "remove");
    if (!it->devnode.empty()) umockdev_testbed_detach_ioctl(impl_->testbed, it->devnode.c_str(), nullptr);
    umockdev_testbed_remove_device(impl_->testbed, it->syspath.c_str());
  }
  present_ = false;
}

}  // namespace reprobe
