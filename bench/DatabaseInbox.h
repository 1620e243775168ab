#pragma once
// A helper's inbox straight in PostgreSQL, the baseline of claim_bench: the antraege adapter's own prepared
// statements (adapters/antraege/Statements.cpp) in the adapter's transaction shape — one transaction per
// call, its statement_timeout set first, the claim's UPDATE deciding atomically and, when it took nothing,
// the item's state read to tell a lost race from a finished item — on one connection of its own. No node, no
// audit.

#include <pqxx/pqxx>

#include "Inbox.h"

namespace regfed::bench {

class DatabaseInbox : public Inbox {
 public:
  /// Connects with the session settings the adapter's pool uses and prepares the adapter's statements for the
  /// tables in schema "antraege". `holder` is "user@ags", as the node passes it.
  DatabaseInbox(const std::string& conninfo, std::string ags, std::string holder, std::int64_t leaseSeconds,
                std::int64_t timeoutMs);

  bool page(int limit, InboxPage& out) override;
  ClaimAnswer claim(const std::string& id) override;
  bool approve(const std::string& id) override;
  const std::string& error() const override { return error_; }

 private:
  /// Starts a call's transaction as the adapter does (statement_timeout for this transaction).
  template <class Transaction>
  void begin(Transaction& tx);

  pqxx::connection connection_;
  std::string ags_, holder_, error_;
  std::int64_t leaseSeconds_, timeoutMs_;
};

}  // namespace regfed::bench
