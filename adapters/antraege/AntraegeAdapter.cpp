// antraege adapter: the Online-Anträge a municipality receives, held in PostgreSQL (schemas/antraege.sql).
// The database is the authority on an item's state: claim, release and complete are single UPDATE statements
// that decide atomically, take every time from the database clock, and append the history row in the same
// statement.
//
// Options: "conninfo" (libpq connection string, required), "municipality" (8-digit AGS whose items are
// served, required), "schema" (default "antraege"), "pool_size" (default 4). Every call runs in one
// transaction with statement_timeout set to the request's timeoutMs (5 s when 0).

#include <regfed/sdk/Export.h>

#include <algorithm>

#include "ConnectionPool.h"
#include "Options.h"
#include "Statements.h"

namespace regfed::adapters::antraege {

using namespace regfed::sdk;
using sql::ConnectionPool;

namespace {

constexpr std::int64_t kDefaultTimeoutMs = 5000;
constexpr std::int64_t kMaxListLimit = 500;
constexpr std::int64_t kMaxLeaseSeconds = 24 * 60 * 60;
constexpr std::size_t kMaxHolderBytes = 256;
constexpr std::size_t kMaxNoteCharacters = 2000;
// A claim that finds its item freed between its UPDATE and the look at who holds it tries again this often.
constexpr int kClaimAttempts = 3;

using ReadTransaction = pqxx::read_transaction;
// get() reads an item with several statements; one snapshot keeps them consistent.
using SnapshotTransaction = pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::read_only>;
using WriteTransaction = pqxx::work;

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string sqlLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Every pooled connection: the default timeout, UTF-8, and UTC (times are formatted in SQL anyway).
std::string sessionSetup(const std::string& procedureId) {
  return "SET statement_timeout = " + std::to_string(kDefaultTimeoutMs) +
         "; SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET application_name = " +
         sqlLiteral("regfed " + procedureId);
}

std::size_t utf8Characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Class 08 (connection exception) and 57P (operator intervention, e.g. a restart): the connection is gone.
bool connectionLost(const std::string& sqlstate) {
  return sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0;
}

// libpqxx 6 leaves sqlstate() empty for some of its exception classes, so the class is asked too.
bool refusedValue(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 ||
         dynamic_cast<const pqxx::data_exception*>(&e) != nullptr ||
         dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr;
}

// Missing tables or columns (class 42, 3F) or missing privileges: the schema is not what the adapter needs.
bool schemaMismatch(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return state.rfind("42", 0) == 0 || state.rfind("3F", 0) == 0 ||
         dynamic_cast<const pqxx::syntax_error*>(&e) != nullptr ||
         dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr;
}

Status fromSqlError(const pqxx::sql_error& e) {
  if (e.sqlstate() == "57014") return Status::error(StatusCode::Timeout, "statement timed out");
  if (refusedValue(e))
    return Status::error(StatusCode::InvalidArgument, "the database refused a value: " + firstLine(e.what()));
  return Status::error(StatusCode::Unavailable,
                       "database error " + e.sqlstate() + ": " + firstLine(e.what()));
}

std::string text(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

WorkItemSummary toSummary(const pqxx::row& r) {
  WorkItemSummary s{text(r[kId]), text(r[kKind]), text(r[kTitle]), text(r[kReceived]), text(r[kStatus]), {}};
  if (!r[kHolder].is_null()) s.claim = Claim{text(r[kHolder]), text(r[kSince]), text(r[kExpires])};
  return s;
}

Status checkHolder(const std::string& holder) {
  if (holder.empty() || holder.size() > kMaxHolderBytes)
    return Status::error(StatusCode::InvalidArgument,
                         "holder must be 1 to " + std::to_string(kMaxHolderBytes) + " bytes");
  return Status::success();
}

}  // namespace

class AntraegeAdapter : public ProcedureAdapter {
 public:
  Status open(const OpenRequest& request) override {
    Options options;
    std::vector<std::string> problems = parseOptions(request.options, options);
    if (!problems.empty()) {
      std::string message;
      for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
      return Status::error(StatusCode::InvalidArgument, message);
    }
    ags_ = options.municipality;
    schema_ = options.schema;
    statements_ = statements(options.schema);
    pool_ = std::make_unique<ConnectionPool>(options.conninfo, options.poolSize,
                                             sessionSetup(request.registerId));
    return run<ReadTransaction>(0, [&](pqxx::transaction_base& tx) {
      if (Status s = probeSchema(tx); !s.ok()) return s;
      kinds_.clear();
      for (const auto& row : tx.exec_prepared(statement::kKinds, ags_)) kinds_.push_back(text(row[0]));
      return Status::success();
    });
  }

  ProcedureDescription describe() const override {
    ProcedureDescription d;
    d.kinds = kinds_;
    d.capabilities.claim = true;
    d.capabilities.attachments = true;
    return d;
  }

