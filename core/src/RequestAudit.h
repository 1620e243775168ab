#pragma once
// The part every audit event of an HTTP request shares: node, time, request id, and who asked.

#include <regfed/audit/AuditEvent.h>

#include "Config.h"
#include "Principal.h"

namespace regfed::core {

/// A new audit event for `action` by `principal` in request `requestId`; the caller fills in the rest.
inline regfed::audit::AuditEvent newAuditEvent(const Config& config, const Principal& principal,
                                               const std::string& requestId, const std::string& action) {
  regfed::audit::AuditEvent e;
  e.node = config.nodeId;
  e.time = regfed::audit::utcNow();
  e.requestId = requestId;
  e.actor = principal.id;
  e.actorAgs = principal.ags;
  e.roles.assign(principal.roles.begin(), principal.roles.end());
  e.action = action;
  return e;
}

}  // namespace regfed::core
