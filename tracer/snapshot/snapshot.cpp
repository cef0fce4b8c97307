// Machine snapshot (see snapshot.h and docs/snapshot.md).
#include "tracer/snapshot/snapshot.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <system_error>
#include <utility>

#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <libudev.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tracer/snapshot/sysfs_devices.h"

namespace reprobe {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

std::string errno_text(int e) { return std::generic_category().message(e); }

// Whole file through read(2), so errno survives (sysfs/debugfs/proc files
// report size 0 and are read until EOF).
Result<std::string> read_text(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return Error{p.string(), 0, errno_text(e)};
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return Error{p.string(), 0, errno_text(e)};
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// One-line sysfs/proc attribute, trimmed.
Result<std::string> read_attr(const fs::path& p) {
  auto r = read_text(p);
  if (!r) return r.error();
  return trim(*r);
}

std::optional<std::string> link_basename(const fs::path& link) {
  std::error_code ec;
  if (!fs::is_symlink(link, ec)) return std::nullopt;
  const fs::path t = fs::read_symlink(link, ec);
  if (ec) return std::nullopt;
  return t.filename().string();
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t b = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(b, e - b);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.emplace_back(l);
    b = e + 1;
  }
  return lines;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

bool is_sound_module(std::string_view name) {
  return starts_with(name, "snd") || contains(name, "sof") || starts_with(name, "soundwire") || name == "soundcore";
}

uint64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// Is a debugfs mounted at `where` according to <proc_root>/mounts?
std::optional<bool> debugfs_mounted_at(const fs::path& proc_root, const fs::path& where) {
  auto mounts = read_text(proc_root / "mounts");
  if (!mounts) return std::nullopt;
  for (const auto& line : split_lines(*mounts)) {
    std::vector<std::string> f;
    std::size_t b = 0;
    while (b < line.size() && f.size() < 3) {
      std::size_t e = line.find(' ', b);
      if (e == std::string::npos) e = line.size();
      f.push_back(line.substr(b, e - b));
      b = e + 1;
    }
    if (f.size() == 3 && f[2] == "debugfs" && fs::path(f[1]) == where) return true;
  }
  return false;
}

// ---- ALSA error capture ----
char g_alsa_msg[512];

void alsa_error_handler(const char* /*file*/, int /*line*/, const char* /*function*/, int /*err*/, const char* fmt,
                        ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(g_alsa_msg, sizeof g_alsa_msg, fmt, ap);
  va_end(ap);
}

std::string alsa_error(int err) {
  std::string m = snd_strerror(err);
  if (g_alsa_msg[0] != '\0') m += std::string(" (") + g_alsa_msg + ")";
  g_alsa_msg[0] = '\0';
  return m;
}

}  // namespace

// ---------------------------------------------------------------- cmdline

std::vector<std::string> split_cmdline(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    std::string tok;
    bool quoted = false;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        quoted = !quoted;
        continue;
      }
      if (!quoted && std::isspace(static_cast<unsigned char>(c))) break;
      tok += c;
    }
    out.push_back(std::move(tok));
  }
  return out;
}

ojson relevant_cmdline_options(std::string_view cmdline) {
  ojson out = ojson::object();
  for (const auto& tok : split_cmdline(cmdline)) {
    if (tok == "--") break;  // the rest goes to init
    const auto eq = tok.find('=');
    std::string key = tok.substr(0, eq);
    const auto dot = key.find('.');
    if (dot != std::string::npos) std::replace(key.begin(), key.end(), '-', '_');
    const std::string module = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string param = dot == std::string::npos ? key : key.substr(dot + 1);
    static constexpr std::string_view kCore[] = {"deferred_probe_timeout",
                                                 "driver_async_probe",
                                                 "dyndbg",
                                                 "fw_devlink",
                                                 "fw_devlink.strict",
                                                 "fw_devlink.sync_state",
                                                 "initcall_debug",
                                                 "initcall_blacklist",
                                                 "module_blacklist",
                                                 "modprobe.blacklist",
                                                 "module.async_probe"};
    const bool relevant = std::find(std::begin(kCore), std::end(kCore), key) != std::end(kCore) ||
                          (!module.empty() && (param == "dyndbg" || param == "async_probe" || is_sound_module(module)));
    if (!relevant) continue;
    if (eq == std::string::npos)
      out[key] = true;
    else
      out[key] = tok.substr(eq + 1);
  }
  return out;
}