  Status list(const ListItemsRequest& request, ListItemsResult& result) override {
    static const std::vector<std::string> statuses = {"open", "needs_info", "approved", "rejected"};
    if (std::find(statuses.begin(), statuses.end(), request.status) == statuses.end())
      return Status::error(StatusCode::InvalidArgument,
                           "status must be one of open, needs_info, approved, rejected");
    if (request.limit < 1 || request.limit > kMaxListLimit)
      return Status::error(StatusCode::InvalidArgument,
                           "limit must be from 1 to " + std::to_string(kMaxListLimit));
    ListItemsResult page;
    Status status = run<ReadTransaction>(request.timeoutMs, [&](pqxx::transaction_base& tx) {
      page = {};
      // One row more than asked tells whether another page follows.
      auto rows = tx.exec_prepared(statement::kList, ags_, request.status, request.after, request.limit + 1);
      for (const auto& row : rows) page.items.push_back(toSummary(row));
      page.more = static_cast<std::int64_t>(page.items.size()) > request.limit;
      if (page.more) page.items.pop_back();
      if (page.items.empty() && !request.after.empty() && !exists(tx, request.after))
        return Status::error(StatusCode::InvalidArgument, "there is no item to continue after");
      return Status::success();
    });
    if (status.ok()) result = std::move(page);
    return status;
  }

  Status get(const ItemRequest& request, std::optional<WorkItem>& item) override {
    std::optional<WorkItem> found;
    Status status = run<SnapshotTransaction>(request.timeoutMs, [&](pqxx::transaction_base& tx) {
      found = readItem(tx, request.id);
      return Status::success();
    });
    if (status.ok()) item = std::move(found);
    return status;
  }

  Status claim(const ClaimRequest& request, ClaimResult& result) override {
    if (Status s = checkHolder(request.holder); !s.ok()) return s;
    if (request.leaseSeconds < 1 || request.leaseSeconds > kMaxLeaseSeconds)
      return Status::error(StatusCode::InvalidArgument,
                           "leaseSeconds must be from 1 to " + std::to_string(kMaxLeaseSeconds));
    ClaimResult outcome;
    Status status = run<WriteTransaction>(request.timeoutMs, [&](pqxx::transaction_base& tx) {
      for (int attempt = 0; attempt < kClaimAttempts; ++attempt)
        if (tryClaim(tx, request, outcome)) return Status::success();
      return Status::error(StatusCode::Unavailable, "the item changed hands while claiming it; try again");
    });
    if (status.ok()) result = outcome;
    return status;
  }

  Status release(const ReleaseRequest& request, ChangeOutcome& outcome) override {
    if (Status s = checkHolder(request.holder); !s.ok()) return s;
    return change(request.timeoutMs, request.id, outcome, [&](pqxx::transaction_base& tx) {
      return tx.exec_prepared(statement::kRelease, ags_, request.id, request.holder);
    });
  }

  Status complete(const CompleteRequest& request, ChangeOutcome& outcome) override {
    if (Status s = checkHolder(request.holder); !s.ok()) return s;
    if (utf8Characters(request.note) > kMaxNoteCharacters)
      return Status::error(StatusCode::InvalidArgument,
                           "the note has more than " + std::to_string(kMaxNoteCharacters) + " characters");
    const std::string status = decisionName(request.decision);
    return change(request.timeoutMs, request.id, outcome, [&](pqxx::transaction_base& tx) {
      return tx.exec_prepared(statement::kComplete, ags_, request.id, request.holder, status, request.note);
    });
  }

  Health health() override {
    Status status = run<ReadTransaction>(0, [](pqxx::transaction_base& tx) {
      tx.exec("SELECT 1");
      return Status::success();
    });
    return status.ok() ? Health{true, "database reachable"} : Health{false, status.message};
  }

  void validateOptions(const std::vector<Option>& options,
                       std::vector<std::string>& problems) const override {
    Options ignored;
    for (auto& p : parseOptions(options, ignored)) problems.push_back(std::move(p));
  }

 private:
  // Runs `work` in a transaction of type T on a pooled connection and maps every failure to a status. A
  // connection that died while idle (PostgreSQL restarted) is replaced and the work repeated once: safe for
  // writes too, because a transaction that never committed changed nothing.
  template <class T, class Work>
  Status run(std::int64_t timeoutMs, Work work) {
    if (!pool_) return Status::error(StatusCode::Unavailable, "the procedure is not open");
    try {
      auto lease = pool_->acquire(std::chrono::milliseconds(timeoutMs > 0 ? timeoutMs : kDefaultTimeoutMs));
      return runOn<T>(lease, timeoutMs, work);
    } catch (const std::exception& e) {
      return Status::error(StatusCode::Unavailable, firstLine(e.what()));
    }
  }

