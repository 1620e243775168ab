#pragma once
// Support mandates in PostgreSQL, with an in-memory copy for the request path: every change through this
// store updates the copy after its commit (so a revocation applies to the very next request), and refresh()
// picks up changes made elsewhere.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "Database.h"
#include "Mandate.h"

namespace regfed::core {

/// Which municipality approves.
enum class Side { Owner, Helper };

/// Mandates of this node's database.
class MandateStore {
 public:
  explicit MandateStore(Database& db) : db_(db) {}

  /// Reloads every mandate into memory; throws DatabaseUnavailable.
  void refresh();
  /// The mandate with this id, from memory.
  std::optional<Mandate> find(const std::string& id) const;
  /// All mandates, from memory, by id.
  std::vector<Mandate> all() const;

  /// Stores a new mandate (id assigned as M-<year>-<number>); `beforeCommit` runs inside the transaction (the
  /// caller records its audit event there, so a mandate never changes without one).
  Mandate create(Mandate m, const std::function<void(const Mandate&)>& beforeCommit);

  /// Approves for one side. Serialised per providing municipality and agreement across nodes; `check` sees
  /// the current row and the days already used per year (other mandates) and throws StateConflict to refuse.
  Mandate approve(const std::string& id, Side side, const std::string& user,
                  const std::function<void(const Mandate&, const std::map<int, std::int64_t>&)>& check,
                  const std::function<void(const Mandate&)>& beforeCommit);

  /// Revokes; `check` may refuse.
  Mandate revoke(const std::string& id, const std::string& user, Day today,
                 const std::function<void(const Mandate&)>& check,
                 const std::function<void(const Mandate&)>& beforeCommit);

  /// Support days used per year by approved mandates of `helperAgs` under `agreement` (from memory).
  std::int64_t usedDays(const std::string& helperAgs, const std::string& agreement, int year) const;

 private:
  void remember(const Mandate& m);

  Database& db_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Mandate> mandates_;
};

}  // namespace regfed::core