// ---------------------------------------------------------------- devices_deferred

std::vector<DeferredDevice> parse_devices_deferred(std::string_view text) {
  std::vector<DeferredDevice> out;
  for (const auto& line : split_lines(text)) {
    const auto tab = line.find('\t');
    DeferredDevice d;
    d.dev = trim(std::string_view(line).substr(0, tab));
    if (tab != std::string::npos) d.reason = trim(std::string_view(line).substr(tab + 1));
    if (!d.dev.empty()) out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<DeferredDevice>> read_devices_deferred(const fs::path& debugfs_root, const fs::path& proc_root) {
  const fs::path p = debugfs_root / "devices_deferred";
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    std::string why;
    if (e == ENOENT) {
      const auto mounted = debugfs_mounted_at(proc_root, debugfs_root);
      if (!mounted)
        why = "not found (is debugfs mounted? mount -t debugfs none " + debugfs_root.string() + ")";
      else if (!*mounted)
        why = "debugfs is not mounted at " + debugfs_root.string() + " (mount -t debugfs none " +
              debugfs_root.string() + ")";
      else
        why = "not found although debugfs is mounted";
    } else if (e == EACCES || e == EPERM) {
      why = geteuid() != 0 ? "permission denied: reading debugfs needs root"
                           : "permission denied although running as root (" + errno_text(e) + ")";
    } else {
      why = errno_text(e);
    }
    return Error{p.string(), 0, why};
  }
  ::close(fd);
  auto text = read_text(p);
  if (!text) return text.error();
  return parse_devices_deferred(*text);
}

// ---------------------------------------------------------------- lockdown

std::string parse_lockdown(std::string_view text) {
  const auto b = text.find('[');
  const auto e = text.find(']', b == std::string_view::npos ? 0 : b);
  if (b == std::string_view::npos || e == std::string_view::npos) return {};
  return std::string(text.substr(b + 1, e - b - 1));
}

// ---------------------------------------------------------------- PCI

namespace {

bool is_multimedia_class(std::string_view cls) { return starts_with(cls, "0x04"); }

void sort_pci(std::vector<PciAudioDevice>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
}

struct UdevDeleter {
  void operator()(udev* u) const { udev_unref(u); }
  void operator()(udev_enumerate* e) const { udev_enumerate_unref(e); }
  void operator()(udev_device* d) const { udev_device_unref(d); }
};
template <class T>
using UdevPtr = std::unique_ptr<T, UdevDeleter>;

std::string str_or_empty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// syspaths of all devices of `subsystem`, or an error.
Result<std::vector<std::string>> udev_list(udev* u, const char* subsystem) {
  UdevPtr<udev_enumerate> e(udev_enumerate_new(u));
  if (!e) return Error{"libudev", 0, "udev_enumerate_new failed"};
  if (int r = udev_enumerate_add_match_subsystem(e.get(), subsystem); r < 0)
    return Error{"libudev", 0, std::string("match subsystem ") + subsystem + ": " + errno_text(-r)};
  if (int r = udev_enumerate_scan_devices(e.get()); r < 0)
    return Error{"libudev", 0, std::string("scan ") + subsystem + ": " + errno_text(-r)};
  std::vector<std::string> paths;
  udev_list_entry* entry = nullptr;
  udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e.get())) {
    paths.push_back(str_or_empty(udev_list_entry_get_name(entry)));
  }
  return paths;
}

}  // namespace

