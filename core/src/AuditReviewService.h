#pragma once
// The DPO's side of the audit trail over the API: events by filter, a person's report (GDPR Art. 15),
// verification, the public key, RFC 6962 proofs, and streamed exports. A DPO sees the events whose owner or
// actor municipality is their own; every read is itself an audit event, committed before anything is shown.

#include <regfed/audit/AuditSink.h>
#include <regfed/audit/TreeHeadSigner.h>

#include <map>
#include <mutex>
#include <ostream>
#include <string>

#include "Answer.h"
#include "AuditExport.h"
#include "Config.h"
#include "Database.h"
#include "Principal.h"
#include "RequestAudit.h"

namespace regfed::core {

/// Where an export goes: the transport opens it (status 200, content type, file name) when the service has
/// decided to answer, and the service writes the rows.
class ExportSink {
 public:
  virtual ~ExportSink() = default;
  /// Starts the answer; returns the stream the file is written to.
  virtual std::ostream& begin(const std::string& contentType, const std::string& filename) = 0;
};

/// Handlers for /v1/audit/events, /subjects, /verify, /key, /proof and /export.
class AuditReviewService {
 public:
  /// `logKey` verifies this node's tree heads (its public key is published by key()).
  AuditReviewService(const Config& config, Database& database, regfed::audit::AuditSink& audit,
                     regfed::audit::TreeHeadSigner logKey);

  /// GET /v1/audit/events: filters, `after` (cursor), `limit`.
  Answer events(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query);
  /// GET /v1/audit/subjects/{ags}/{register}/{id}: every access to one record on this node's log.
  Answer subject(const Principal& p, const RequestMeta& meta, const std::string& ags, const std::string& registerName,
                 const std::string& id);
  /// GET /v1/audit/verify: recomputes the log and checks it against its signed heads and cosignatures.
  Answer verify(const Principal& p, const RequestMeta& meta);
  /// GET /v1/audit/key: the tree-head public key and the key history.
  Answer key(const Principal& p, const RequestMeta& meta);
  /// GET /v1/audit/proof/inclusion?seq=&size= and /proof/consistency?from=&to=.
  Answer proof(const Principal& p, const RequestMeta& meta, const std::string& kind,
               const std::map<std::string, std::string>& query);
  /// GET /v1/audit/export?format=csv|jsonl&filters: refused (an Answer with an error), or written to `sink`
  /// (then the Answer is ok with an empty payload).
  Answer exportEvents(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query,
                      ExportSink& sink);

 private:
  Answer refuse(const Principal& p, const RequestMeta& meta, const RequestError& error);
  // Records the DPO's read; false when the audit trail cannot take it (then nothing is shown).
  bool recordRead(const Principal& p, const RequestMeta& meta, const std::string& reason,
                  const std::map<std::string, std::string>& query, std::int64_t results,
                  const std::string& registerName = "", const std::string& subject = "");

  const Config& config_;
  Database& database_;
  regfed::audit::AuditSink& audit_;
  regfed::audit::TreeHeadSigner logKey_;
  std::timed_mutex verifying_;  // one verification at a time (it reads the whole log)
  std::timed_mutex proving_;    // one proof at a time (it reads every leaf hash)
  std::mutex exportsMutex_;
  std::map<std::string, int> exports_;  // exports streaming now, per municipality (one each, four in all)
};

}  // namespace regfed::core
