#include "MandateStore.h"

#include <regfed/audit/AuditEvent.h>

namespace regfed::core {

namespace {

// Every column a Mandate is read from, in fromRow() order.
const std::string kColumns =
    "id, kind, owner_ags, helper_ags, helpers, registers, procedures, operations, fields, purpose, agreement, "
    "valid_from::text, valid_until::text, created_by, " +
    utcText("created_at") + ", coalesce(owner_approved_by, ''), " + utcText("owner_approved_at") +
    ", coalesce(helper_approved_by, ''), " + utcText("helper_approved_at") + ", coalesce(revoked_by, ''), " +
    utcText("revoked_at") + ", revoked_on::text, coalesce(owner_node, ''), coalesce(pending, '')";

std::vector<std::string> textArray(const pqxx::field& f) {
  std::vector<std::string> out;
  auto parser = f.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::done; item = parser.get_next())
    if (item.first == pqxx::array_parser::string_value) out.push_back(item.second);
  return out;
}

std::string arrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Mandate fromRow(const pqxx::row& r) {
  Mandate m;
  m.id = r[0].as<std::string>();
  m.kind = r[1].as<std::string>() == "emergency" ? MandateKind::Emergency : MandateKind::Support;
  m.ownerAgs = r[2].as<std::string>();
  m.helperAgs = r[3].as<std::string>();
  m.helpers = textArray(r[4]);
  m.registers = textArray(r[5]);
  m.procedures = textArray(r[6]);
  m.operations = textArray(r[7]);
  m.fields = textArray(r[8]);
  m.purpose = r[9].as<std::string>();
  m.agreement = r[10].as<std::string>();
  m.validFrom = parseDay(r[11].as<std::string>()).value_or(0);
  m.validUntil = parseDay(r[12].as<std::string>()).value_or(0);
  m.createdBy = r[13].as<std::string>();
  m.createdAt = r[14].as<std::string>();
  m.ownerApprovedBy = r[15].as<std::string>();
  m.ownerApprovedAt = r[16].as<std::string>();
  m.helperApprovedBy = r[17].as<std::string>();
  m.helperApprovedAt = r[18].as<std::string>();
  m.revokedBy = r[19].as<std::string>();
  m.revokedAt = r[20].as<std::string>();
  if (!r[21].is_null()) m.revokedOn = parseDay(r[21].as<std::string>());
  m.ownerNode = r[22].as<std::string>();
  m.pending = r[23].as<std::string>();
  return m;
}

const std::string kActivationColumns = "mandate, actor, actor_ags, day::text, " + utcText("opened_at") + ", " +
                                       utcText("ends_at") + ", reason, now() < ends_at";

Activation activationFrom(const pqxx::row& r) {
  return Activation{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                    r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                    r[6].as<std::string>(), r[7].as<bool>()};
}

Mandate lockRow(pqxx::work& tx, const std::string& id) {
  auto rows = tx.exec_params("SELECT " + kColumns + " FROM regfed.mandates WHERE id = $1 FOR UPDATE", id);
  if (rows.empty()) throw StateConflict(Failure::NotFound, "mandate_not_found", "There is no mandate " + id + ".");
  return fromRow(rows[0]);
}

Mandate reread(pqxx::work& tx, const std::string& id) {
  return fromRow(tx.exec_params("SELECT " + kColumns + " FROM regfed.mandates WHERE id = $1", id)[0]);
}

}  // namespace

void MandateStore::refresh() {
  auto loaded = db_.transaction([](pqxx::work& tx) {
    std::map<std::string, Mandate> out;
    for (const auto& r : tx.exec("SELECT " + kColumns + " FROM regfed.mandates")) {
      Mandate m = fromRow(r);
      out[m.id] = m;
    }
    return out;
  });
  std::unique_lock<std::shared_mutex> lock(mutex_);
  mandates_ = std::move(loaded);
}

std::optional<Mandate> MandateStore::find(const std::string& id) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = mandates_.find(id);
  if (it == mandates_.end()) return std::nullopt;
  return it->second;
}

std::vector<Mandate> MandateStore::all() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<Mandate> out;
  for (const auto& [id, m] : mandates_) out.push_back(m);
  return out;
}