Result<std::vector<PciAudioDevice>> pci_audio_devices_udev() {
  UdevPtr<udev> u(udev_new());
  if (!u) return Error{"libudev", 0, "udev_new failed"};
  auto paths = udev_list(u.get(), "pci");
  if (!paths) return paths.error();
  std::vector<PciAudioDevice> out;
  for (const auto& p : *paths) {
    UdevPtr<udev_device> d(udev_device_new_from_syspath(u.get(), p.c_str()));
    if (!d) continue;
    const std::string cls = str_or_empty(udev_device_get_sysattr_value(d.get(), "class"));
    if (!is_multimedia_class(cls)) continue;
    PciAudioDevice a;
    a.slot = str_or_empty(udev_device_get_sysname(d.get()));
    a.class_code = cls;
    a.vendor = str_or_empty(udev_device_get_sysattr_value(d.get(), "vendor"));
    a.device = str_or_empty(udev_device_get_sysattr_value(d.get(), "device"));
    a.subsystem_vendor = str_or_empty(udev_device_get_sysattr_value(d.get(), "subsystem_vendor"));
    a.subsystem_device = str_or_empty(udev_device_get_sysattr_value(d.get(), "subsystem_device"));
    a.revision = str_or_empty(udev_device_get_sysattr_value(d.get(), "revision"));
    if (const char* drv = udev_device_get_driver(d.get())) a.driver = drv;
    a.modalias = str_or_empty(udev_device_get_sysattr_value(d.get(), "modalias"));
    if (a.modalias.empty()) a.modalias = str_or_empty(udev_device_get_property_value(d.get(), "MODALIAS"));
    out.push_back(std::move(a));
  }
  sort_pci(out);
  return out;
}

Result<std::vector<PciAudioDevice>> pci_audio_devices_sysfs(const fs::path& sysfs_root) {
  const fs::path dir = sysfs_root / "bus/pci/devices";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Error{dir.string(), 0, "cannot list: " + ec.message()};
  std::vector<PciAudioDevice> out;
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path d = it->path();
    auto cls = read_attr(d / "class");
    if (!cls || !is_multimedia_class(*cls)) continue;
    PciAudioDevice a;
    a.slot = d.filename().string();
    a.class_code = *cls;
    auto attr = [&](const char* name) {
      auto v = read_attr(d / name);
      return v ? *v : std::string();
    };
    a.vendor = attr("vendor");
    a.device = attr("device");
    a.subsystem_vendor = attr("subsystem_vendor");
    a.subsystem_device = attr("subsystem_device");
    a.revision = attr("revision");
    a.driver = link_basename(d / "driver");
    a.modalias = attr("modalias");
    out.push_back(std::move(a));
  }
  if (ec) return Error{dir.string(), 0, "cannot list: " + ec.message()};
  sort_pci(out);
  return out;
}

// ---------------------------------------------------------------- sound class devices

namespace {
void sort_sound(std::vector<SoundDevice>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}
}  // namespace

Result<std::vector<SoundDevice>> sound_devices_udev() {
  UdevPtr<udev> u(udev_new());
  if (!u) return Error{"libudev", 0, "udev_new failed"};
  auto paths = udev_list(u.get(), "sound");
  if (!paths) return paths.error();
  std::vector<SoundDevice> out;
  for (const auto& p : *paths) {
    UdevPtr<udev_device> d(udev_device_new_from_syspath(u.get(), p.c_str()));
    if (!d) continue;
    SoundDevice s;
    s.name = str_or_empty(udev_device_get_sysname(d.get()));
    if (const char* drv = udev_device_get_driver(d.get())) s.driver = drv;
    // udev_device_get_parent's result is owned by the child
    if (udev_device* parent = udev_device_get_parent(d.get())) {
      s.parent = str_or_empty(udev_device_get_sysname(parent));
      if (const char* sub = udev_device_get_subsystem(parent)) s.parent_subsystem = sub;
      if (const char* drv = udev_device_get_driver(parent)) s.parent_driver = drv;
    }
    out.push_back(std::move(s));
  }
  std::error_code ec;
  if (out.empty() && !fs::exists("/sys/class/sound", ec))
    return Error{"/sys/class/sound", 0, "missing (sound core not loaded?)"};
  sort_sound(out);
  return out;
}

