#pragma once
// Answers data requests on the node's own registers: validate, decide (policy), execute (adapter, with
// pushdown and residual filtering), filter fields, and answer only after the audit events are committed (fail
// closed).

#include <regfed/audit/AuditSink.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "AdapterHost.h"
#include "Config.h"
#include "DataRequest.h"
#include "Database.h"
#include "MandateStore.h"
#include "OversightStore.h"
#include "Policy.h"
#include "Principal.h"
#include "RequestAudit.h"
#include "Response.h"

namespace regfed::core {

/// Data requests against this node's registers.
class QueryService {
 public:
  QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit,
               MandateStore& mandates, OversightStore& oversight, Database& database);
  /// Files the reviews and alerts still queued, then stops the reporting thread.
  ~QueryService();

  /// POST /v1/query.
  Response query(const Principal& principal, const RequestMeta& meta, const std::string& body);

  /// GET /v1/registers/{ags}/{register}/records/{id}.
  Response getRecord(const Principal& principal, const RequestMeta& meta, const RecordRequest& request);

  /// Audits and answers a data request refused before its register was asked (bad input, body too large,
  /// body too slow).
  Response refuse(const Principal& principal, const RequestMeta& meta, const QueryRequest& partial,
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

  std::mutex reportMutex_;
  std::condition_variable reportQueued_;
  std::deque<regfed::audit::AuditEvent> reports_;
  bool stopping_ = false;
  std::thread reporter_;
};

/// The HTTP status of a policy outcome that ends a whole request (Forbidden, Invalid, NotFound, Denied).
int refusalStatus(Outcome outcome);

}  // namespace regfed::core