void MandateStore::remember(const Mandate& m) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  mandates_[m.id] = m;
}

Mandate MandateStore::create(Mandate m, const std::function<void(const Mandate&)>& beforeCommit) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    const int year = yearOf(berlinToday());
    const int number =
        tx.exec_params(
              "INSERT INTO regfed.mandate_ids (year, last) VALUES ($1, 1) "
              "ON CONFLICT (year) DO UPDATE SET last = regfed.mandate_ids.last + 1 RETURNING last",
              year)[0][0]
            .as<int>();
    // The owner's AGS makes the id unique in the whole federation (each municipality has one node) and tells
    // any node where the mandate lives: M-15088220-2026-0001.
    char id[64];
    std::snprintf(id, sizeof id, "M-%s-%d-%04d", m.ownerAgs.c_str(), year, number);
    tx.exec_params(
        "INSERT INTO regfed.mandates (id, owner_ags, helper_ags, helpers, registers, procedures, operations, "
        "fields, purpose, agreement, valid_from, valid_until, created_by, kind) "
        "VALUES ($1, $2, $3, $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9, $10, $11::date, "
        "$12::date, $13, $14)",
        std::string(id), m.ownerAgs, m.helperAgs, arrayLiteral(m.helpers), arrayLiteral(m.registers),
        arrayLiteral(m.procedures), arrayLiteral(m.operations), arrayLiteral(m.fields), m.purpose,
        m.agreement, formatDay(m.validFrom), formatDay(m.validUntil), m.createdBy,
        std::string(mandateKindName(m.kind)));
    Mandate created = reread(tx, id);
    beforeCommit(created);
    return created;
  });
  remember(stored);
  return stored;
}

Mandate MandateStore::approve(
    const std::string& id, Side side, const std::string& user,
    const std::function<void(const Mandate&, const std::map<int, std::int64_t>&)>& check,
    const std::function<void(const Mandate&)>& beforeCommit, std::int64_t pendingMs) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    Mandate current = lockRow(tx, id);
    // Serialise approvals that count against the same quota, across every node sharing this database.
    for (int year = yearOf(current.validFrom); year <= yearOf(current.validUntil); ++year)
      tx.exec_params(
          "SELECT pg_advisory_xact_lock(hashtext($1))",
          "regfed_quota/" + current.helperAgs + "/" + current.agreement + "/" + std::to_string(year));
    std::map<int, std::int64_t> used;
    for (const auto& r :
         tx.exec_params("SELECT " + kColumns +
                            " FROM regfed.mandates WHERE helper_ags = $1 AND agreement = $2 AND id <> $3 "
                            "AND kind = 'support' AND helper_approved_by IS NOT NULL",
                        current.helperAgs, current.agreement, id)) {
      Mandate other = fromRow(r);
      for (int year = yearOf(current.validFrom); year <= yearOf(current.validUntil); ++year)
        used[year] += other.supportDaysIn(year);
    }
    check(current, used);
    if (pendingMs > 0)
      tx.exec_params(
          "UPDATE regfed.mandates SET helper_approved_by = $2, helper_approved_at = now(), pending = 'approve', "
          "pending_until = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1",
          id, user, pendingMs);
    else
      tx.exec_params(
          side == Side::Owner
              ? "UPDATE regfed.mandates SET owner_approved_by = $2, owner_approved_at = now() WHERE id = $1"
              : "UPDATE regfed.mandates SET helper_approved_by = $2, helper_approved_at = now() WHERE id = $1",
          id, user);
    Mandate updated = reread(tx, id);
    beforeCommit(updated);
    return updated;
  });
  remember(stored);
  return stored;
}

Mandate MandateStore::revoke(const std::string& id, const std::string& user, Day today,
                             const std::function<void(const Mandate&)>& check,
                             const std::function<void(const Mandate&)>& beforeCommit, bool forwarded) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    Mandate current = lockRow(tx, id);
    check(current);
    tx.exec_params(
        "UPDATE regfed.mandates SET revoked_by = $2, revoked_at = now(), revoked_on = $3::date, "
        "pending = CASE WHEN $4 THEN 'revoke' END, pending_until = NULL WHERE id = $1",
        id, user, formatDay(today), forwarded);
    Mandate updated = reread(tx, id);
    beforeCommit(updated);
    return updated;
  });
  remember(stored);
  return stored;
}