Result<std::vector<SoundDevice>> sound_devices_sysfs(const fs::path& sysfs_root) {
  const fs::path dir = sysfs_root / "class/sound";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return Error{dir.string(), 0, "missing (sound core not loaded?)"};
    return Error{dir.string(), 0, "cannot list: " + ec.message()};
  }
  const fs::path devices_root = fs::canonical(sysfs_root / "devices", ec);
  if (ec) return Error{(sysfs_root / "devices").string(), 0, "cannot resolve: " + ec.message()};
  std::vector<SoundDevice> out;
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    SoundDevice s;
    s.name = it->path().filename().string();
    std::error_code ec2;
    const fs::path real = fs::canonical(it->path(), ec2);
    if (!ec2) {
      s.driver = link_basename(real / "driver");
      if (auto parent = sysfs_parent_device(real, devices_root)) {
        s.parent = parent->filename().string();
        s.parent_subsystem = link_basename(*parent / "subsystem");
        s.parent_driver = link_basename(*parent / "driver");
      }
    }
    out.push_back(std::move(s));
  }
  if (ec) return Error{dir.string(), 0, "cannot list: " + ec.message()};
  sort_sound(out);
  return out;
}

// ---------------------------------------------------------------- ALSA

Result<std::vector<AlsaCard>> alsa_cards_lib(std::vector<Error>& errors) {
  g_alsa_msg[0] = '\0';
  snd_lib_error_set_handler(&alsa_error_handler);
  struct Restore {
    ~Restore() {
      snd_lib_error_set_handler(nullptr);
      snd_config_update_free_global();
    }
  } restore;

  std::vector<AlsaCard> cards;
  int card = -1;
  for (;;) {
    const int r = snd_card_next(&card);
    if (r < 0) return Error{"alsa-lib", 0, "snd_card_next: " + alsa_error(r)};
    if (card < 0) break;
    const std::string hw = "hw:" + std::to_string(card);
    snd_ctl_t* ctl = nullptr;
    if (const int e = snd_ctl_open(&ctl, hw.c_str(), 0); e < 0) {
      errors.push_back({"alsa-lib", 0, "snd_ctl_open " + hw + ": " + alsa_error(e)});
      continue;
    }
    std::unique_ptr<snd_ctl_t, int (*)(snd_ctl_t*)> ctl_guard(ctl, &snd_ctl_close);
    snd_ctl_card_info_t* info = nullptr;
    if (snd_ctl_card_info_malloc(&info) < 0) return Error{"alsa-lib", 0, "out of memory"};
    std::unique_ptr<snd_ctl_card_info_t, void (*)(snd_ctl_card_info_t*)> info_guard(info, &snd_ctl_card_info_free);
    AlsaCard c;
    c.index = card;
    if (const int e = snd_ctl_card_info(ctl, info); e < 0) {
      errors.push_back({"alsa-lib", 0, "snd_ctl_card_info " + hw + ": " + alsa_error(e)});
    } else {
      c.id = str_or_empty(snd_ctl_card_info_get_id(info));
      c.driver = str_or_empty(snd_ctl_card_info_get_driver(info));
      c.name = str_or_empty(snd_ctl_card_info_get_name(info));
      c.longname = str_or_empty(snd_ctl_card_info_get_longname(info));
      c.components = str_or_empty(snd_ctl_card_info_get_components(info));
      c.mixername = str_or_empty(snd_ctl_card_info_get_mixername(info));
    }
    snd_pcm_info_t* pinfo = nullptr;
    if (snd_pcm_info_malloc(&pinfo) < 0) return Error{"alsa-lib", 0, "out of memory"};
    std::unique_ptr<snd_pcm_info_t, void (*)(snd_pcm_info_t*)> pinfo_guard(pinfo, &snd_pcm_info_free);
    int dev = -1;
    for (;;) {
      if (const int e = snd_ctl_pcm_next_device(ctl, &dev); e < 0) {
        errors.push_back({"alsa-lib", 0, "snd_ctl_pcm_next_device " + hw + ": " + alsa_error(e)});
        break;
      }
      if (dev < 0) break;
      AlsaPcm pcm;
      pcm.device = dev;
      for (const auto& [stream, name] :
           {std::pair{SND_PCM_STREAM_PLAYBACK, "playback"}, std::pair{SND_PCM_STREAM_CAPTURE, "capture"}}) {
        snd_pcm_info_set_device(pinfo, static_cast<unsigned>(dev));
        snd_pcm_info_set_subdevice(pinfo, 0);
        snd_pcm_info_set_stream(pinfo, stream);
        if (snd_ctl_pcm_info(ctl, pinfo) < 0) continue;  // -ENOENT: no such stream
        if (pcm.id.empty()) pcm.id = str_or_empty(snd_pcm_info_get_id(pinfo));
        if (pcm.name.empty()) pcm.name = str_or_empty(snd_pcm_info_get_name(pinfo));
        pcm.streams.emplace_back(name);
      }
      g_alsa_msg[0] = '\0';
      c.pcms.push_back(std::move(pcm));
    }
    cards.push_back(std::move(c));
  }
  return cards;
}

