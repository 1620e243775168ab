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

std::vector<Alert> OversightStore::alerts(const std::string& ownerAgs, int limit) {
  return db_.transaction([&](pqxx::work& tx) {
    std::vector<Alert> out;
    for (const auto& r :
         tx.exec_params("SELECT id, " + utcText("time") +
                            ", owner_ags, kind, request_id, actor, actor_ags, "
                            "detail FROM regfed.alerts WHERE owner_ags = $1 ORDER BY id DESC LIMIT $2",
                        ownerAgs, limit)) {
      Alert a;
      a.id = r[0].as<long long>();
      a.time = text(r[1]);
      a.ownerAgs = text(r[2]);
      a.kind = text(r[3]);
      a.requestId = text(r[4]);
      a.actor = text(r[5]);
      a.actorAgs = text(r[6]);
      a.detail = text(r[7]);
      out.push_back(a);
    }
    return out;
  });
}

}  // namespace regfed::core