Mandate MandateStore::settle(const Mandate& owners, const std::string& node, bool answer) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    auto rows = tx.exec_params("SELECT " + kColumns + ", coalesce(pending_until < now(), true) FROM "
                               "regfed.mandates WHERE id = $1 FOR UPDATE",
                               owners.id);
    Mandate next = owners;
    next.pending.clear();
    if (!rows.empty()) {
      const Mandate here = fromRow(rows[0]);
      if (here.ownerNode.empty())
        throw StateConflict(Failure::Conflict, "mandate_lives_here",
                            "Mandate " + owners.id + " lives at this node; node " + node + " cannot change it.");
      const bool ownerRevoked = !owners.revokedBy.empty();
      if (!here.revokedBy.empty() && !ownerRevoked) {
        // Revoked here: the owner's listing never brings it back; still to be delivered unless settled.
        next.revokedBy = here.revokedBy;
        next.revokedAt = here.revokedAt;
        next.revokedOn = here.revokedOn;
        next.pending = here.pending == "revoke" ? "revoke" : "";
      }
      // The helper side's approval is this node's own decision: a listing never makes or unmakes it (an owner
      // cannot spend the helper municipality's quota, and a listing older than an answer cannot undo it). It only
      // settles an approval forwarded from here: confirmed when the owner shows it, released when the
      // reservation ran out without it.
      const bool reservationOver = rows[0][24].as<bool>();
      const bool confirmed = here.pending == "approve" && !owners.helperApprovedBy.empty();
      const bool released = here.pending == "approve" && owners.helperApprovedBy.empty() && reservationOver;
      if (!answer && !confirmed && !released) {
        next.helperApprovedBy = here.helperApprovedBy;
        next.helperApprovedAt = here.helperApprovedAt;
        if (here.pending == "approve") next.pending = "approve";
      }
    } else if (!answer) {
      next.helperApprovedBy.clear();  // nothing was approved from here
      next.helperApprovedAt.clear();
    }
    const std::string revokedOn = next.revokedOn ? formatDay(*next.revokedOn) : "";
    tx.exec_params(
        "INSERT INTO regfed.mandates (id, owner_ags, helper_ags, helpers, registers, procedures, operations, "
        "fields, purpose, agreement, valid_from, valid_until, created_by, kind, created_at, owner_approved_by, "
        "owner_approved_at, helper_approved_by, helper_approved_at, revoked_by, revoked_at, revoked_on, "
        "owner_node, pending, pending_until) "
        "VALUES ($1, $2, $3, $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9, $10, $11::date, "
        "$12::date, $13, $14, coalesce(NULLIF($15, '')::timestamptz, now()), NULLIF($16, ''), "
        "NULLIF($17, '')::timestamptz, NULLIF($18, ''), NULLIF($19, '')::timestamptz, NULLIF($20, ''), "
        "NULLIF($21, '')::timestamptz, NULLIF($22, '')::date, $23, NULLIF($24, ''), NULL) "
        "ON CONFLICT (id) DO UPDATE SET owner_ags = EXCLUDED.owner_ags, helper_ags = EXCLUDED.helper_ags, "
        "helpers = EXCLUDED.helpers, registers = EXCLUDED.registers, procedures = EXCLUDED.procedures, "
        "operations = EXCLUDED.operations, fields = EXCLUDED.fields, purpose = EXCLUDED.purpose, "
        "agreement = EXCLUDED.agreement, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until, "
        "created_by = EXCLUDED.created_by, kind = EXCLUDED.kind, created_at = EXCLUDED.created_at, "
        "owner_approved_by = EXCLUDED.owner_approved_by, owner_approved_at = EXCLUDED.owner_approved_at, "
        "helper_approved_by = EXCLUDED.helper_approved_by, helper_approved_at = EXCLUDED.helper_approved_at, "
        "revoked_by = EXCLUDED.revoked_by, revoked_at = EXCLUDED.revoked_at, revoked_on = EXCLUDED.revoked_on, "
        "owner_node = EXCLUDED.owner_node, pending = EXCLUDED.pending, "
        "pending_until = CASE WHEN EXCLUDED.pending = 'approve' THEN regfed.mandates.pending_until END",
        next.id, next.ownerAgs, next.helperAgs, arrayLiteral(next.helpers), arrayLiteral(next.registers),
        arrayLiteral(next.procedures), arrayLiteral(next.operations), arrayLiteral(next.fields), next.purpose,
        next.agreement, formatDay(next.validFrom), formatDay(next.validUntil), next.createdBy,
        std::string(mandateKindName(next.kind)), next.createdAt, next.ownerApprovedBy, next.ownerApprovedAt,
        next.helperApprovedBy, next.helperApprovedAt, next.revokedBy, next.revokedAt, revokedOn, node,
        next.pending);
    return reread(tx, owners.id);
  });
  remember(stored);
  return stored;
}