std::vector<AlsaCard> parse_proc_asound(std::string_view cards_text, std::string_view pcm_text) {
  std::vector<AlsaCard> cards;
  // " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 32"
  bool want_longname = false;
  for (const auto& line : split_lines(cards_text)) {
    const auto open = line.find(" [");
    const auto close = line.find("]: ");
    const auto idx = open == std::string::npos ? std::nullopt : to_int(std::string_view(line).substr(0, open));
    if (idx && close != std::string::npos && close > open) {
      AlsaCard c;
      c.index = *idx;
      c.id = trim(std::string_view(line).substr(open + 2, close - open - 2));
      const std::string rest = line.substr(close + 3);
      const auto dash = rest.find(" - ");
      c.driver = trim(rest.substr(0, dash));
      c.name = dash == std::string::npos ? std::string() : trim(rest.substr(dash + 3));
      cards.push_back(std::move(c));
      want_longname = true;
    } else if (want_longname && !cards.empty() && !line.empty() && line[0] == ' ') {
      cards.back().longname = trim(line);
      want_longname = false;
    }
  }
  // "00-00: ALC3246 Analog : ALC3246 Analog : playback 1 : capture 1"
  for (const auto& line : split_lines(pcm_text)) {
    const auto dash = line.find('-');
    const auto colon = line.find(": ");
    if (dash == std::string::npos || colon == std::string::npos || dash > colon) continue;
    const auto card = to_int(std::string_view(line).substr(0, dash));
    const auto dev = to_int(std::string_view(line).substr(dash + 1, colon - dash - 1));
    if (!card || !dev) continue;
    std::vector<std::string> parts;
    std::string_view rest = std::string_view(line).substr(colon + 2);
    for (;;) {
      const auto sep = rest.find(" : ");
      parts.push_back(trim(rest.substr(0, sep)));
      if (sep == std::string_view::npos) break;
      rest.remove_prefix(sep + 3);
    }
    AlsaPcm pcm;
    pcm.device = *dev;
    if (!parts.empty()) pcm.id = parts[0];
    if (parts.size() > 1) pcm.name = parts[1];
    for (std::size_t i = 2; i < parts.size(); ++i) {
      const std::string word = parts[i].substr(0, parts[i].find(' '));
      if (word == "playback" || word == "capture") pcm.streams.push_back(word);
    }
    for (auto& c : cards)
      if (c.index == *card) c.pcms.push_back(pcm);
  }
  for (auto& c : cards)
    std::sort(c.pcms.begin(), c.pcms.end(), [](const auto& a, const auto& b) { return a.device < b.device; });
  return cards;
}

