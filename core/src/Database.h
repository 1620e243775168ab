#pragma once
// A small pool of PostgreSQL connections for the node's own state (mandates, reviews, alerts, emergency
// activations) and for questions the audit log answers on the request path (search-before-get). A broken
// connection is dropped and replaced on the next use.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "Answer.h"

namespace regfed::core {

/// The database could not be reached; the caller answers 503.
class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// SQL that renders a timestamptz column as UTC RFC 3339 text ("" for null), as the API shows times.
inline std::string utcText(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";
}

/// A refused state change: kind, code, message, and figures (a JSON object) for the caller.
struct StateConflict : std::runtime_error {
  StateConflict(Failure kind, std::string code, const std::string& message, std::string details = "",
                std::vector<std::string> fields = {})
      : std::runtime_error(message),
        kind(kind),
        code(std::move(code)),
        details(std::move(details)),
        fields(std::move(fields)) {}
  Failure kind;                     ///< Forbidden, NotFound, Conflict or Invalid.
  std::string code;                 ///< e.g. "quota_exceeded".
  std::string details;              ///< JSON object with figures, or empty.
  std::vector<std::string> fields;  ///< Field names concerned, if any.

  /// The refusal as a service answers it.
  RequestError error() const { return RequestError{kind, code, what(), fields, details}; }
};

/// Up to `size` connections, opened on demand.
class Database {
 public:
  explicit Database(std::string dsn, std::size_t size = 4)
      : dsn_(std::move(dsn)), slots_(size), inUse_(size, false) {}

  /// Runs `work(tx)` in a transaction on a free connection and commits; returns its result. Waits up to
  /// 2 s for a free connection. Connection failures become DatabaseUnavailable; other exceptions propagate
  /// after rollback.
  template <class Work>
  auto transaction(Work work) {
    Lease lease(*this);
    try {
      std::unique_ptr<pqxx::connection>& connection = slots_[lease.index];
      if (!connection || !connection->is_open()) connection = std::make_unique<pqxx::connection>(dsn_);
      pqxx::work tx(*connection);
      if constexpr (std::is_void_v<decltype(work(tx))>) {
        work(tx);
        tx.commit();
      } else {
        auto result = work(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::broken_connection& e) {
      slots_[lease.index].reset();
      throw DatabaseUnavailable(std::string("database unreachable: ") + e.what());
    }
  }

 private:
  // Exclusive use of one slot for the duration of a transaction.
  struct Lease {
    explicit Lease(Database& db) : db(db) {
      std::unique_lock<std::mutex> lock(db.mutex_);
      if (!db.freed_.wait_for(lock, std::chrono::seconds(2), [&] { return db.busy_ < db.slots_.size(); }))
        throw DatabaseUnavailable("all database connections are busy");
      for (index = 0; db.inUse_[index]; ++index) {
      }
      db.inUse_[index] = true;
      ++db.busy_;
    }
    ~Lease() {
      {
        std::lock_guard<std::mutex> lock(db.mutex_);
        db.inUse_[index] = false;
        --db.busy_;
      }
      db.freed_.notify_one();
    }
    Database& db;
    std::size_t index = 0;
  };

  std::string dsn_;
  std::vector<std::unique_ptr<pqxx::connection>> slots_;
  std::vector<bool> inUse_;
  std::size_t busy_ = 0;
  std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace regfed::core
