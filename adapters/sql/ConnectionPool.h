#pragma once
// A fixed-size pool of libpqxx connections. A broken connection is dropped and replaced on next use, so the
// adapter recovers by itself when PostgreSQL restarts. Statements are prepared lazily per connection.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <unordered_set>
#include <vector>

namespace regfed::adapters::sql {

/// One pooled connection and the statements prepared on it.
struct PooledConnection {
  std::unique_ptr<pqxx::connection> connection;  ///< Null until connected (or after it broke).
  std::unordered_set<std::string> prepared;      ///< Statement names prepared on this connection.
};

/// Hands out connections to one database; thread-safe.
class ConnectionPool {
 public:
  /// A pool of `size` connections using `conninfo`; `sessionSetup` runs on every new connection.
  ConnectionPool(std::string conninfo, std::size_t size, std::string sessionSetup);

  /// Borrowed connection, returned to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::size_t slot) : pool_(&pool), slot_(slot) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) { other.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    ~Lease() {
      if (pool_) pool_->release(slot_);
    }
    /// The connection, connected; throws pqxx::broken_connection when it cannot connect.
    pqxx::connection& connection();
    /// Prepares `sql` under `name` on this connection unless done before.
    void ensurePrepared(const std::string& name, const std::string& sql);
    /// Drops the connection after a failure; the next user reconnects.
    void discard();

   private:
    ConnectionPool* pool_;
    std::size_t slot_;
  };

  /// Waits up to `wait` for a free connection; throws std::runtime_error when none becomes free.
  Lease acquire(std::chrono::milliseconds wait);

 private:
  void release(std::size_t slot);

  std::string conninfo_;
  std::string sessionSetup_;
  std::vector<PooledConnection> slots_;
  std::vector<std::size_t> free_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace regfed::adapters::sql