Result<std::vector<AlsaCard>> alsa_cards_procfs(const fs::path& proc_root) {
  auto cards = read_text(proc_root / "asound/cards");
  if (!cards) {
    Error e = cards.error();
    if (e.message == errno_text(ENOENT)) e.message = "missing (ALSA core 'snd' not loaded)";
    return e;
  }
  auto pcm = read_text(proc_root / "asound/pcm");  // absent until snd-pcm is loaded
  return parse_proc_asound(*cards, pcm ? *pcm : std::string());
}

// ---------------------------------------------------------------- JSON

ojson to_json(const PciAudioDevice& d) {
  ojson o = ojson::object();
  o["slot"] = d.slot;
  o["class"] = d.class_code;
  o["vendor"] = d.vendor;
  o["device"] = d.device;
  o["subsystem_vendor"] = d.subsystem_vendor;
  o["subsystem_device"] = d.subsystem_device;
  if (!d.revision.empty()) o["revision"] = d.revision;
  if (d.driver) o["driver"] = *d.driver;
  o["modalias"] = d.modalias;
  return o;
}

ojson to_json(const SoundDevice& d) {
  ojson o = ojson::object();
  o["name"] = d.name;
  if (d.driver) o["driver"] = *d.driver;
  if (d.parent) o["parent"] = *d.parent;
  if (d.parent_subsystem) o["parent_subsystem"] = *d.parent_subsystem;
  if (d.parent_driver) o["parent_driver"] = *d.parent_driver;
  return o;
}

ojson to_json(const AlsaCard& c) {
  ojson o = ojson::object();
  o["index"] = c.index;
  o["id"] = c.id;
  o["driver"] = c.driver;
  o["name"] = c.name;
  o["longname"] = c.longname;
  if (c.components && !c.components->empty()) o["components"] = *c.components;
  if (c.mixername && !c.mixername->empty()) o["mixername"] = *c.mixername;
  ojson pcms = ojson::array();
  for (const auto& p : c.pcms) {
    ojson j = ojson::object();
    j["device"] = p.device;
    j["id"] = p.id;
    j["name"] = p.name;
    j["streams"] = p.streams;
    pcms.push_back(std::move(j));
  }
  o["pcms"] = std::move(pcms);
  return o;
}

// ---------------------------------------------------------------- snapshot

namespace {

// The snapshot's "kernel" section.
void snapshot_kernel(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  utsname u{};
  const bool have_uname = uname(&u) == 0;
  ojson k = ojson::object();
  if (auto r = read_attr(opt.proc_root / "sys/kernel/osrelease"))
    k["release"] = *r;
  else if (have_uname)
    k["release"] = u.release;
  else
    errors.push_back(r.error());
  if (auto v = read_attr(opt.proc_root / "sys/kernel/version"))
    k["version"] = *v;
  else if (have_uname)
    k["version"] = u.version;
  if (have_uname) k["machine"] = u.machine;
  snap["kernel"] = std::move(k);
}

// The snapshot's "cmdline" section.
void snapshot_cmdline(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  ojson c = ojson::object();
  if (auto r = read_attr(opt.proc_root / "cmdline")) {
    c["raw"] = *r;
    c["options"] = relevant_cmdline_options(*r);
  } else {
    errors.push_back(r.error());
  }
  snap["cmdline"] = std::move(c);
}

// The snapshot's "dmi" section.
void snapshot_dmi(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  // Never the serial numbers or product_uuid.
  static constexpr const char* kFields[] = {"sys_vendor",     "product_name", "product_version", "product_family",
                                            "product_sku",    "board_vendor", "board_name",      "board_version",
                                            "bios_vendor",    "bios_version", "bios_date",       "bios_release",
                                            "chassis_vendor", "chassis_type"};
  const fs::path dir = opt.sysfs_root / "class/dmi/id";
  ojson d = ojson::object();
  for (const char* f : kFields)
    if (auto v = read_attr(dir / f)) d[f] = *v;
  if (d.empty()) {
    std::error_code ec;
    errors.push_back({dir.string(), 0, fs::exists(dir, ec) ? "no readable DMI field" : "missing (no DMI)"});
  }
  snap["dmi"] = std::move(d);
}

// The snapshot's "lockdown" section.
void snapshot_lockdown(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  const fs::path p = opt.sysfs_root / "kernel/security/lockdown";
  if (auto r = read_attr(p)) {
    snap["lockdown"] = parse_lockdown(*r);
  } else {
    Error e = r.error();
    if (e.message == errno_text(ENOENT)) e.message = "missing (securityfs not mounted or no lockdown LSM)";
    errors.push_back(e);
  }
}

// The snapshot's "btf" section.
void snapshot_btf(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  const fs::path dir = opt.sysfs_root / "kernel/btf";
  ojson b = ojson::object();
  std::error_code ec;
  b["vmlinux"] = fs::exists(dir / "vmlinux", ec);
  std::vector<std::string> mods;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    errors.push_back({dir.string(), 0,
                      ec == std::errc::no_such_file_or_directory
                          ? "missing: kernel without CONFIG_DEBUG_INFO_BTF (record with --btf FILE)"
                          : "cannot list: " + ec.message()});
  } else {
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) break;
      const std::string n = it->path().filename().string();
      if (starts_with(n, "snd") || contains(n, "sof")) mods.push_back(n);
    }
    std::sort(mods.begin(), mods.end());
  }
  b["sound_modules"] = mods;
  snap["btf"] = std::move(b);
}

