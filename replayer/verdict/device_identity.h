// The names users know a device by, beside its dev_name (issue 14, "names users know"): its
// driver and module, the PCI
// vendor:device (and subsystem) of a PCI function, and the ALSA card it registered (index, id,
// name). From the machine snapshot of a capture (udev pci_audio, alsa cards) or, for a kernel
// log, from what the log printed (header x-import: "pci ... [8086:a0c8] ... class 0x04..", the
// card's input devices). docs/report.md, "Targets".
#pragma once

#include <string>

#include "replayer/trace/trace.h"

namespace reprobe {

// "driver snd_hda_intel, module snd_hda_intel; PCI 8086:2668, subsystem 1af4:1100; card0 'Intel'
// (HDA Intel)"; empty when the trace names nothing more than the device.
std::string device_identity(const Trace& trace, DevId dev);

}  // namespace reprobe
