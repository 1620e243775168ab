#pragma once
// Prometheus metrics of the node: counters and histograms with labels, rendered in the text exposition
// format.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace regfed::core {

/// A histogram with fixed upper bounds.
class Histogram {
 public:
  /// Buckets are cumulative upper bounds, ascending.
  explicit Histogram(std::vector<double> bounds);
  /// Records one observation.
  void observe(double value);
  /// Appends the series in Prometheus text format.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sumMicros_{0};
};

/// All metrics of one node.
class Metrics {
 public:
  Metrics();

  /// Counts a finished HTTP request and its latency.
  void request(const std::string& route, int status, double seconds);
  /// Counts a failed adapter call.
  void pluginError(const std::string& registerId, const std::string& code);
  /// Records a committed audit batch.
  void auditBatch(std::size_t events, double seconds);
  /// Counts a committed audit event by action, decision and reason code.
  void auditEvent(const std::string& action, const std::string& decision, const std::string& reason);
  /// Counts a failed audit write.
  void auditFailure();
  /// Sets whether the audit store is reachable.
  void setAuditUp(bool up) { auditUp_ = up ? 1 : 0; }
  /// Records the size of the newest signed tree head.
  void setSignedSize(std::int64_t size) { signedSize_ = size; }
  /// Sets whether a register's backend is healthy.
  void setRegisterUp(const std::string& registerId, bool up);
  /// Counts a token verification cache hit or miss.
  void tokenCache(bool hit) { (hit ? tokenCacheHits_ : tokenCacheMisses_)++; }
  /// Counts a connection closed at accept ("client": per-client cap, "node": total cap).
  void connectionRefused(const std::string& cap);
  /// Counts a connection shut down for overrunning a phase ("header", "body", "response").
  void connectionTimedOut(const std::string& phase);
  /// Counts a call to a peer node by peer, method and outcome (ok, denied, unavailable, timeout, error).
  void peerCall(const std::string& peer, const std::string& method, const std::string& outcome);
  /// Sets whether a peer answered its last probe.
  void setPeerUp(const std::string& peer, bool up);
  /// Counts a call from a peer node refused before it reached a service (certificate, version, hosting).
  void peerRefused(const std::string& code);
  /// Witnessing: `role` "log" (this node's head shown to `peer`) or "witness" (`peer`'s head shown to this
  /// node); outcome "cosigned" or a refusal code such as inconsistent_head.
  void witnessing(const std::string& peer, const std::string& role, const std::string& outcome);
  /// Sets the alerts not yet closed, per (municipality, kind).
  void setUnclosedAlerts(const std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>>& counts);
  /// Counts an alert raised by a detector.
  void alertRaised(const std::string& kind);
  /// Sets whether a procedure's backend is healthy ("AGS/name").
  void setProcedureUp(const std::string& procedureId, bool up);
  /// Counts a work-item step by action (view, claim, release, complete, lapse) and outcome (ok or a code).
  void itemStep(const std::string& action, const std::string& outcome);
  /// Sets the number of work items held under claims this node knows of as the owner's node.
  void setClaimsHeld(std::int64_t n) { claimsHeld_ = n; }
  /// Sets the number of open HTTP connections.
  void setOpenConnections(int n) { openConnections_ = n; }

  /// The Prometheus text exposition.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> requests_;              // route + status labels
  std::map<std::string, std::unique_ptr<Histogram>> latency_;  // route label
  std::map<std::string, std::uint64_t> pluginErrors_;
  std::map<std::string, std::uint64_t> auditEvents_;  // action, decision, reason labels
  std::map<std::string, int> registerUp_;
  Histogram auditBatchSize_;
  Histogram auditCommitSeconds_;
  std::atomic<std::uint64_t> auditFailures_{0};
  std::atomic<int> auditUp_{0};
  std::atomic<std::int64_t> signedSize_{0};
  std::atomic<std::uint64_t> tokenCacheHits_{0};
  std::atomic<std::uint64_t> tokenCacheMisses_{0};
  std::map<std::string, std::uint64_t> connectionsRefused_;
  std::map<std::string, std::uint64_t> connectionsTimedOut_;
  std::atomic<int> openConnections_{0};
  std::map<std::string, std::uint64_t> peerCalls_;
  std::map<std::string, int> peerUp_;
  std::map<std::string, std::uint64_t> peerRefused_;
  std::map<std::string, std::uint64_t> witnessing_;
  std::map<std::string, std::int64_t> alertsOpen_;
  std::map<std::string, std::uint64_t> alertsRaised_;
  std::map<std::string, int> procedureUp_;
  std::map<std::string, std::uint64_t> itemSteps_;
  std::atomic<std::int64_t> claimsHeld_{0};
};

}  // namespace regfed::core