  template <class T, class Work>
  Status runOn(ConnectionPool::Lease& lease, std::int64_t timeoutMs, Work& work) {
    for (int attempt = 0;; ++attempt) {
      try {
        for (const auto& [name, sql] : statements_) lease.ensurePrepared(name, sql);
        T tx(lease.connection());
        if (timeoutMs > 0) tx.exec_prepared(statement::kTimeout, std::to_string(timeoutMs));
        Status status = work(tx);
        if (status.ok()) tx.commit();
        return status;
      } catch (const pqxx::in_doubt_error&) {
        lease.discard();
        return Status::error(
            StatusCode::Unavailable,
            "the database connection broke while committing; the change may not have been made");
      } catch (const pqxx::broken_connection& e) {
        lease.discard();
        if (attempt == 0) continue;
        return Status::error(StatusCode::Unavailable, "database unavailable: " + firstLine(e.what()));
      } catch (const pqxx::sql_error& e) {
        if (!connectionLost(e.sqlstate())) return fromSqlError(e);
        lease.discard();
        if (attempt == 0) continue;
        return fromSqlError(e);
      } catch (const std::exception& e) {
        return Status::error(StatusCode::Internal, "antraege adapter: " + firstLine(e.what()));
      } catch (...) {
        return Status::error(StatusCode::Internal, "antraege adapter: unknown failure");
      }
    }
  }

  // A schema without the expected tables or privileges is a configuration problem, not an outage.
  Status probeSchema(pqxx::transaction_base& tx) {
    try {
      tx.exec(schemaProbe(schema_));
      return Status::success();
    } catch (const pqxx::sql_error& e) {
      if (!schemaMismatch(e)) throw;
      const std::string problem =
          "schema '" + schema_ + "' lacks the antraege tables or the privileges on them";
      return Status::error(StatusCode::InvalidArgument,
                           problem + " (see schemas/antraege.sql): " + firstLine(e.what()));
    }
  }

  bool exists(pqxx::transaction_base& tx, const std::string& id) {
    return !tx.exec_prepared(statement::kExists, ags_, id).empty();
  }

  std::optional<WorkItem> readItem(pqxx::transaction_base& tx, const std::string& id) {
    auto summary = tx.exec_prepared(statement::kSummary, ags_, id);
    if (summary.empty()) return std::nullopt;
    WorkItem item;
    item.summary = toSummary(summary[0]);
    for (const auto& r : tx.exec_prepared(statement::kApplicant, ags_, id))
      item.applicant.push_back({text(r[0]), text(r[1]), text(r[2])});
    for (const auto& r : tx.exec_prepared(statement::kReferences, ags_, id))
      item.references.push_back({text(r[0]), text(r[1]), text(r[2])});
    for (const auto& r : tx.exec_prepared(statement::kAttachments, ags_, id))
      item.attachments.push_back({text(r[0]), text(r[1]), r[2].as<std::int64_t>(), text(r[3])});
    for (const auto& r : tx.exec_prepared(statement::kHistory, ags_, id))
      item.history.push_back({text(r[0]), text(r[1]), text(r[2]), text(r[3])});
    return item;
  }

  // One claim attempt: the UPDATE decides; when it changed nothing, the item's state says why. Returns false
  // when the item was freed in between, so the caller tries again.
  bool tryClaim(pqxx::transaction_base& tx, const ClaimRequest& request, ClaimResult& out) {
    auto taken = tx.exec_prepared(statement::kClaim, ags_, request.id, request.holder, request.leaseSeconds);
    if (!taken.empty()) {
      out.outcome = taken[0][0].as<bool>() ? ClaimOutcome::Claimed : ClaimOutcome::Renewed;
      out.claim = Claim{text(taken[0][1]), text(taken[0][2]), text(taken[0][3])};
      return true;
    }
    auto state = tx.exec_prepared(statement::kClaimState, ags_, request.id);
    if (state.empty()) {
      out = ClaimResult{ClaimOutcome::NotFound, {}};
      return true;
    }
    const pqxx::row r = state[0];
    if (text(r[0]) != "open") {
      out = ClaimResult{ClaimOutcome::NotOpen, {}};
      return true;
    }
    if (!r[1].as<bool>()) return false;
    out = ClaimResult{ClaimOutcome::HeldByOther, Claim{text(r[2]), text(r[3]), text(r[4])}};
    return true;
  }

  // Release and complete: `update` returns the number of items it changed; when none, the item's state says
  // why.
  template <class Update>
  Status change(std::int64_t timeoutMs, const std::string& id, ChangeOutcome& outcome, Update update) {
    ChangeOutcome result = ChangeOutcome::NotFound;
    Status status = run<WriteTransaction>(timeoutMs, [&](pqxx::transaction_base& tx) {
      if (update(tx)[0][0].template as<std::int64_t>() > 0) {
        result = ChangeOutcome::Done;
        return Status::success();
      }
      auto state = tx.exec_prepared(statement::kExists, ags_, id);
      if (state.empty())
        result = ChangeOutcome::NotFound;
      else
        result = text(state[0][0]) == "open" ? ChangeOutcome::NotHeld : ChangeOutcome::NotOpen;
      return Status::success();
    });
    if (status.ok()) outcome = result;
    return status;
  }

  std::string ags_;
  std::string schema_;
  std::map<std::string, std::string> statements_;
  std::vector<std::string> kinds_;  // read-only after open()
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace regfed::adapters::antraege

REGFED_EXPORT_PROCEDURE(regfed::adapters::antraege::AntraegeAdapter, "antraege",
                        "Online-Anträge in PostgreSQL, claimed and decided atomically in the database")
