// Failure lines of kernel logs (see log_failure_line.h and docs/import.md, "Failure lines").
#include "tracer/import/log_failure_line.h"

#include <array>
#include <cstddef>

#include "tracer/import/byte_scan.h"

namespace reprobe {

using sv = std::string_view;

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive search of a lower-case needle.
bool has(sv hay, sv needle) {
  if (needle.size() > hay.size()) return false;
  const char n0 = needle[0];
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (lower(hay[i]) != n0) continue;
    size_t j = 1;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

bool starts(sv s, sv p) { return s.substr(0, p.size()) == p; }

bool digit(char c) { return c >= '0' && c <= '9'; }

// `word` (lower case) at position i of t, case-insensitively.
bool at(sv t, size_t i, sv word) {
  if (t.size() - i < word.size()) return false;
  for (size_t j = 0; j < word.size(); ++j)
    if (lower(t[i + j]) != word[j]) return false;
  return true;
}

// Whether a failure word starts at position i (lower-case words, either case in the text).
bool word_at(sv t, size_t i) {
  switch (lower(t[i])) {
    case 'f':
      return at(t, i, "fail");
    case 'e':
      return at(t, i, "error");
    case 't':
      return at(t, i, "timed out") || at(t, i, "timeout");
    case 'n':
      return at(t, i, "not found") || at(t, i, "not exist") || at(t, i, "not enabled");
    case 'c':
      return at(t, i, "can't") || at(t, i, "cannot");
    case 'u':
      return at(t, i, "unable");
    case 'a':
      return at(t, i, "aborting");
    case 'g':
      return at(t, i, "giving up");
    case 'r':
      return at(t, i, "response: ffffffff");  // HDA codec probe: no answer on the link
    case '-':
      return at(t, i, "-517") || at(t, i, "-eprobe_defer");
    default:
      return false;
  }
}

// Words that make a line a failure line at all (this runs on every line of the log): only the
// positions that start with the first two letters of a failure word are compared with the words.
bool says_failure(sv t) {
  static constexpr std::array<std::array<char, 2>, 11> kPairs = {{{'f', 'a'},
                                                                  {'e', 'r'},
                                                                  {'t', 'i'},
                                                                  {'n', 'o'},
                                                                  {'c', 'a'},
                                                                  {'u', 'n'},
                                                                  {'a', 'b'},
                                                                  {'g', 'i'},
                                                                  {'r', 'e'},
                                                                  {'-', '5'},
                                                                  {'-', 'e'}}};
  return any_pair_start(t, kPairs, [&](size_t i) { return word_at(t, i); });
}

FailureClass sound_class(sv t) {
  if (has(t, "firmware and/or topology file not found")) return FailureClass::firmware_missing;
  if (has(t, "tplg") || has(t, "topology") || has(t, "can't find be for dai") || has(t, "hw_config") ||
      (has(t, "physical link") && has(t, "not exist")) || (has(t, "sink ") && has(t, "not found")))
    return FailureClass::topology;
  if (has(t, "direct firmware load") || has(t, "firmware: failed to load") || has(t, "request firmware failed"))
    return FailureClass::firmware_missing;
  if (has(t, "hda controller")) return FailureClass::hda_controller;
  if (has(t, "boot failure") || has(t, "failed to boot") || has(t, "cl_dsp_init") || has(t, "rom init") ||
      has(t, "rom_status") || has(t, "probe_work failed") || has(t, "dsp is not enabled") ||
      has(t, "failed to load dsp firmware") || has(t, "dsp init failed") || has(t, "fw boot"))
    return FailureClass::dsp_boot;
  if (has(t, "machine info") || has(t, "machine driver") || has(t, "i915 and hdmi codec"))
    return FailureClass::machine_driver;
  if (has(t, "soundwire") || has(t, "sdw") || has(t, "link failed to connect") || has(t, "probe not complete"))
    return FailureClass::soundwire;
  if (has(t, "codec") && (has(t, "probe") || has(t, "reset") || has(t, "ffffffff"))) return FailureClass::codec_probe;
  if (has(t, "failed to issue reset")) return FailureClass::codec_probe;
  if (has(t, "register_card") || has(t, "register card") || has(t, "instantiate card") || has(t, "create pcm") ||
      has(t, "register soundcard"))
    return FailureClass::card_register;
  return FailureClass::other_error;
}

bool resource_line(sv t) {
  return has(t, "supply") || has(t, "get clk") || has(t, "get clock") || has(t, "clk ") || has(t, "gpio") ||
         has(t, "pinctrl") || has(t, "get reset") || has(t, "regulator");
}

}  // namespace

std::string_view to_string(FailureClass c) {
  switch (c) {
    case FailureClass::none:
      return "none";
    case FailureClass::firmware_missing:
      return "firmware-missing";
    case FailureClass::topology:
      return "topology";
    case FailureClass::dsp_boot:
      return "dsp-boot";
    case FailureClass::hda_controller:
      return "hda-controller";
    case FailureClass::codec_probe:
      return "codec-probe";
    case FailureClass::machine_driver:
      return "machine-driver";
    case FailureClass::soundwire:
      return "soundwire";
    case FailureClass::card_register:
      return "card-register";
    case FailureClass::resource:
      return "resource";
    case FailureClass::probe_failed:
      return "probe-failed";
    case FailureClass::rejects_match:
      return "rejects-match";
    case FailureClass::deferral:
      return "deferral";
    case FailureClass::other_error:
      return "other-error";
  }
  return "none";
}

bool is_sound_name(sv n) {
  // ("acp" alone would match "acpi"; AMD's ACP drivers are snd_acp_*, snd_sof_amd_*.)
  static constexpr std::array<sv, 16> kParts = {"sof",   "snd", "hda", "sound", "audio", "sdw", "soundwire", "asoc",
                                                "codec", "skl", "sst", "avs",   "dai",   "i2s", "sai",       "ssp"};
  for (sv p : kParts)
    if (has(n, p)) return true;
  // Codec drivers and devices: a known prefix followed by a digit (wm8731, rt711, pcm512x, tlv320aic32x4).
  static constexpr std::array<sv, 16> kCodecs = {"wm",  "rt",  "es",  "cs",  "max",  "tlv", "pcm", "sgtl",
                                                 "tas", "da7", "nau", "ak4", "adau", "ssm", "aic", "alc"};
  for (sv p : kCodecs)
    if (starts(n, p) && n.size() > p.size() && digit(n[p.size()])) return true;
  return false;
}

bool errno_in_text(sv t, int64_t& err) {
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] != '-' || !digit(t[i + 1])) continue;
    if (i > 0 && !(t[i - 1] == ' ' || t[i - 1] == '(' || t[i - 1] == ':' || t[i - 1] == '=')) continue;
    size_t j = i + 1;
    int64_t v = 0;
    while (j < t.size() && digit(t[j]) && j - i <= 4) v = v * 10 + (t[j++] - '0');
    if (j < t.size() && (digit(t[j]) || t[j] == 'x' || t[j] == '.' || t[j] == ':')) continue;  // not an errno
    if (v == 0 || v > 4095) continue;
    err = -v;
    return true;
  }
  return false;
}

FailureLine classify_failure_line(sv first, sv dev, sv text) {
  FailureLine f;
  if (!says_failure(text)) return f;
  f.has_err = errno_in_text(text, f.err);
  if (has(text, "-eprobe_defer")) {
    f.err = -517;
    f.has_err = true;
  }
  const bool sound = is_sound_name(first) || is_sound_name(dev) || starts(text, "ASoC:") || has(text, "soundwire");
  if (f.has_err && f.err == -517) {
    f.cls = FailureClass::deferral;
  } else if (resource_line(text) && (has(text, "fail") || has(text, "error") || has(text, "unable") ||
                                     has(text, "can't") || has(text, "cannot"))) {
    f.cls = FailureClass::resource;
  } else if (sound || (first.empty() && dev.empty() && (has(text, "hda") || has(text, "codec")))) {
    f.cls = sound_class(text);
  }
  return f;
}

}  // namespace reprobe
