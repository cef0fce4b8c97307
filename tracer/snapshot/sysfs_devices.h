// Devices and drivers present on the machine, read from sysfs, for the trace
// header's `devices` and `drivers` arrays (docs/trace-format.md, "Header";
// docs/snapshot.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"

namespace reprobe {

struct SysfsDevice {
  std::string dev;                    // dev_name()
  std::string bus;                    // /sys/bus/<bus>
  std::optional<std::string> parent;  // dev_name() of the nearest ancestor directory that is a device
  std::optional<std::string> driver;  // bound driver (basename of the `driver` link)
};

struct SysfsDriver {
  std::string drv;
  std::string bus;
};

struct SysfsInventory {
  std::vector<SysfsDevice> devices;  // sorted by (bus, dev)
  std::vector<SysfsDriver> drivers;  // sorted by (bus, drv)
  std::vector<Error> errors;         // entries that could not be read (the rest is still listed)
};

// Every device of /sys/bus/*/devices/* and every driver of /sys/bus/*/drivers/*
// under `sysfs_root`. Fails only when <sysfs_root>/bus cannot be listed.
Result<SysfsInventory> scan_sysfs(const std::filesystem::path& sysfs_root = "/sys");

// A device name that is on several buses (an ACPI companion and the platform
// device created from it share "INT34C5:00"). The trace format keys devices by
// name only, so the header keeps one entry per name: the first in (bus, dev)
// order that is not on the `acpi` bus, else the acpi one.
struct DeviceNameCollision {
  std::string dev;
  std::string kept_bus;
  std::vector<std::string> dropped_buses;
};

// Nearest ancestor of `device_dir` (a canonical path below the canonical
// <sysfs_root>/devices) that is itself a device (has `uevent` or a
// `subsystem` link); glue directories such as `sound/` are skipped.
std::optional<std::filesystem::path> sysfs_parent_device(const std::filesystem::path& device_dir,
                                                         const std::filesystem::path& devices_root);

// Header `devices` array: [{dev, bus, parent?, driver?}] in trace-format key
// order, one entry per device name (see DeviceNameCollision). Unbound
// devices have no `driver` key; devices without a parent device no `parent`.
nlohmann::ordered_json header_devices_json(const std::vector<SysfsDevice>& devices,
                                           std::vector<DeviceNameCollision>* collisions = nullptr);
// Header `drivers` array: [{drv, bus}] (async preference is not visible in sysfs: omitted).
nlohmann::ordered_json header_drivers_json(const std::vector<SysfsDriver>& drivers);

}  // namespace reprobe
