#pragma once
// The mandate workflow: support and emergency mandates, two-party approval (four eyes), revocation,
// the activation of emergency mandates, and the yearly quota. Every change is an audit event committed in the
// same transaction as the change; refusals are audited too.
//
// Across nodes a mandate lives at its owner's node. The helper municipality's node keeps a copy: its admins
// approve and revoke there and it forwards; the quota is counted there (a helper-side approval reserves its
// days in the same locked transaction that checks the limit, before it is forwarded); a revocation there stops
// forwarding at once and is delivered to the owner until it confirms.

#include <Poco/JSON/Object.h>
#include <regfed/audit/AuditSink.h>

#include <map>
#include <string>

#include "Config.h"
#include "MandateStore.h"
#include "OversightStore.h"
#include "Principal.h"
#include "QueryService.h"
#include "RemoteMandates.h"
#include "RequestAudit.h"

namespace regfed::core {

/// Handlers for /v1/mandates and /v1/quota.
class MandateService {
 public:
  MandateService(const Config& config, MandateStore& mandates, regfed::audit::AuditSink& audit,
                 RemoteMandates* remote = nullptr);

  /// POST /v1/mandates.
  Answer create(const Principal& p, const RequestMeta& meta, const std::string& body);
  /// POST /v1/mandates/{id}/approve; `notAfter`: a forwarded approval is not applied after its caller's
  /// deadline (the helper's node settles its reservation by that).
  Answer approve(const Principal& p, const RequestMeta& meta, const std::string& id,
                 std::optional<DeadlineClock::time_point> notAfter = std::nullopt);
  /// POST /v1/mandates/{id}/revoke.
  Answer revoke(const Principal& p, const RequestMeta& meta, const std::string& id);
  /// POST /v1/mandates/{id}/activate: a named responder opens today's emergency window.
  Answer activate(const Principal& p, const RequestMeta& meta, const std::string& id,
                    const std::string& body);
  /// The helper side's decision ("approve" or "revoke") on a mandate held here, by an admin of the helper
  /// municipality, verified and delivered by its node `meta.viaPeer` (which hosts `p.ags`). Anything but the helper
  /// side of a mandate held here is answered as a missing mandate.
  Answer decideForHelper(const Principal& p, const RequestMeta& meta, const std::string& id, const std::string& action,
                         DeadlineClock::time_point notAfter);
  /// Brings this node's copies of other nodes' mandates up to date and delivers revocations the owners have
  /// not confirmed yet (run periodically; does nothing outside a federation).
  void sync();
  /// GET /v1/mandates?ags=&status=.
  Answer list(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query);
  /// GET /v1/quota?year=.
  Answer quota(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query);
  /// Audits and answers a mandate request refused before it was read (body too large or too slow, a bad query
  /// parameter); `mandateId` when the request names one.
  Answer refuse(const Principal& p, const RequestMeta& meta, const std::string& action,
                  const RequestError& error, const std::string& mandateId = "");

 private:
  std::int64_t limitFor(const std::string& agreement) const;
  /// The mandate from memory, else from the database, else (`askOwner`) from its owner's node; when that node
  /// could not be asked, `unreachable` (if given) gets its id.
  std::optional<Mandate> lookup(const std::string& id, bool askOwner = true, std::string* unreachable = nullptr);
  /// Records a change this node made to its copy of another node's mandate without a person asking (the owner's
  /// list showed it): action mandate_sync, the peer named.
  void auditSync(const Mandate& before, const Mandate& after, const std::string& node);
  /// The audit event of such a change (mandate_sync, the node as actor).
  void recordSync(const Mandate& m, const std::string& node, const std::string& reason, const std::string& decision);
  /// After the owner refused a revocation for good: the copy stays revoked here, nothing is delivered again.
  void giveUpRevocation(const Mandate& copy, const ForwardedChange& f);
  /// Refuses (StateConflict) an approval by `p` for `side` of `current` that four eyes, its state or the helper
  /// municipality's quota forbid; `used`: days the helper municipality's other mandates committed per year.
  void checkApproval(const Principal& p, Side side, const Mandate& current,
                     const std::map<int, std::int64_t>& used) const;
  Answer approveRemote(const Principal& p, const RequestMeta& meta, const Mandate& known);
  Answer revokeRemote(const Principal& p, const RequestMeta& meta, const Mandate& known);
  Answer activateRemote(const Principal& p, const RequestMeta& meta, const Mandate& known,
                        const std::string& body);
  /// Takes `node`'s list into this node's copies; false when the node could not be asked.
  bool syncNode(const std::string& node);
  /// Checks the caller is an admin of a party, applies the change, maps refusals.
  template <class Change>
  Answer change(const Principal& p, const RequestMeta& meta, const std::optional<Mandate>& known,
                const std::string& id, const std::string& unreachable, const std::string& action, Change apply);
  Answer refused(const Principal& p, const RequestMeta& meta, const std::string& action,
                   const std::string& ownerAgs, const std::string& mandateId, const StateConflict& c);
  regfed::audit::AuditEvent event(const Principal& p, const RequestMeta& meta, const std::string& action,
                                  const Mandate& m, const std::string& reason) const;
  void recordOrThrow(regfed::audit::AuditEvent e);

  const Config& config_;
  MandateStore& mandates_;
  regfed::audit::AuditSink& audit_;
  RemoteMandates* remote_;
};

/// Unavailable `database_unavailable`: mandates cannot be changed right now.
Answer mandatesUnavailable();

/// The JSON of a mandate as the API shows it.
std::string mandateJson(const Mandate& m);


}  // namespace regfed::core
