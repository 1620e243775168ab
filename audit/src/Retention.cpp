#include <regfed/audit/Retention.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <regex>
#include <stdexcept>

namespace regfed::audit {

namespace {

// Which events fall into a category, as SQL over regfed_audit.events with $3 = the IdNr fields (text[]).
// An event disclosing an IdNr field is an IdNr transfer whatever its action; the others go by action, and
// everything not named falls into register_access.
const char* kIdnr = "fields && $3::text[]";
const char* kReviewActions = "(action = 'audit_read' OR action LIKE 'alert\\_%' OR action LIKE 'review\\_%')";
const char* kMandateActions = "action LIKE 'mandate\\_%'";

std::string predicate(const std::string& category) {
  const std::string notIdnr = std::string("NOT (") + kIdnr + ")";
  if (category == "idnr_transfers") return kIdnr;
  if (category == "audit_review") return notIdnr + " AND " + kReviewActions;
  if (category == "mandates") return notIdnr + " AND " + kMandateActions;
  return notIdnr + " AND NOT " + kReviewActions + " AND NOT " + kMandateActions;
}

std::int64_t monthsOf(const RetentionPolicy& p, const std::string& category) {
  if (category == "idnr_transfers") return p.idnrTransfersMonths;
  if (category == "audit_review") return p.auditReviewMonths;
  if (category == "mandates") return p.mandatesMonths;
  return p.registerAccessMonths;
}

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

const std::vector<std::string>& retentionCategories() {
  static const std::vector<std::string> names = {"register_access", "idnr_transfers", "audit_review",
                                                 "mandates"};
  return names;
}

std::string retentionCategory(const std::string& action, const std::vector<std::string>& fields,
                              const std::vector<std::string>& idnrFields) {
  for (const auto& f : fields)
    if (std::find(idnrFields.begin(), idnrFields.end(), f) != idnrFields.end()) return "idnr_transfers";
  if (action == "audit_read" || startsWith(action, "alert_") || startsWith(action, "review_"))
    return "audit_review";
  if (startsWith(action, "mandate_")) return "mandates";
  return "register_access";
}

std::vector<PruneResult> pruneEvents(const std::string& dsn, const std::string& node,
                                     const RetentionPolicy& policy, const std::string& today, bool dryRun,
                                     std::int64_t batchSize) {
  static const std::regex fieldName(R"([a-z][a-z0-9_]{0,62})");
  static const std::regex day(R"(\d{4}-\d{2}-\d{2})");
  if (!today.empty() && !std::regex_match(today, day))
    throw std::invalid_argument("--today must be a date YYYY-MM-DD, not '" + today + "'");
  if (batchSize < 1) throw std::invalid_argument("the batch size must be positive");
  // The field names are checked, so the array literal needs no quoting.
  std::string idnr = "{";
  for (const auto& f : policy.idnrFields) {
    if (!std::regex_match(f, fieldName)) throw std::invalid_argument("'" + f + "' is not a field name");
    idnr += (idnr.size() > 1 ? "," : "") + f;
  }
  idnr += "}";

  pqxx::connection c(dsn);
  std::vector<PruneResult> out;
  for (const std::string& category : retentionCategories()) {
    PruneResult r;
    r.category = category;
    r.months = monthsOf(policy, category);
    {
      pqxx::nontransaction tx(c);
      // A Berlin day's start (or now) minus whole calendar months, as PostgreSQL's calendar counts them.
      const std::string utc = " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
      auto row = today.empty()
                     ? tx.exec_params("SELECT to_char((now() - make_interval(months => $1::int))" + utc,
                                      static_cast<int>(r.months))
                     : tx.exec_params(
                           "SELECT to_char((($1::date - make_interval(months => $2::int))::timestamp "
                           "AT TIME ZONE 'Europe/Berlin')" +
                               utc,
                           today, static_cast<int>(r.months));
      r.cutoff = row[0][0].as<std::string>();
    }
    const std::string where =
        "node = $1 AND pruned_at IS NULL AND time < $2::timestamptz AND " + predicate(category);
    auto take = [&r](const pqxx::row& row) {
      const std::int64_t n = row[0].as<std::int64_t>();
      if (n == 0) return n;
      if (!r.firstSeq) r.firstSeq = row[1].as<std::int64_t>();
      r.firstSeq = std::min(*r.firstSeq, row[1].as<std::int64_t>());
      r.lastSeq = std::max(r.lastSeq.value_or(0), row[2].as<std::int64_t>());
      r.events += n;
      return n;
    };
    if (dryRun) {
      pqxx::nontransaction tx(c);
      take(tx.exec_params("SELECT count(*), min(seq), max(seq) FROM regfed_audit.events WHERE " + where, node,
                          r.cutoff, idnr)[0]);
      out.push_back(r);
      continue;
    }
    auto record = [&] {
      if (r.events == 0) return;
      pqxx::work tx(c);
      tx.exec_params(
          "INSERT INTO regfed_audit.prunings (node, category, cutoff, events, first_seq, last_seq) "
          "VALUES ($1, $2, $3::timestamptz, $4, $5, $6)",
          node, category, r.cutoff, r.events, *r.firstSeq, *r.lastSeq);
      tx.commit();
    };
    try {
      // Short transactions: the node keeps appending meanwhile, and a long run can be stopped and repeated.
      for (;;) {
        pqxx::work tx(c);
        auto row = tx.exec_params(
            "WITH pruned AS (UPDATE regfed_audit.events SET actor = '', purpose = NULL, case_ref = NULL, "
            "criteria = NULL, subjects = '{}', withheld = '{}', correlation_id = NULL, pruned_at = now() "
            "WHERE node = $1 AND pruned_at IS NULL AND seq IN (SELECT seq FROM regfed_audit.events WHERE " +
                where +
                " ORDER BY seq LIMIT $4) RETURNING seq) SELECT count(*), min(seq), max(seq) FROM pruned",
            node, r.cutoff, idnr, batchSize)[0];
        tx.commit();
        if (take(row) < batchSize) break;
      }
    } catch (...) {
      // What was pruned before the failure is recorded all the same.
      try {
        record();
      } catch (...) {
      }
      throw;
    }
    record();
    out.push_back(r);
  }
  return out;
}

}  // namespace regfed::audit
