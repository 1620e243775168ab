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

/// The emergency window one responder opened under one emergency mandate on one Berlin day.
struct Activation {
  std::string mandate;   ///< Emergency mandate id.
  std::string actor;     ///< Responder.
  std::string actorAgs;  ///< Responder's municipality.
  std::string day;       ///< Berlin day it was opened (YYYY-MM-DD).
  std::string openedAt;  ///< UTC RFC 3339.
  std::string endsAt;    ///< UTC RFC 3339.
  std::string reason;    ///< Why it was activated.
  bool open = false;     ///< The window has not ended yet.
};

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

  /// Approves for one side. Serialised per providing municipality and agreement (a row lock on the quota's
  /// advisory key); `check` sees the current row and the support days already committed per year by the
  /// helper municipality's other mandates (those its side approved, copies of other nodes' mandates included)
  /// and throws StateConflict to refuse. With `pendingMs` the approval is this node's copy's reservation of a
  /// helper-side approval being forwarded: it counts at once and is settled by settle()/release().
  Mandate approve(const std::string& id, Side side, const std::string& user,
                  const std::function<void(const Mandate&, const std::map<int, std::int64_t>&)>& check,
                  const std::function<void(const Mandate&)>& beforeCommit, std::int64_t pendingMs = 0);

  /// Revokes; `check` may refuse. `forwarded`: the revocation of a copy, still to be confirmed by its owner.
  Mandate revoke(const std::string& id, const std::string& user, Day today,
                 const std::function<void(const Mandate&)>& check,
                 const std::function<void(const Mandate&)>& beforeCommit, bool forwarded = false);

  /// Takes the owning node `node`'s view of one of its mandates into this node's copy. `answer`: the owner's
  /// answer to this node's forwarded change, which settles it. Otherwise (a periodic listing) the helper side's
  /// approval stays this node's own: a listing only confirms a pending approval (the owner shows it) or releases
  /// it (its reservation ran out without it). A revocation known here is never undone by a listing.
  Mandate settle(const Mandate& owners, const std::string& node, bool answer);
  /// Gives up this node's pending helper-side approval of copy `id` (the owner refused it or surely never got
  /// it): its days are free again.
  void release(const std::string& id);
  /// Ends the delivery of copy `id`'s revocation (the owner refused it for good); the copy stays revoked.
  void settlePendingRevocation(const std::string& id);

  /// Support days committed per year by mandates of `helperAgs` under `agreement` that its side approved (from
  /// memory; a helper-side approval commits the helper municipality's staff days, whatever the owner does).
  std::int64_t usedDays(const std::string& helperAgs, const std::string& agreement, int year) const;

  /// Opens today's emergency window of `actor` under emergency mandate `id`, lasting `windowMinutes`, unless
  /// one was opened today already. `check` sees the mandate and today's window if there is one, and throws
  /// StateConflict to refuse; `beforeCommit` runs inside the transaction with the window and whether it was
  /// opened now (the caller records its audit event and the DPO's alert there).
  Activation activate(const std::string& id, const std::string& actor, const std::string& actorAgs, Day today,
                      std::int64_t windowMinutes, const std::string& reason,
                      const std::function<void(const Mandate&, const std::optional<Activation>&)>& check,
                      const std::function<void(const Activation&, bool opened, pqxx::work&)>& beforeCommit);

  /// Whether `actor` has an open emergency window under mandate `id` (from the database, not cached: a window
  /// ends on the second).
  bool emergencyWindowOpen(const std::string& id, const std::string& actor, const std::string& actorAgs);

 private:
  void remember(const Mandate& m);

  Database& db_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Mandate> mandates_;
};

}  // namespace regfed::core
