#pragma once
// Readiness for systemd (Type=notify): the sd_notify protocol without libsystemd, one datagram to the socket
// systemd names in NOTIFY_SOCKET.

#include <string>

namespace regfed::core {

/// Sends `state` (e.g. "READY=1\nSTATUS=…") to $NOTIFY_SOCKET. Returns false when the variable is unset (not
/// run by systemd: nothing to do) and throws std::runtime_error when it is set but the message cannot be
/// sent.
bool notifySystemd(const std::string& state);

}  // namespace regfed::core
