#pragma once
// Work items of procedures (online applications): the inbox, one item, claim, release and a decision — for the
// owner's own clerks, and for helpers of another municipality under a support mandate that names the procedure
// with the operation `process`. The procedure (its adapter's backend) is the authority on an item's state;
// this service decides who may do what, keeps under which mandate an item is held (so a revoked or ended
// mandate releases it and an idle claim lapses), and audits every step with the item's id as case reference.

#include <regfed/audit/AuditSink.h>

#include <optional>
#include <string>

#include "Answer.h"
#include "CaseLinks.h"
#include "Config.h"
#include "Database.h"
#include "MandateStore.h"
#include "ProcedureHost.h"
#include "RemoteProcedures.h"
#include "RequestAudit.h"

namespace regfed::core {

class Metrics;

class ProcedureService : public CaseLinks {
 public:
  ProcedureService(const Config& config, ProcedureHost& host, MandateStore& mandates, Database& database,
                   regfed::audit::AuditSink& audit, Metrics& metrics, RemoteProcedures* remote = nullptr);

  /// One step by name ("list", "view", "claim", "release", "complete"), as a peer forwards it.
  Answer perform(const std::string& action, const Principal& p, const RequestMeta& meta, const ItemCall& call);
  /// The procedures this node serves.
  const ProcedureHost& host() const { return host_; }

  /// GET /v1/procedures: the procedures the caller may work on (own municipality's, and those of mandates
  /// naming them with `process` that are in force today).
  Answer catalog(const Principal& p);
  /// GET …/items: one page of the inbox.
  Answer list(const Principal& p, const RequestMeta& meta, const ItemCall& call);
  /// GET …/items/{id}: the item with applicant data, references, attachments and history.
  Answer view(const Principal& p, const RequestMeta& meta, const ItemCall& call);
  /// POST …/claim: takes the item, or renews one's own claim.
  Answer claim(const Principal& p, const RequestMeta& meta, const ItemCall& call);
  /// POST …/release: gives a held item back.
  Answer release(const Principal& p, const RequestMeta& meta, const ItemCall& call);
  /// POST …/complete: records the decision; the claim ends with it.
  Answer complete(const Principal& p, const RequestMeta& meta, const ItemCall& call);

  /// Audits and answers a call refused before the service saw it (body too large or too slow, bad parameter).
  Answer refuse(const Principal& p, const RequestMeta& meta, const std::string& action, const ItemCall& call,
                const RequestError& error) {
    return refused(p, meta, action, call, StateConflict(error.kind, error.code, error.message));
  }

  /// Releases items held under mandates that were revoked or ended and forgets claims that lapsed, each
  /// audited as the node's own step; run periodically.
  void sweep();

  std::optional<CaseDefault> caseDefault(const Principal& principal, const std::optional<std::string>& mandate,
                                         const std::vector<std::string>& municipalities) override;
  bool foundByCase(const Principal& principal, const std::optional<std::string>& mandate, const std::string& ags,
                   const std::string& registerName, const std::string& recordId,
                   const std::string& caseRef) override;

 private:
  /// What allows a call: the mandate (none for the owner's own clerks), the audit reason and purpose.
  struct Grant {
    std::optional<Mandate> mandate;
    std::string reason;
    std::string purpose;
  };
  ProcedureEntry& entryFor(const ItemCall& call);
  /// True when the step goes to the node hosting the procedure (asked here, for a municipality of a peer).
  bool elsewhere(const ItemCall& call, const RequestMeta& meta) const;
  /// Forwards a step to that node, logs it here under the same request id, and keeps the home node's note of
  /// the person's claims.
  Answer forward(const std::string& action, const Principal& p, const RequestMeta& meta, const ItemCall& call);
  void describeForwarded(regfed::audit::AuditEvent& e, const std::string& action, const ItemCall& call,
                         const Answer& answer) const;
  /// Item id, `after` and mandate id are sane (length, text, format); throws StateConflict 422.
  static void checkCall(const ItemCall& call);
  void noteHomeClaim(const std::string& action, const Principal& p, const ItemCall& call, const Answer& answer);
  Grant authorize(const Principal& p, const ItemCall& call, const ProcedureEntry& entry);
  /// The refusal for a mandate that no longer allows work; releases what the person still holds under it.
  StateConflict mandateEnded(const Principal& p, const Mandate& m, const std::string& code,
                             const std::string& why);
  regfed::audit::AuditEvent event(const Principal& p, const RequestMeta& meta, const std::string& action,
                                  const ItemCall& call, const Grant& grant) const;
  bool record(regfed::audit::AuditEvent e);
  Answer refused(const Principal& p, const RequestMeta& meta, const std::string& action, const ItemCall& call,
                 const StateConflict& c);
  /// Keeps (or forgets) the owner-side row of who holds an item under which mandate.
  void rememberClaim(const Principal& p, const ItemCall& call, const std::string& expires);
  void forgetClaim(const ItemCall& call);
  /// Releases one claim for the node itself (revoked or ended mandate, lapse) and audits it.
  void releaseForNode(const std::string& ags, const std::string& procedure, const std::string& itemId,
                      const std::string& holder, const std::string& actor, const std::string& actorAgs,
                      const std::optional<std::string>& mandate, const std::string& reason, bool callAdapter);

  const Config& config_;
  ProcedureHost& host_;
  MandateStore& mandates_;
  Database& database_;
  regfed::audit::AuditSink& audit_;
  Metrics& metrics_;
  RemoteProcedures* remote_;
};

/// "user@ags": how a person holds an item in a procedure.
std::string holderOf(const Principal& p);

}  // namespace regfed::core
