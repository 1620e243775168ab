#include "EventRows.h"

namespace regfed::audit::rows {

namespace {

std::vector<std::string> readTextArray(const pqxx::field& field) {
  std::vector<std::string> out;
  auto parser = field.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::done; item = parser.get_next())
    if (item.first == pqxx::array_parser::string_value) out.push_back(item.second);
  return out;
}

std::optional<std::string> readOptional(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::string(field.c_str(), field.size());
}

}  // namespace

std::string timeText(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

const std::string& eventColumns() {
  static const std::string columns =
      "node, seq, " + timeText("time") +
      ", request_id, actor, actor_ags, roles, action, owner_ags, register, purpose, case_ref, mandate, criteria, "
      "subjects, fields, result_count, decision, reason, emergency, leaf_hash, format, withheld, correlation_id, "
      "peer, " + timeText("pruned_at") + ", personal_hash";
  return columns;
}

Hash readHash(const pqxx::field& field) {
  Hash out{};
  pqxx::binarystring bytes(field);
  if (bytes.size() == out.size()) std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

StoredEvent eventFrom(const pqxx::row& row) {
  StoredEvent s;
  AuditEvent& e = s.event;
  e.node = row[0].as<std::string>();
  e.seq = row[1].as<std::int64_t>();
  e.time = row[2].as<std::string>();
  e.requestId = row[3].as<std::string>();
  e.actor = row[4].as<std::string>();
  e.actorAgs = row[5].as<std::string>();
  e.roles = readTextArray(row[6]);
  e.action = row[7].as<std::string>();
  e.ownerAgs = readOptional(row[8]);
  e.registerName = readOptional(row[9]);
  e.purpose = readOptional(row[10]);
  e.caseRef = readOptional(row[11]);
  e.mandate = readOptional(row[12]);
  e.criteria = readOptional(row[13]);
  e.subjects = readTextArray(row[14]);
  e.fields = readTextArray(row[15]);
  e.resultCount = row[16].as<std::int64_t>();
  e.decision = row[17].as<std::string>();
  e.reason = row[18].as<std::string>();
  e.emergency = row[19].as<bool>();
  s.leafHash = readHash(row[20]);
  e.format = row[21].as<int>();
  e.withheld = readTextArray(row[22]);
  e.correlationId = readOptional(row[23]);
  e.peer = readOptional(row[24]);
  if (!row[25].is_null()) s.prunedAt = row[25].as<std::string>();
  if (!row[26].is_null()) s.personalDigest = pqxx::binarystring(row[26]).str();
  return s;
}

}  // namespace regfed::audit::rows
