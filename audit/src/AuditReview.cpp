#include <regfed/audit/AuditReview.h>

#include <pqxx/pqxx>
#include <regex>

#include "EventRows.h"

namespace regfed::audit {

namespace {

// The WHERE clause and its parameters of a filter (without ORDER BY and LIMIT).
struct Query {
  std::string sql;
  std::vector<std::string> params;

  std::string next(std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
};

Query whereClause(const EventFilter& f) {
  Query q;
  const std::string node = q.next(f.node);
  if (f.subject) {
    // A record id is rare in the log: its GIN indexes find the few events first, and everything else filters
    // those (left to itself the planner ANDs them with the owner index, reading a bitmap of every event about
    // the municipality first: 45 ms instead of 1 in a log of a million).
    const std::string p = q.next(*f.subject);
    q.sql = "WITH hits AS MATERIALIZED (SELECT * FROM regfed_audit.events WHERE node = " + node +
            " AND (subjects @> ARRAY[" + p + "]::text[] OR withheld @> ARRAY[" + p + "]::text[])) SELECT " +
            rows::eventColumns() + " FROM hits WHERE true";
  } else {
    q.sql = "SELECT " + rows::eventColumns() + " FROM regfed_audit.events WHERE node = " + node;
  }
  if (!f.visibleTo.empty()) {
    std::string list = "ARRAY[";
    for (std::size_t i = 0; i < f.visibleTo.size(); ++i) list += (i ? "," : "") + q.next(f.visibleTo[i]);
    list += "]::text[]";
    q.sql += " AND (owner_ags = ANY(" + list + ") OR actor_ags = ANY(" + list + "))";
  }
  if (f.from)
    q.sql += f.from->isDate ? " AND time >= (" + q.next(f.from->text) + "::date::timestamp AT TIME ZONE 'Europe/Berlin')"
                            : " AND time >= " + q.next(f.from->text) + "::timestamptz";
  if (f.to)
    q.sql += f.to->isDate
                 ? " AND time < ((" + q.next(f.to->text) + "::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')"
                 : " AND time <= " + q.next(f.to->text) + "::timestamptz";
  auto equals = [&](const char* column, const std::optional<std::string>& value) {
    if (value) q.sql += std::string(" AND ") + column + " = " + q.next(*value);
  };
  equals("actor", f.actor);
  equals("actor_ags", f.actorAgs);
  equals("owner_ags", f.ownerAgs);
  equals("register", f.registerName);
  equals("mandate", f.mandate);
  equals("case_ref", f.caseRef);
  equals("decision", f.decision);
  equals("reason", f.reason);
  equals("action", f.action);
  if (f.emergency) q.sql += *f.emergency ? " AND emergency" : " AND NOT emergency";
  if (f.beforeSeq) q.sql += " AND seq < " + q.next(std::to_string(*f.beforeSeq)) + "::bigint";
  return q;
}

}  // namespace

std::vector<StoredEvent> findEvents(pqxx::transaction_base& tx, const EventFilter& filter) {
  Query q = whereClause(filter);
  q.sql += " ORDER BY seq DESC LIMIT " + std::to_string(filter.limit);
  std::vector<StoredEvent> out;
  for (const auto& row : tx.exec_params(q.sql, pqxx::prepare::make_dynamic_params(q.params)))
    out.push_back(rows::eventFrom(row));
  return out;
}

void streamEvents(pqxx::transaction_base& tx, const EventFilter& filter,
                  const std::function<bool(const StoredEvent&)>& each) {
  Query q = whereClause(filter);
  q.sql += " ORDER BY seq DESC";
  tx.exec_params("DECLARE regfed_review NO SCROLL CURSOR FOR " + q.sql,
                 pqxx::prepare::make_dynamic_params(q.params));
  for (;;) {
    const pqxx::result page = tx.exec("FETCH 1000 FROM regfed_review");
    for (const auto& row : page)
      if (!each(rows::eventFrom(row))) {
        tx.exec("CLOSE regfed_review");
        return;
      }
    if (page.size() < 1000) break;
  }
  tx.exec("CLOSE regfed_review");
}

bool parseTimeBound(const std::string& text, TimeBound& out) {
  static const std::regex date(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  static const std::regex instant(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))");
  if (std::regex_match(text, date)) {
    out = TimeBound{text, true};
    return true;
  }
  if (std::regex_match(text, instant)) {
    out = TimeBound{text, false};
    return true;
  }
  return false;
}

}  // namespace regfed::audit
