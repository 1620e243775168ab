#include "DatabaseInbox.h"

#include "Statements.h"

namespace regfed::bench {

namespace statement = regfed::adapters::antraege::statement;
using regfed::adapters::antraege::kHolder;
using regfed::adapters::antraege::kId;

namespace {

// The adapter tries a claim this often when the item was freed between its UPDATE and the look at its state.
constexpr int kClaimAttempts = 3;

}  // namespace

DatabaseInbox::DatabaseInbox(const std::string& conninfo, std::string ags, std::string holder,
                             std::int64_t leaseSeconds, std::int64_t timeoutMs)
    : connection_(conninfo),
      ags_(std::move(ags)),
      holder_(std::move(holder)),
      leaseSeconds_(leaseSeconds),
      timeoutMs_(timeoutMs) {
  pqxx::nontransaction(connection_)
      .exec(
          "SET statement_timeout = 5000; SET DateStyle = ISO; SET TimeZone = 'UTC'; "
          "SET client_encoding = 'UTF8'; SET application_name = 'claim_bench baseline'");
  for (const auto& [name, sql] : regfed::adapters::antraege::statements("antraege"))
    connection_.prepare(name, sql);
}

template <class Transaction>
void DatabaseInbox::begin(Transaction& tx) {
  if (timeoutMs_ > 0) tx.exec_prepared(statement::kTimeout, std::to_string(timeoutMs_));
}

bool DatabaseInbox::page(int limit, InboxPage& out) {
  try {
    pqxx::read_transaction tx(connection_);
    begin(tx);
    // The adapter asks for one row more than shown, to tell whether another page follows.
    auto rows = tx.exec_prepared(statement::kList, ags_, "open", "", limit + 1);
    tx.commit();
    out = {};
    for (const auto& row : rows) {
      if (static_cast<int>(out.shown) == limit) break;
      ++out.shown;
      if (row[kHolder].is_null()) out.unclaimed.push_back(row[kId].c_str());
    }
    return true;
  } catch (const std::exception& e) {
    error_ = std::string("list: ") + e.what();
    return false;
  }
}

ClaimAnswer DatabaseInbox::claim(const std::string& id) {
  try {
    pqxx::work tx(connection_);
    begin(tx);
    for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
      auto taken = tx.exec_prepared(statement::kClaim, ags_, id, holder_, leaseSeconds_);
      if (!taken.empty()) {
        tx.commit();
        return ClaimAnswer::Won;
      }
      auto state = tx.exec_prepared(statement::kClaimState, ags_, id);
      if (state.empty() || std::string(state[0][0].c_str()) != "open") {
        tx.commit();
        return ClaimAnswer::NotOpen;
      }
      if (state[0][1].as<bool>()) {
        tx.commit();
        return ClaimAnswer::HeldByOther;
      }
    }
    error_ = "claim " + id + ": the item changed hands while claiming it";
  } catch (const std::exception& e) {
    error_ = "claim " + id + ": " + e.what();
  }
  return ClaimAnswer::Failed;
}

bool DatabaseInbox::approve(const std::string& id) {
  try {
    pqxx::work tx(connection_);
    begin(tx);
    auto done = tx.exec_prepared(statement::kComplete, ags_, id, holder_, "approved", "");
    tx.commit();
    if (done[0][0].as<std::int64_t>() == 1) return true;
    error_ = "complete " + id + ": not held";
  } catch (const std::exception& e) {
    error_ = "complete " + id + ": " + e.what();
  }
  return false;
}

}  // namespace regfed::bench
