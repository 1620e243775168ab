#pragma once
// What the request path needs from the audit trail: append events durably, or say that it cannot.

#include <regfed/audit/AuditEvent.h>

#include <vector>

namespace regfed::audit {

/// Destination of audit events.
class AuditSink {
 public:
  virtual ~AuditSink() = default;

  /// Appends the events and returns once they are committed (true), or returns false when the audit store
  /// cannot take them in time. Sets each event's seq. Thread-safe.
  virtual bool record(std::vector<AuditEvent>& events) = 0;

  /// False while the audit store is known to be unreachable.
  virtual bool available() const = 0;
};

}  // namespace regfed::audit