// The snapshot's "modules" section.
void snapshot_modules(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  std::vector<std::string> mods;
  if (auto r = read_text(opt.proc_root / "modules")) {
    for (const auto& line : split_lines(*r)) {
      const std::string name = line.substr(0, line.find(' '));
      if (!name.empty() && is_sound_module(name)) mods.push_back(name);
    }
    std::sort(mods.begin(), mods.end());
  } else {
    Error e = r.error();
    if (e.message == errno_text(ENOENT)) e.message = "missing (kernel without module support?)";
    errors.push_back(e);
  }
  snap["modules"] = mods;
  // /proc/modules exists exactly when the kernel has CONFIG_MODULES, which decides the default
  // deferred_probe_timeout (dd.c: 10 s with it on 5.19+, 0 without; docs/kernel-model.md §1.5).
  // Unknown (absent) when it could not be read for another reason.
  const bool exists = fs::exists(opt.proc_root / "modules");
  if (exists || !fs::exists(opt.proc_root)) {
    if (exists) snap["config_modules"] = true;
  } else {
    snap["config_modules"] = false;
  }
}

// The snapshot's "udev" section.
void snapshot_udev(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  const bool default_sysfs = opt.sysfs_root == fs::path("/sys");
  const bool udev = opt.use_libudev && default_sysfs;
  ojson u = ojson::object();
  u["source"] = udev ? "libudev" : "sysfs";
  ojson pci = ojson::array();
  if (auto r = udev ? pci_audio_devices_udev() : pci_audio_devices_sysfs(opt.sysfs_root)) {
    for (const auto& d : *r) pci.push_back(to_json(d));
  } else {
    errors.push_back(r.error());
  }
  u["pci_audio"] = std::move(pci);
  ojson snd = ojson::array();
  if (auto r = udev ? sound_devices_udev() : sound_devices_sysfs(opt.sysfs_root)) {
    for (const auto& d : *r) snd.push_back(to_json(d));
  } else {
    errors.push_back(r.error());
  }
  u["sound"] = std::move(snd);
  snap["udev"] = std::move(u);
}

