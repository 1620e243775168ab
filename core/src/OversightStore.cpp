#include "OversightStore.h"

namespace regfed::core {

namespace {

std::string text(const pqxx::field& f) { return f.is_null() ? "" : f.as<std::string>(); }

Review reviewFrom(const pqxx::row& r) {
  Review v;
  v.id = r[0].as<long long>();
  v.createdAt = text(r[1]);
  v.requestId = text(r[2]);
  v.ownerAgs = text(r[3]);
  v.registerName = text(r[4]);
  v.recordId = text(r[5]);
  v.actor = text(r[6]);
  v.actorAgs = text(r[7]);
  v.purpose = text(r[8]);
  v.caseRef = text(r[9]);
  v.mandate = text(r[10]);
  v.status = text(r[11]);
  v.closedBy = text(r[12]);
  v.closedAt = text(r[13]);
  v.outcome = text(r[14]);
  return v;
}

std::string reviewColumns() {
  return "id, " + utcText("created_at") +
         ", request_id, owner_ags, register, record_id, actor, actor_ags, purpose, "
         "case_ref, mandate, status, closed_by, " +
         utcText("closed_at") + ", outcome";
}

}  // namespace

void OversightStore::reportWithheld(const Review& p, const std::vector<std::string>& recordIds) {
  if (recordIds.empty()) return;
  db_.transaction([&](pqxx::work& tx) {
    for (const auto& id : recordIds) {
      tx.exec_params(
          "INSERT INTO regfed.reviews (request_id, owner_ags, register, record_id, actor, actor_ags, "
          "purpose, "
          "case_ref, mandate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''))",
          p.requestId, p.ownerAgs, p.registerName, id, p.actor, p.actorAgs, p.purpose, p.caseRef, p.mandate);
      tx.exec_params(
          "INSERT INTO regfed.alerts (owner_ags, kind, request_id, actor, actor_ags, detail) "
          "VALUES ($1, 'blocked_record_hit', $2, $3, $4, $5)",
          p.ownerAgs, p.requestId, p.actor, p.actorAgs,
          "A request from " + p.actorAgs + " hit record " + id + " of " + p.registerName +
              ", which is blocked (Auskunftssperre); it was withheld and listed for manual processing.");
    }
  });
}

void OversightStore::addAlert(const Alert& a) {
  db_.transaction([&](pqxx::work& tx) { addAlert(tx, a); });
}

void OversightStore::addAlert(pqxx::work& tx, const Alert& a) {
  tx.exec_params(
      "INSERT INTO regfed.alerts (owner_ags, kind, request_id, actor, actor_ags, detail) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      a.ownerAgs, a.kind, a.requestId, a.actor, a.actorAgs, a.detail);
}

std::vector<Review> OversightStore::reviews(const std::string& ownerAgs, const std::string& status) {
  return db_.transaction([&](pqxx::work& tx) {
    std::vector<Review> out;
    for (const auto& r : tx.exec_params("SELECT " + reviewColumns() +
                                            " FROM regfed.reviews WHERE owner_ags = $1 "
                                            "AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT 1000",
                                        ownerAgs, status))
      out.push_back(reviewFrom(r));
    return out;
  });
}

Review OversightStore::closeReview(long long id, const std::string& ownerAgs, const std::string& user,
                                   const std::string& outcome,
                                   const std::function<void(const Review&)>& beforeCommit) {
  return db_.transaction([&](pqxx::work& tx) {
    auto rows = tx.exec_params(
        "SELECT status FROM regfed.reviews WHERE id = $1 AND owner_ags = $2 FOR UPDATE", id, ownerAgs);
    if (rows.empty())
      throw StateConflict(Failure::NotFound, "not_found",
                          "There is no review " + std::to_string(id) + " of your municipality.");
    if (rows[0][0].as<std::string>() != "open")
      throw StateConflict(Failure::Conflict, "already_closed", "Review " + std::to_string(id) + " is already closed.");
    tx.exec_params(
        "UPDATE regfed.reviews SET status = 'closed', closed_by = $2, closed_at = now(), outcome = $3 WHERE "
        "id = $1",
        id, user, outcome);
    Review closed =
        reviewFrom(tx.exec_params("SELECT " + reviewColumns() + " FROM regfed.reviews WHERE id = $1", id)[0]);
    beforeCommit(closed);
    return closed;
  });
}

namespace {

std::string alertColumns() {
  return "id, " + utcText("time") + ", owner_ags, kind, request_id, actor, actor_ags, detail, status, "
         "acknowledged_by, " + utcText("acknowledged_at") + ", closed_by, " + utcText("closed_at") + ", outcome";
}

Alert alertFrom(const pqxx::row& r) {
  Alert a;
  a.id = r[0].as<long long>();
  a.time = text(r[1]);
  a.ownerAgs = text(r[2]);
  a.kind = text(r[3]);
  a.requestId = text(r[4]);
  a.actor = text(r[5]);
  a.actorAgs = text(r[6]);
  a.detail = text(r[7]);
  a.status = text(r[8]);
  a.acknowledgedBy = text(r[9]);
  a.acknowledgedAt = text(r[10]);
  a.closedBy = text(r[11]);
  a.closedAt = text(r[12]);
  a.outcome = text(r[13]);
  return a;
}

// Deny reasons that mean "asked for more than the mandate gives": days outside it, fields, registers or
// operations it does not name, ids no search disclosed, someone else's or a revoked mandate.
constexpr const char* kOutsideMandate =
    "{mandate_not_in_force,field_not_permitted,mandate_scope,not_disclosed,mandate_not_yours,mandate_revoked,"
    "mandate_not_approved,mandate_not_found,emergency_not_active}";

}  // namespace

std::vector<Alert> OversightStore::alerts(const std::string& ownerAgs, const std::string& status, int limit) {
  return db_.transaction([&](pqxx::work& tx) {
    std::vector<Alert> out;
    for (const auto& r : tx.exec_params("SELECT " + alertColumns() +
                                            " FROM regfed.alerts WHERE owner_ags = $1 AND ($2 = '' OR status = $2) "
                                            "ORDER BY id DESC LIMIT $3",
                                        ownerAgs, status, limit))
      out.push_back(alertFrom(r));
    return out;
  });
}

Alert OversightStore::changeAlert(long long id, const std::string& ownerAgs, const std::string& user, bool close,
                                  const std::string& outcome, const std::function<void(const Alert&)>& beforeCommit) {
  return db_.transaction([&](pqxx::work& tx) {
    auto rows = tx.exec_params("SELECT status FROM regfed.alerts WHERE id = $1 AND owner_ags = $2 FOR UPDATE", id,
                               ownerAgs);
    const std::string name = "Alert " + std::to_string(id);
    if (rows.empty())
      throw StateConflict(Failure::NotFound, "not_found", "There is no alert " + std::to_string(id) +
                                                               " of your municipality.");
    const std::string status = rows[0][0].as<std::string>();
    if (status == "closed") throw StateConflict(Failure::Conflict, "already_closed", name + " is already closed.");
    if (!close && status == "acknowledged")
      throw StateConflict(Failure::Conflict, "already_acknowledged", name + " is already acknowledged.");
    if (close)
      tx.exec_params("UPDATE regfed.alerts SET status = 'closed', closed_by = $2, closed_at = now(), outcome = $3, "
                     "acknowledged_by = coalesce(acknowledged_by, $2), "
                     "acknowledged_at = coalesce(acknowledged_at, now()) WHERE id = $1",
                     id, user, outcome);
    else
      tx.exec_params("UPDATE regfed.alerts SET status = 'acknowledged', acknowledged_by = $2, "
                     "acknowledged_at = now() WHERE id = $1",
                     id, user);
    Alert changed = alertFrom(tx.exec_params("SELECT " + alertColumns() + " FROM regfed.alerts WHERE id = $1", id)[0]);
    beforeCommit(changed);
    return changed;
  });
}

std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>> OversightStore::unclosedAlertCounts() {
  return db_.transaction([&](pqxx::work& tx) {
    std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>> out;
    for (const auto& r : tx.exec("SELECT owner_ags, kind, count(*) FROM regfed.alerts WHERE status <> 'closed' "
                                 "GROUP BY 1, 2 ORDER BY 1, 2"))
      out.push_back({{r[0].as<std::string>(), r[1].as<std::string>()}, r[2].as<std::int64_t>()});
    return out;
  });
}

std::vector<Alert> OversightStore::detect(const std::string& node, const std::vector<std::string>& hosted,
                                          const AlertThresholds& t) {
  if (hosted.empty()) return {};
  std::string hostedList = "{";
  for (std::size_t i = 0; i < hosted.size(); ++i) hostedList += (i ? "," : "") + hosted[i];
  hostedList += "}";
  return db_.transaction([&](pqxx::work& tx) {
    // Nodes sharing the database look at their own logs; one detector per database raises at a time.
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('regfed_alert_detector'))");
    const std::string window = std::to_string(t.windowSeconds);
    auto counts = tx.exec_params(
        "SELECT owner_ags, actor_ags, actor, "
        "count(*) FILTER (WHERE decision = 'deny'), "
        "count(*) FILTER (WHERE decision = 'deny' AND reason = ANY($3::text[])), "
        "count(*) FILTER (WHERE decision = 'allow' AND action IN ('get', 'search')), "
        "string_agg(DISTINCT reason, ', ') FILTER (WHERE decision = 'deny') "
        "FROM regfed_audit.events WHERE node = $1 AND time > now() - make_interval(secs => $4::int) "
        "AND owner_ags = ANY($2::text[]) AND action IN ('get', 'search', 'query') "
        "GROUP BY 1, 2, 3",
        node, hostedList, kOutsideMandate, window);
    std::vector<Alert> raised;
    const std::string minutes = std::to_string((t.windowSeconds + 59) / 60);
    for (const auto& r : counts) {
      const std::string owner = r[0].as<std::string>(), actorAgs = r[1].as<std::string>(),
                        actor = r[2].as<std::string>();
      const auto denials = r[3].as<std::int64_t>(), outside = r[4].as<std::int64_t>(),
                 volume = r[5].as<std::int64_t>();
      const std::string reasons = r[6].is_null() ? "" : r[6].as<std::string>();
      const std::string who = actor + " (" + actorAgs + ")";
      std::vector<std::pair<std::string, std::string>> found;
      if (outside >= t.outsideMandate)
        found.push_back({"outside_mandate", who + " asked " + std::to_string(outside) +
                                                " times for more than a mandate gives within " + minutes +
                                                " minutes (refused: " + reasons + ")."});
      if (denials >= t.denials)
        found.push_back({"denial_burst", who + " was refused " + std::to_string(denials) + " times within " +
                                             minutes + " minutes (" + reasons + ")."});
      if (volume >= t.volume)
        found.push_back({"unusual_volume", who + " made " + std::to_string(volume) +
                                               " allowed data requests within " + minutes + " minutes."});
      for (const auto& [kind, detail] : found) {
        auto inserted = tx.exec_params(
            "INSERT INTO regfed.alerts (owner_ags, kind, actor, actor_ags, detail) SELECT $1, $2, $3, $4, $5 "
            "WHERE NOT EXISTS (SELECT 1 FROM regfed.alerts WHERE owner_ags = $1 AND kind = $2 AND actor = $3 AND "
            "actor_ags = $4 AND time > now() - make_interval(secs => $6::int)) RETURNING " + alertColumns(),
            owner, kind, actor, actorAgs, detail, window);
        for (const auto& a : inserted) raised.push_back(alertFrom(a));
      }
    }
    return raised;
  });
}

}  // namespace regfed::core
