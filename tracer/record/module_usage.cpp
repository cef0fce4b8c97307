#include "tracer/record/module_usage.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace reprobe {
namespace fs = std::filesystem;

namespace {

std::string module_dir_name(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

ModuleUse module_use(const std::string& name, const std::string& sys_root) {
  ModuleUse u;
  const fs::path dir = fs::path(sys_root) / "module" / module_dir_name(name);
  std::error_code ec;
  // A built-in module has /sys/module/M too, but no refcnt (and cannot be unloaded).
  if (!fs::exists(dir / "refcnt", ec)) return u;
  u.loaded = true;
  try {
    u.refcnt = std::stol(first_line(dir / "refcnt"));
  } catch (const std::exception&) {
    u.refcnt = 0;
  }
  for (const auto& e : fs::directory_iterator(dir / "holders", ec)) u.holders.push_back(e.path().filename().string());
  std::sort(u.holders.begin(), u.holders.end());
  return u;
}

std::vector<DeviceHolder> sound_device_holders(const std::string& proc_root) {
  std::vector<DeviceHolder> out;
  std::error_code ec;
  for (const auto& p : fs::directory_iterator(proc_root, ec)) {
    const std::string pid = p.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec2;
    for (const auto& fd : fs::directory_iterator(p.path() / "fd", ec2)) {
      std::error_code ec3;
      const std::string target = fs::read_symlink(fd.path(), ec3).string();
      if (ec3 || target.rfind("/dev/snd/", 0) != 0) continue;
      out.push_back({std::stoi(pid), first_line(p.path() / "comm"), target});
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](const DeviceHolder& a, const DeviceHolder& b) { return a.pid < b.pid; });
  return out;
}

std::string replug_blocker(const std::vector<std::string>& modules, const std::string& sys_root,
                           const std::string& proc_root) {
  std::vector<std::string> why;
  for (const auto& m : modules) {
    const ModuleUse u = module_use(m, sys_root);
    if (!u.loaded) continue;
    // The modules that depend on m are unloaded with it when named too; only foreign holders count.
    std::vector<std::string> foreign;
    for (const auto& h : u.holders)
      if (std::none_of(modules.begin(), modules.end(), [&](const std::string& n) { return module_dir_name(n) == h; }))
        foreign.push_back(h);
    // Each holder module counts once in refcnt; what is left are open files and other users.
    if (foreign.empty() && u.refcnt <= static_cast<long>(u.holders.size())) continue;
    why.push_back(fmt::format("{} is in use (reference count {}{})", m, u.refcnt,
                              foreign.empty() ? "" : fmt::format(", needed by {}", fmt::join(foreign, ", "))));
  }
  if (why.empty()) return {};
  std::string msg = fmt::format("--replug cannot unload: {}", fmt::join(why, "; "));
  const auto holders = sound_device_holders(proc_root);
  if (!holders.empty()) {
    std::vector<std::string> who;
    for (const auto& h : holders) who.push_back(fmt::format("{} (pid {}, {})", h.comm, h.pid, h.path));
    msg += fmt::format("; sound devices are open in {}", fmt::join(who, ", "));
  }
  msg +=
      "; use --rebind DEVICE instead (unbinds and binds the device through its driver, modules stay loaded; e.g. "
      "--rebind 0000:00:1f.3 for the PCI audio function)";
  return msg;
}

}  // namespace reprobe
