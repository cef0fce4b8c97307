// The sd_notify(3) datagram protocol, so a Type=notify unit can tell systemd it is ready
// (here: `reprobe boot run` once the recorder has attached) without linking libsystemd.
#pragma once

#include <string>

namespace reprobe {

// Sends STATE (e.g. "READY=1\nSTATUS=recording") to $NOTIFY_SOCKET. Returns false when the
// variable is unset (not started by systemd) or the datagram could not be sent.
bool notify_systemd(const std::string& state);

}  // namespace reprobe
