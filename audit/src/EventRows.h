#pragma once
// How an audit event is read back from regfed_audit.events: one column list and one row reader, shared by the
// writer's start-up, the verifier and the DPO's queries.

#include <regfed/audit/AuditStore.h>

#include <pqxx/pqxx>
#include <string>

namespace regfed::audit::rows {

/// The columns eventFrom() reads, in order (times as UTC RFC 3339 with microseconds).
const std::string& eventColumns();

/// An event from a row selected with eventColumns().
StoredEvent eventFrom(const pqxx::row& row);

/// SQL rendering a timestamptz column as UTC RFC 3339 with microseconds.
std::string timeText(const std::string& column);

/// A hash read from a bytea column (zeroes when the length is wrong).
Hash readHash(const pqxx::field& field);

}  // namespace regfed::audit::rows