// The snapshot's "alsa" section.
void snapshot_alsa(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  const bool default_sysfs = opt.sysfs_root == fs::path("/sys");
  const bool default_proc = opt.proc_root == fs::path("/proc");
  ojson a = ojson::object();
  std::optional<std::vector<AlsaCard>> cards;
  std::string source = "procfs";
  auto procfs = alsa_cards_procfs(opt.proc_root);
  if (opt.use_alsa_lib && default_sysfs && default_proc) {
    std::vector<Error> card_errors;
    auto lib = alsa_cards_lib(card_errors);
    errors.insert(errors.end(), card_errors.begin(), card_errors.end());
    if (!lib) {
      errors.push_back(lib.error());
    } else if (lib->empty() && procfs && !procfs->empty()) {
      errors.push_back({"alsa-lib", 0,
                        "saw no card but /proc/asound lists " + std::to_string(procfs->size()) +
                            " (is /dev/snd populated and accessible?)"});
    } else {
      if (lib->empty() && !procfs) errors.push_back(procfs.error());  // why there is no card at all
      cards = std::move(*lib);
      source = "alsa-lib";
    }
  }
  if (!cards) {
    if (procfs)
      cards = *procfs;
    else
      errors.push_back(procfs.error());
  }
  a["source"] = source;
  ojson arr = ojson::array();
  if (cards)
    for (const auto& c : *cards) arr.push_back(to_json(c));
  a["cards"] = std::move(arr);
  snap["alsa"] = std::move(a);
}

// The snapshot's "devices_deferred" section.
void snapshot_devices_deferred(const SnapshotOptions& opt, ojson& snap, std::vector<Error>& errors) {
  ojson d = ojson::object();
  if (auto r = read_devices_deferred(opt.debugfs_root, opt.proc_root)) {
    d["readable"] = true;
    ojson arr = ojson::array();
    for (const auto& x : *r) {
      ojson o = ojson::object();
      o["dev"] = x.dev;
      o["reason"] = x.reason;
      arr.push_back(std::move(o));
    }
    d["devices"] = std::move(arr);
  } else {
    d["readable"] = false;
    d["why"] = r.error().message;
    errors.push_back(r.error());
  }
  snap["devices_deferred"] = std::move(d);
}

}  // namespace

ojson take_snapshot(const SnapshotOptions& opt) {
  ojson snap = ojson::object();
  std::vector<Error> errors;
  snap["t"] = boottime_ns();
  // Never let one section take the snapshot down.
  using Section = void (*)(const SnapshotOptions&, ojson&, std::vector<Error>&);
  static constexpr std::pair<const char*, Section> kSections[] = {
      {"kernel", snapshot_kernel},     {"cmdline", snapshot_cmdline}, {"dmi", snapshot_dmi},
      {"lockdown", snapshot_lockdown}, {"btf", snapshot_btf},         {"modules", snapshot_modules},
      {"udev", snapshot_udev},         {"alsa", snapshot_alsa},       {"devices_deferred", snapshot_devices_deferred},
  };
  for (const auto& [name, section] : kSections) {
    try {
      section(opt, snap, errors);
    } catch (const std::exception& e) {
      errors.push_back({name, 0, std::string("internal error: ") + e.what()});
    }
  }
  ojson errs = ojson::array();
  for (const auto& e : errors) errs.push_back(e.str());
  snap["errors"] = std::move(errs);
  snap["redacted"] = opt.redact && (opt.redactor == nullptr || opt.redactor->enabled());

  if (opt.redact) {
    if (opt.redactor != nullptr) {
      opt.redactor->scrub_json(snap);
    } else {
      Redactor r = Redactor::for_this_machine(opt.proc_root);
      r.scrub_json(snap);
    }
  }
  return snap;
}

ojson header_kernel_json(const ojson& snapshot) {
  ojson k = ojson::object();
  const auto kern = snapshot.find("kernel");
  if (kern != snapshot.end() && kern->contains("release"))
    k["release"] = (*kern)["release"];
  else
    k["release"] = "unknown";
  const auto cmd = snapshot.find("cmdline");
  if (cmd != snapshot.end() && cmd->contains("raw")) k["cmdline"] = (*cmd)["raw"];
  return k;
}

}  // namespace reprobe