void MandateStore::settlePendingRevocation(const std::string& id) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    tx.exec_params("UPDATE regfed.mandates SET pending = NULL WHERE id = $1 AND pending = 'revoke'", id);
    return reread(tx, id);
  });
  remember(stored);
}

void MandateStore::release(const std::string& id) {
  Mandate stored = db_.transaction([&](pqxx::work& tx) {
    tx.exec_params(
        "UPDATE regfed.mandates SET helper_approved_by = NULL, helper_approved_at = NULL, pending = NULL, "
        "pending_until = NULL WHERE id = $1 AND pending = 'approve'",
        id);
    return reread(tx, id);
  });
  remember(stored);
}

std::int64_t MandateStore::usedDays(const std::string& helperAgs, const std::string& agreement,
                                    int year) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::int64_t used = 0;
  for (const auto& [id, m] : mandates_)
    if (m.helperAgs == helperAgs && m.agreement == agreement && !m.helperApprovedBy.empty())
      used += m.supportDaysIn(year);  // 0 for emergency mandates
  return used;
}

Activation MandateStore::activate(
    const std::string& id, const std::string& actor, const std::string& actorAgs, Day today,
    std::int64_t windowMinutes, const std::string& reason,
    const std::function<void(const Mandate&, const std::optional<Activation>&)>& check,
    const std::function<void(const Activation&, bool, pqxx::work&)>& beforeCommit) {
  return db_.transaction([&](pqxx::work& tx) {
    // The row lock serialises activations of one mandate, so one responder cannot open two windows a day.
    Mandate current = lockRow(tx, id);
    std::optional<Activation> existing;
    auto rows = tx.exec_params("SELECT " + kActivationColumns +
                                   " FROM regfed.emergency_activations WHERE mandate = $1 AND actor = $2 "
                                   "AND actor_ags = $3 AND day = $4::date",
                               id, actor, actorAgs, formatDay(today));
    if (!rows.empty()) existing = activationFrom(rows[0]);
    check(current, existing);
    if (existing) {
      beforeCommit(*existing, false, tx);
      return *existing;
    }
    Activation opened = activationFrom(tx.exec_params(
        "INSERT INTO regfed.emergency_activations (mandate, actor, actor_ags, day, ends_at, reason) "
        "VALUES ($1, $2, $3, $4::date, now() + make_interval(mins => $5), $6) RETURNING " +
            kActivationColumns,
        id, actor, actorAgs, formatDay(today), static_cast<int>(windowMinutes), reason)[0]);
    beforeCommit(opened, true, tx);
    return opened;
  });
}

bool MandateStore::emergencyWindowOpen(const std::string& id, const std::string& actor,
                                       const std::string& actorAgs) {
  return db_.transaction([&](pqxx::work& tx) {
    return tx
        .exec_params(
            "SELECT EXISTS (SELECT 1 FROM regfed.emergency_activations WHERE mandate = $1 AND actor = $2 "
            "AND actor_ags = $3 AND opened_at <= now() AND now() < ends_at)",
            id, actor, actorAgs)[0][0]
        .as<bool>();
  });
}

}  // namespace regfed::core
