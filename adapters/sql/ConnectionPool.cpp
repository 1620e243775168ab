#include "ConnectionPool.h"

#include <stdexcept>

namespace regfed::adapters::sql {

ConnectionPool::ConnectionPool(std::string conninfo, std::size_t size, std::string sessionSetup)
    : conninfo_(std::move(conninfo)), sessionSetup_(std::move(sessionSetup)), slots_(size) {
  for (std::size_t i = size; i > 0; --i) free_.push_back(i - 1);
}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!available_.wait_for(lock, wait, [this] { return !free_.empty(); }))
    throw std::runtime_error("all " + std::to_string(slots_.size()) + " database connections are busy");
  std::size_t slot = free_.back();
  free_.pop_back();
  return Lease(*this, slot);
}

void ConnectionPool::release(std::size_t slot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(slot);
  }
  available_.notify_one();
}

pqxx::connection& ConnectionPool::Lease::connection() {
  PooledConnection& pc = pool_->slots_[slot_];
  if (pc.connection && !pc.connection->is_open()) discard();
  if (!pc.connection) {
    auto conn = std::make_unique<pqxx::connection>(pool_->conninfo_);
    if (!pool_->sessionSetup_.empty()) {
      pqxx::nontransaction tx(*conn);
      tx.exec(pool_->sessionSetup_);
    }
    pc.connection = std::move(conn);
  }
  return *pc.connection;
}

void ConnectionPool::Lease::ensurePrepared(const std::string& name, const std::string& sql) {
  PooledConnection& pc = pool_->slots_[slot_];
  if (pc.prepared.count(name)) return;
  connection().prepare(name, sql);
  pc.prepared.insert(name);
}

void ConnectionPool::Lease::discard() {
  PooledConnection& pc = pool_->slots_[slot_];
  if (pc.connection) {
    try {
      pc.connection->disconnect();
    } catch (...) {
      // The connection is already unusable; nothing more to release.
    }
  }
  pc.connection.reset();
  pc.prepared.clear();
}

}  // namespace regfed::adapters::sql
