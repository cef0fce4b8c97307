// sysfs inventory of devices and drivers (see sysfs_devices.h).
#include "tracer/snapshot/sysfs_devices.h"

#include <algorithm>
#include <map>
#include <system_error>
#include <utility>

namespace reprobe {

namespace fs = std::filesystem;

namespace {

// Sorted names of the entries of `dir` (dangling symlinks included).
// ENOENT is not an error when `missing_ok`.
Result<std::vector<std::string>> list_dir(const fs::path& dir, bool missing_ok) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (missing_ok && ec == std::errc::no_such_file_or_directory) return names;
    return Error{dir.string(), 0, "cannot list: " + ec.message()};
  }
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    names.push_back(it->path().filename().string());
  }
  if (ec) return Error{dir.string(), 0, "cannot list: " + ec.message()};
  std::sort(names.begin(), names.end());
  return names;
}

bool is_device_dir(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p / "uevent", ec) || fs::is_symlink(p / "subsystem", ec);
}

// `p` is strictly below `root` (both canonical).
bool strictly_below(const fs::path& p, const fs::path& root) {
  auto [ri, pi] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return ri == root.end() && pi != p.end();
}

}  // namespace

std::optional<fs::path> sysfs_parent_device(const fs::path& device_dir, const fs::path& devices_root) {
  if (devices_root.empty()) return std::nullopt;
  for (fs::path p = device_dir.parent_path(); strictly_below(p, devices_root); p = p.parent_path())
    if (is_device_dir(p)) return p;
  return std::nullopt;
}

Result<SysfsInventory> scan_sysfs(const fs::path& sysfs_root) {
  SysfsInventory inv;
  const fs::path bus_root = sysfs_root / "bus";
  auto buses = list_dir(bus_root, false);
  if (!buses) return buses.error();

  std::error_code ec;
  const fs::path devices_root = fs::canonical(sysfs_root / "devices", ec);
  if (ec) inv.errors.push_back({(sysfs_root / "devices").string(), 0, "cannot resolve (no parents): " + ec.message()});

  for (const auto& bus : *buses) {
    const fs::path bus_dir = bus_root / bus;
    if (!fs::is_directory(bus_dir, ec)) continue;

    auto devs = list_dir(bus_dir / "devices", true);
    if (!devs) {
      inv.errors.push_back(devs.error());
    } else {
      for (const auto& name : *devs) {
        SysfsDevice d{name, bus, std::nullopt, std::nullopt};
        const fs::path link = bus_dir / "devices" / name;
        const fs::path real = fs::canonical(link, ec);
        if (ec) {
          inv.errors.push_back({link.string(), 0, "cannot resolve: " + ec.message()});
          inv.devices.push_back(std::move(d));
          continue;
        }
        if (auto parent = sysfs_parent_device(real, devices_root)) d.parent = parent->filename().string();
        const fs::path drv_link = real / "driver";
        if (fs::is_symlink(drv_link, ec)) {
          const fs::path target = fs::read_symlink(drv_link, ec);
          if (ec)
            inv.errors.push_back({drv_link.string(), 0, "cannot read link: " + ec.message()});
          else
            d.driver = target.filename().string();
        }
        inv.devices.push_back(std::move(d));
      }
    }

    auto drvs = list_dir(bus_dir / "drivers", true);
    if (!drvs) {
      inv.errors.push_back(drvs.error());
    } else {
      for (const auto& name : *drvs)
        if (fs::is_directory(bus_dir / "drivers" / name, ec)) inv.drivers.push_back({name, bus});
    }
  }
  return inv;
}

nlohmann::ordered_json header_devices_json(const std::vector<SysfsDevice>& devices,
                                           std::vector<DeviceNameCollision>* collisions) {
  // choose one entry per name: the first non-acpi one, else the first
  std::map<std::string, std::size_t> chosen;
  std::map<std::string, std::vector<std::size_t>> all;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto& d = devices[i];
    all[d.dev].push_back(i);
    auto [it, inserted] = chosen.emplace(d.dev, i);
    if (!inserted && devices[it->second].bus == "acpi" && d.bus != "acpi") it->second = i;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto& d = devices[i];
    if (chosen[d.dev] != i) continue;
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    o["dev"] = d.dev;
    o["bus"] = d.bus;
    if (d.parent) o["parent"] = *d.parent;
    if (d.driver) o["driver"] = *d.driver;
    out.push_back(std::move(o));
  }
  if (collisions != nullptr) {
    collisions->clear();
    for (const auto& [name, idx] : all) {
      if (idx.size() < 2) continue;
      DeviceNameCollision c{name, devices[chosen[name]].bus, {}};
      for (const std::size_t i : idx)
        if (i != chosen[name]) c.dropped_buses.push_back(devices[i].bus);
      collisions->push_back(std::move(c));
    }
  }
  return out;
}

nlohmann::ordered_json header_drivers_json(const std::vector<SysfsDriver>& drivers) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& d : drivers) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    o["drv"] = d.drv;
    o["bus"] = d.bus;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace reprobe
