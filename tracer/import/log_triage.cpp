// LogImporter, failure lines (issue 14): every line that says something failed becomes an
// `x-dmesg` event of kind "failure:<class>" carrying the line's message, so that reports can name
// the failure with its own line; a "-517" reason makes its device defer; any other failure of a
// sound device's inferred attempt makes it end failed instead of bound. See log_failure_line.h and
// docs/import.md, "Failure lines".
#include "tracer/import/log_failure_line.h"
#include "tracer/import/log_importer_impl.h"

namespace reprobe {

namespace {

// The message after "<first> <dev>: ", or the whole message when it does not start so.
sv message_after_device(sv message, sv first, sv dev) {
  if (dev.empty()) return message;
  const size_t p = message.find(dev);
  if (p == sv::npos || p > first.size() + 1) return message;
  const size_t end = p + dev.size();
  if (message.substr(end, 2) != ": ") return message;
  return message.substr(end + 2);
}

// The first token of a message that names no device ("hda-intel: Codec #0 probe error").
sv leading_token(sv message) {
  const size_t c = message.find(':');
  if (c == sv::npos || c == 0 || message.substr(0, c).find(' ') != sv::npos) return {};
  return message.substr(0, c);
}

bool fatal(FailureClass c) {
  return c != FailureClass::none && c != FailureClass::deferral && c != FailureClass::other_error &&
         c != FailureClass::probe_failed && c != FailureClass::rejects_match;
}

}  // namespace

void LogImporter::Impl::note_failure(sv message, const Message& m, uint64_t t) {
  const bool device_line = !m.dev.empty() && !m.first.empty();
  const sv first = device_line ? m.first : leading_token(message);
  const sv devname = device_line ? m.dev : sv{};
  const sv text = message_after_device(message, first, devname);
  FailureLine f;
  switch (m.kind) {
    case MsgKind::failed:
      f.cls = FailureClass::probe_failed;
      break;
    case MsgKind::rejects:
      f.cls = FailureClass::rejects_match;
      break;
    case MsgKind::pending:
      f.cls = FailureClass::deferral;
      break;
    case MsgKind::defer_reason:
    case MsgKind::asoc_not_registered:
    case MsgKind::asoc_not_found:
    case MsgKind::devices_deferred:
      return;  // already a deferral reason of the trace
    default:
      f = classify_failure_line(first, devname, text);
      break;
  }
  if (f.cls == FailureClass::none) return;
  if (fatal(f.cls) || f.cls == FailureClass::deferral) ++boot_failure_lines;
  // The pending line as the kernel printed it, without what follows in a pasted page.
  std::string pending;
  if (m.kind == MsgKind::pending)
    pending = m.text.empty() ? "deferred probe pending" : "deferred probe pending: " + std::string(m.text);
  const sv said = m.kind == MsgKind::pending ? sv(pending) : text;
  // Only the message map's own kinds name the device of a non-device line ("probe of X failed").
  const sv named = !m.dev.empty() ? m.dev : devname;
  if (!named.empty()) dev(named);
  ext(t, "failure:" + std::string(to_string(f.cls)), named, said);
  if (!device_line || is_bus(first) || is_class(first)) return;
  Dev& d = dev(devname);
  if (f.cls == FailureClass::deferral) {
    if (m.kind != MsgKind::dev_line) return;  // the message map's own deferral kinds did it
    // "Failed to get supply 'AVDD': -517", "ASoC: failed to init link X: -517": the probe defers.
    reason(devname, t, text);
    if (d.open) deferring(devname, d, first, t);
    return;
  }
  if (!fatal(f.cls) || !d.open || !d.open_heuristic || !(is_sound_name(first) || f.cls == FailureClass::resource))
    return;
  if (f.has_err && f.err != 0)
    d.failure_ret = f.err;
  else if (d.failure_ret == 0)
    d.failure_ret = kRetUnknown;  // the line gives none: never an invented errno
}

}  // namespace reprobe
