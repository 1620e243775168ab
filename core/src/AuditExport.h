#pragma once
// How audit events leave the node for DPOs: as JSON objects (the API and JSON lines) and as CSV rows German
// Excel opens as they are (UTF-8 with BOM, `;`, CRLF, Berlin wall-clock times, formula-like cells defused).

#include <regfed/audit/AuditStore.h>

#include <string>

#include "Json.h"

namespace regfed::core {

/// Writes one event as the JSON object of GET /v1/audit/events.
void writeEvent(JsonWriter& w, const regfed::audit::StoredEvent& event);

/// One event as a JSON line (with its newline).
std::string jsonLine(const regfed::audit::StoredEvent& event);

/// The BOM and the header row of the CSV export (with CRLF).
std::string csvHeader();

/// One event as a CSV row (with CRLF).
std::string csvLine(const regfed::audit::StoredEvent& event);

/// One CSV cell as German Excel reads it: quoted when it holds `;`, `"` or a line break, and prefixed with `'`
/// when it starts like a formula (=, +, -, @, tab, CR), so a purpose text cannot run as one.
std::string csvCell(const std::string& text);

}  // namespace regfed::core
