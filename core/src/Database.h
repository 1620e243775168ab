#pragma once
// One PostgreSQL connection for the node's rare-path state (mandates, reviews, alerts, emergency windows):
// serialised by a mutex, reconnected on the next use after it broke.

#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>

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

/// A refused state change: HTTP status, code, message, and figures (a JSON object) for the caller.
struct StateConflict : std::runtime_error {
  StateConflict(int status, std::string code, const std::string& message, std::string details = "")
      : std::runtime_error(message), status(status), code(std::move(code)), details(std::move(details)) {}
  int status;           ///< 403, 404, 409 or 422.
  std::string code;     ///< e.g. "quota_exceeded".
  std::string details;  ///< JSON object with figures, or empty.
};

/// A mutex-guarded connection.
class Database {
 public:
  explicit Database(std::string dsn) : dsn_(std::move(dsn)) {}

  /// Runs `work(tx)` in a transaction and commits; returns its result. Connection failures become
  /// DatabaseUnavailable; other exceptions propagate after rollback.
  template <class Work>
  auto transaction(Work work) {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      if (!connection_ || !connection_->is_open()) connection_ = std::make_unique<pqxx::connection>(dsn_);
      pqxx::work tx(*connection_);
      if constexpr (std::is_void_v<decltype(work(tx))>) {
        work(tx);
        tx.commit();
      } else {
        auto result = work(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::broken_connection& e) {
      connection_.reset();
      throw DatabaseUnavailable(std::string("database unreachable: ") + e.what());
    }
  }

 private:
  std::string dsn_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace regfed::core
