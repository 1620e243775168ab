#pragma once
// Answers data requests: on the node's own registers it validates, decides (policy), executes (adapter, with
// pushdown and residual filtering) and filters fields; for municipalities hosted by other nodes it asks them
// (RemoteNodes) in parallel within the request's deadline. It answers only after the audit events are committed
// (fail closed), in transport-neutral terms that HTTP and Thrift each map in one place.

#include <regfed/audit/AuditSink.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "AdapterHost.h"
#include "CaseLinks.h"
#include "Config.h"
#include "DataAnswer.h"
#include "DataRequest.h"
#include "Database.h"
#include "MandateStore.h"
#include "OversightStore.h"
#include "Policy.h"
#include "Principal.h"
#include "RequestAudit.h"

namespace regfed::core {

/// Data requests against this node's registers.
class QueryService {
 public:
  QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit,
               MandateStore& mandates, OversightStore& oversight, Database& database,
               RemoteNodes* remote = nullptr);
  /// Files the reviews and alerts still queued, then stops the reporting thread.
  ~QueryService();

  /// POST /v1/query: parses the JSON body, searches, answers the results as JSON.
  Answer query(const Principal& principal, const RequestMeta& meta, const std::string& body);
  /// A parsed search. Municipalities hosted by peers are asked through RemoteNodes, unless the request came
  /// from a peer (meta.viaPeer): then only this node's own registers answer.
  SearchAnswer search(const Principal& principal, const RequestMeta& meta, QueryRequest request);

  /// GET /v1/registers/{ags}/{register}/records/{id}: the record as JSON.
  Answer getRecord(const Principal& principal, const RequestMeta& meta, const RecordRequest& request);
  /// One record, here or (for a request made at this node) at the node that owns it; `budgetMs` bounds the
  /// register call (a peer's remaining deadline).
  RecordAnswer fetch(const Principal& principal, const RequestMeta& meta, const RecordRequest& request,
                     std::optional<std::int64_t> budgetMs = std::nullopt);

  /// The work items people hold: lookups without a case reference take the item's, and records an item refers
  /// to open without a search. Set once before serving.
  void setCaseLinks(CaseLinks* links) { caseLinks_ = links; }

  /// Audits and answers a data request refused before its register was asked (bad input, body too large,
  /// body too slow).
  Answer refuse(const Principal& principal, const RequestMeta& meta, const QueryRequest& partial,
                const RequestError& error);

  /// What the policy needs besides the request: today, the named mandate, and for an emergency mandate
  /// whether the caller activated it.
  struct Facts {
    Day today = 0;
    std::optional<Mandate> mandate;
    bool emergencyActive = false;
  };

 private:
  Facts gather(const Principal& principal, const std::optional<std::string>& mandate);
  RequestError refusal(const Principal& principal, const RequestMeta& meta, const QueryRequest& partial,
                       const RequestError& error);
  RecordAnswer fetchLocal(const Principal& principal, const RequestMeta& meta, const RecordRequest& request,
                          std::optional<std::int64_t> budgetMs);
  /// The refusal for a request under a copy of another node's mandate that is revoked here.
  static std::optional<RequestError> revokedHere(const std::optional<Mandate>& mandate, const RemoteNodes* remote);
  RecordAnswer fetchRemote(const Principal& principal, const RequestMeta& meta, const RecordRequest& request);
  /// Whether an allowed search disclosed the record to the caller under the mandate before.
  bool disclosedBefore(const Principal& principal, const RecordRequest& request);
  /// After the audit commit: queues reviews and alerts for withheld records and emergency access. They are
  /// filed by a background thread, so a request that hit a blocked record is answered exactly as fast as one
  /// that did not.
  void report(const regfed::audit::AuditEvent& event);
  void fileReports();

  const Config& config_;
  AdapterHost& host_;
  regfed::audit::AuditSink& audit_;
  MandateStore& mandates_;
  OversightStore& oversight_;
  Database& database_;
  RemoteNodes* remote_;
  CaseLinks* caseLinks_ = nullptr;

  std::mutex reportMutex_;
  std::condition_variable reportQueued_;
  std::deque<regfed::audit::AuditEvent> reports_;
  bool stopping_ = false;
  std::thread reporter_;
};

/// The failure of a policy outcome that ends a whole request (Forbidden, Invalid, NotFound, Denied).
Failure failureOf(Outcome outcome);

/// The JSON of a search's results (POST /v1/query's 200 body).
std::string resultsJson(const Config& config, const std::string& requestId, const std::vector<TargetResult>& results);

}  // namespace regfed::core
