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
#include "MandateStore.h"
#include "OversightStore.h"
#include "Principal.h"

namespace regfed::core {

/// An HTTP answer: status and JSON body.
struct Response {
  int status = 200;  ///< HTTP status.
  std::string body;  ///< JSON text.
};

/// A GET of one record, as it arrives over HTTP.
struct RecordRequest {
  std::string ags;                             ///< Owning municipality from the path.
  std::string registerName;                    ///< Register from the path.
  std::string id;                              ///< Record id from the path.
  std::optional<std::string> fieldsParam;      ///< `fields` query parameter, comma-separated.
  std::string purpose;                         ///< Regfed-Purpose header, decoded.
  std::string caseRef;                         ///< Regfed-Case-Ref header.
  std::optional<std::string> mandate;          ///< Regfed-Mandate header.
  std::optional<std::string> emergencyReason;  ///< Regfed-Emergency header, decoded (responders).
};

/// Data requests against this node's registers.
class QueryService {
 public:
  QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit,
               MandateStore& mandates, OversightStore& oversight);
  /// Files the reviews and alerts still queued, then stops the reporting thread.
  ~QueryService();

  /// POST /v1/query.
  Response query(const Principal& principal, const std::string& requestId, const std::string& body);

  /// GET /v1/registers/{ags}/{register}/records/{id}.
  Response getRecord(const Principal& principal, const std::string& requestId, const RecordRequest& request);

  /// Audits and answers a data request refused before its register was asked (bad input, body too large).
  Response refuse(const Principal& principal, const std::string& requestId, const QueryRequest& partial,
                  const RequestError& error);

 private:
  /// What the policy needs besides the request: today, the named mandate, the emergency window.
  struct Facts {
    Day today = 0;
    std::optional<Mandate> mandate;
    bool emergencyWindowOpen = false;
  };
  Facts gather(const Principal& principal, const std::optional<std::string>& mandate,
               const std::optional<std::string>& emergencyReason, bool outside, const std::string& requestId);
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

  std::mutex reportMutex_;
  std::condition_variable reportQueued_;
  std::deque<regfed::audit::AuditEvent> reports_;
  bool stopping_ = false;
  std::thread reporter_;
};

}  // namespace regfed::core
