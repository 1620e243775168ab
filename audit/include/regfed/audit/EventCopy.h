#pragma once
// Reading a stretch of a node's log fast, for verification: one binary COPY per stretch (libpq), parsed
// straight into events. The text protocol spends most of its time printing and parsing arrays and times;
// binary COPY does neither.

#include <regfed/audit/AuditStore.h>

#include <functional>
#include <string>

namespace regfed::audit {

/// Where to read: the table pages [fromPage, toPage) of regfed_audit.events, under an exported snapshot
/// (empty: a snapshot of its own). Pages are read without an index and in no particular order of seq.
struct CopyStretch {
  std::string snapshot;
  std::int64_t fromPage = 0;
  std::int64_t toPage = 0;
};

/// Calls `each` for every event of `node` in the stretch, with one object reused from row to row (copy what
/// you keep; `each` may change it). Throws std::runtime_error when the database cannot be read.
void copyEvents(const std::string& dsn, const std::string& node, const CopyStretch& stretch,
                const std::function<void(StoredEvent&)>& each);

}  // namespace regfed::audit
