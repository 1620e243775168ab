#include "AuditExport.h"

#include <Poco/JSON/Parser.h>

#include "CalendarDate.h"

namespace regfed::core {

namespace audit = regfed::audit;
using audit::AuditEvent;
using audit::StoredEvent;

namespace {

void writeCriteria(JsonWriter& w, const std::optional<std::string>& criteria) {
  if (!criteria) {
    w.null();
    return;
  }
  // The node wrote it as canonical JSON; anything else (a row changed by hand) is shown as text.
  try {
    Poco::JSON::Parser().parse(*criteria);
    w.raw(*criteria);
  } catch (const std::exception&) {
    w.value(*criteria);
  }
}

}  // namespace

void writeEvent(JsonWriter& w, const StoredEvent& s) {
  const AuditEvent& e = s.event;
  auto optional = [&](const char* key, const std::optional<std::string>& v) {
    w.key(key);
    if (v)
      w.value(*v);
    else
      w.null();
  };
  w.beginObject();
  w.key("seq").value(e.seq).key("time").value(e.time).key("node").value(e.node);
  w.key("request_id").value(e.requestId);
  optional("correlation_id", e.correlationId);
  optional("peer", e.peer);
  w.key("actor").value(e.actor).key("actor_ags").value(e.actorAgs).key("roles").strings(e.roles);
  w.key("action").value(e.action);
  optional("owner_ags", e.ownerAgs);
  optional("register", e.registerName);
  optional("purpose", e.purpose);
  optional("case_ref", e.caseRef);
  optional("mandate", e.mandate);
  w.key("criteria");
  writeCriteria(w, e.criteria);
  w.key("subjects").strings(e.subjects).key("withheld").strings(e.withheld).key("fields").strings(e.fields);
  w.key("result_count").value(e.resultCount).key("decision").value(e.decision).key("reason").value(e.reason);
  w.key("emergency").value(e.emergency).key("pruned").value(s.prunedAt.has_value());
  w.key("leaf_hash").value(audit::toHex(s.leafHash));
  w.endObject();
}

namespace {

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item;
  return out;
}

const char* const kCsvHeader =
    "\xEF\xBB\xBF"
    "Nr;Zeit (Berlin);Zeit (UTC);Knoten;Anfrage-ID;Korrelations-ID;Über Knoten;Person;AGS der Person;Rollen;"
    "Aktion;AGS des Datenbesitzers;Register;Zweck;Aktenzeichen;Mandat;Suchkriterien;Offengelegte Datensätze;"
    "Zurückgehaltene Datensätze;Felder;Anzahl;Entscheidung;Grund;Notfall;Aufbewahrung abgelaufen\r\n";

}  // namespace

std::string csvHeader() { return kCsvHeader; }

std::string csvLine(const StoredEvent& s) {
  const AuditEvent& e = s.event;
  const std::vector<std::string> cells = {std::to_string(e.seq),
                                          berlinWallClock(e.time),
                                          e.time,
                                          e.node,
                                          e.requestId,
                                          e.correlationId.value_or(""),
                                          e.peer.value_or(""),
                                          e.actor,
                                          e.actorAgs,
                                          joined(e.roles),
                                          e.action,
                                          e.ownerAgs.value_or(""),
                                          e.registerName.value_or(""),
                                          e.purpose.value_or(""),
                                          e.caseRef.value_or(""),
                                          e.mandate.value_or(""),
                                          e.criteria.value_or(""),
                                          joined(e.subjects),
                                          joined(e.withheld),
                                          joined(e.fields),
                                          std::to_string(e.resultCount),
                                          e.decision == "allow" ? "erlaubt" : e.decision == "deny" ? "verweigert"
                                                                                                   : "Fehler",
                                          e.reason,
                                          e.emergency ? "ja" : "nein",
                                          s.prunedAt ? "ja" : "nein"};
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? ";" : "") + csvCell(cells[i]);
  return line + "\r\n";
}

std::string jsonLine(const StoredEvent& s) {
  JsonWriter w;
  writeEvent(w, s);
  return w.str() + "\n";
}


std::string csvCell(const std::string& text) {
  std::string cell = text;
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' || cell[0] == '\t' ||
                        cell[0] == '\r'))
    cell = "'" + cell;
  if (cell.find_first_of(";\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace regfed::core
