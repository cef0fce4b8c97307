// Triage of kernel-log lines (issue 14): which lines say that something failed, and what kind of
// failure it is, so that a report on a log whose card is missing for a reason other than a
// deferral can name the failure with its own line (docs/import.md, "Failure lines").
// No regex: fixed-string searches, cheap enough for every line of a 200 MB log.
#pragma once

#include <cstdint>
#include <string_view>

namespace reprobe {

// What a failure line says. The names are the `x-dmesg` kinds "failure:<name>" (docs/import.md).
enum class FailureClass : uint8_t {
  none,
  firmware_missing,  // Direct firmware load ... failed, SOF firmware and/or topology file not found
  topology,          // topology file missing or inconsistent (tplg, can't find BE, link not exist, hw_config)
  dsp_boot,          // DSP/ROM boot failure, probe work failure, DSP not enabled
  hda_controller,    // failed to reset/ready HDA controller
  codec_probe,       // codec probe errors (HDA codec probe, Cannot probe codecs, codec reset)
  machine_driver,    // no machine driver / machine info / i915 HDMI codec init
  soundwire,         // SoundWire link/probe errors
  card_register,     // card registration failures with a non-deferral errno, PCM creation
  resource,          // regulator, clock, GPIO, pinctrl, reset line not obtained
  probe_failed,      // driver core: probe of X failed with error N
  rejects_match,     // driver core: probe of X rejects match N
  deferral,          // a deferral the log states (-517 reasons, deferred probe pending)
  other_error,       // any other error of a sound device
};
std::string_view to_string(FailureClass c);

// What a failure line of device `dev` (printed with first token `first`) says; `text` is the
// message after "<first> <dev>: " (or the whole message when it names no device).
// `driver_core_failed` / `driver_core_rejects`: the message map already recognised the line as
// "probe of X failed with error N" / "rejects match N".
struct FailureLine {
  FailureClass cls = FailureClass::none;
  int64_t err = 0;  // the errno the line states (negative), 0 when none
  bool has_err = false;
};
FailureLine classify_failure_line(std::string_view first, std::string_view dev, std::string_view text);

// A sound device or driver by its name: SOF, HDA, ASoC, SoundWire, machine devices ("sound",
// "*-sound", "sof_sdw", "*_dsp_generic") and codec drivers (wm8731, rt711, pcm512x, ...).
bool is_sound_name(std::string_view name);

// The first errno-looking number of `text` ("error -2", "err: -5", ": -121", "(-517)"), or false.
bool errno_in_text(std::string_view text, int64_t& err);

}  // namespace reprobe
