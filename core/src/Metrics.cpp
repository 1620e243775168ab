#include "Metrics.h"

#include <cstdio>

namespace regfed::core {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string label(const std::string& name, const std::string& value) {
  std::string out = name + "=\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                            0.1,    0.25,  0.5,   1,     2.5,  5};

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size()]) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double value) {
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    if (value <= bounds_[i]) {
      buckets_[i]++;
      break;
    }
  count_++;
  sumMicros_ += static_cast<std::uint64_t>(value * 1e6);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load();
    out += name + "_bucket{" + labels + sep + "le=\"" + number(bounds_[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_.load()) + "\n";
  out += name + "_sum" + braces + " " + number(static_cast<double>(sumMicros_.load()) / 1e6) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_.load()) + "\n";
}

Metrics::Metrics()
    : auditBatchSize_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
      auditCommitSeconds_({0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1}) {}

void Metrics::request(const std::string& route, int status, double seconds) {
  Histogram* h;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_[label("route", route) + "," + label("status", std::to_string(status))]++;
    auto& slot = latency_[route];
    if (!slot) slot = std::make_unique<Histogram>(kLatencyBounds);
    h = slot.get();
  }
  h->observe(seconds);
}

void Metrics::pluginError(const std::string& registerId, const std::string& code) {
  std::lock_guard<std::mutex> lock(mutex_);
  pluginErrors_[label("register", registerId) + "," + label("code", code)]++;
}

void Metrics::peerCall(const std::string& peer, const std::string& method, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  peerCalls_[label("peer", peer) + "," + label("method", method) + "," + label("outcome", outcome)]++;
}

void Metrics::setPeerUp(const std::string& peer, bool up) {
  std::lock_guard<std::mutex> lock(mutex_);
  peerUp_[label("peer", peer)] = up ? 1 : 0;
}

void Metrics::peerRefused(const std::string& code) {
  std::lock_guard<std::mutex> lock(mutex_);
  peerRefused_[label("code", code)]++;
}

void Metrics::witnessing(const std::string& peer, const std::string& role, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  witnessing_[label("peer", peer) + "," + label("role", role) + "," + label("outcome", outcome)]++;
}

void Metrics::setUnclosedAlerts(const std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>>& counts) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [labels, n] : alertsOpen_) n = 0;  // a kind whose alerts were all closed shows 0, not its old count
  for (const auto& [key, n] : counts) alertsOpen_[label("ags", key.first) + "," + label("kind", key.second)] = n;
}

void Metrics::alertRaised(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  alertsRaised_[label("kind", kind)]++;
}

void Metrics::auditBatch(std::size_t events, double seconds) {
  auditBatchSize_.observe(static_cast<double>(events));
  auditCommitSeconds_.observe(seconds);
}

void Metrics::auditEvent(const std::string& action, const std::string& decision, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auditEvents_[label("action", action) + "," + label("decision", decision) + "," + label("reason", reason)]++;
}

void Metrics::auditFailure() { auditFailures_++; }

void Metrics::connectionRefused(const std::string& cap) {
  std::lock_guard<std::mutex> lock(mutex_);
  connectionsRefused_[label("cap", cap)]++;
}

void Metrics::connectionTimedOut(const std::string& phase) {
  std::lock_guard<std::mutex> lock(mutex_);
  connectionsTimedOut_[label("phase", phase)]++;
}

void Metrics::setRegisterUp(const std::string& registerId, bool up) {
  std::lock_guard<std::mutex> lock(mutex_);
  registerUp_[registerId] = up ? 1 : 0;
}

void Metrics::setProcedureUp(const std::string& procedureId, bool up) {
  std::lock_guard<std::mutex> lock(mutex_);
  procedureUp_[label("procedure", procedureId)] = up ? 1 : 0;
}

void Metrics::itemStep(const std::string& action, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++itemSteps_[label("action", action) + "," + label("outcome", outcome)];
}

namespace {

// "# HELP" and "# TYPE" lines of a metric family.
void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// One labelled series per map entry (the keys are rendered label sets).
template <class Map>
void series(std::string& out, const char* name, const char* type, const char* help, const Map& values) {
  family(out, name, type, help);
  for (const auto& [labels, n] : values) out += std::string(name) + "{" + labels + "} " + std::to_string(n) + "\n";
}

// A family with one unlabelled value.
void single(std::string& out, const char* name, const char* type, const char* help, long long value) {
  family(out, name, type, help);
  out += std::string(name) + " " + std::to_string(value) + "\n";
}

}  // namespace

std::string Metrics::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  series(out, "regfed_http_requests_total", "counter", "HTTP requests by route and status.", requests_);
  family(out, "regfed_http_request_duration_seconds", "histogram", "HTTP request latency by route.");
  for (const auto& [route, h] : latency_)
    h->render(out, "regfed_http_request_duration_seconds", label("route", route));
  series(out, "regfed_plugin_errors_total", "counter", "Failed adapter calls by register and code.",
         pluginErrors_);
  std::map<std::string, int> registers;
  for (const auto& [id, up] : registerUp_) registers[label("register", id)] = up;
  series(out, "regfed_register_up", "gauge", "Whether a register's backend answered its last health check.",
         registers);
  series(out, "regfed_peer_calls_total", "counter", "Calls to peer nodes by peer, method and outcome.",
         peerCalls_);
  series(out, "regfed_peer_up", "gauge", "Whether a peer node answered its last probe.", peerUp_);
  series(out, "regfed_peer_requests_refused_total", "counter",
         "Calls from peer nodes refused before any service (by code).", peerRefused_);
  series(out, "regfed_witness_exchanges_total", "counter",
         "Tree heads shown to witnesses (role log) and witnessed for peers (role witness), by outcome.",
         witnessing_);
  series(out, "regfed_alerts_open", "gauge",
         "DPO alerts not yet closed (open or acknowledged), by municipality and kind.", alertsOpen_);
  series(out, "regfed_alerts_raised_total", "counter", "Alerts raised by the node's detectors, by kind.",
         alertsRaised_);
  series(out, "regfed_procedure_up", "gauge", "Whether a procedure's backend answered its last health check.",
         procedureUp_);
  series(out, "regfed_work_item_steps_total", "counter",
         "Steps on work items of procedures by action and outcome (ok or a refusal code).", itemSteps_);
  single(out, "regfed_work_item_claims_held", "gauge",
         "Work items of this node's procedures held by a claim (as of the last sweep).", claimsHeld_.load());
  family(out, "regfed_audit_batch_events", "histogram", "Events per audit commit (group commit).");
  auditBatchSize_.render(out, "regfed_audit_batch_events", "");
  family(out, "regfed_audit_commit_seconds", "histogram", "Audit batch commit latency.");
  auditCommitSeconds_.render(out, "regfed_audit_commit_seconds", "");
  series(out, "regfed_audit_events_total", "counter",
         "Committed audit events by action, decision and reason code.", auditEvents_);
  single(out, "regfed_audit_write_failures_total", "counter", "Failed audit commits and reconnects.",
         static_cast<long long>(auditFailures_.load()));
  single(out, "regfed_audit_up", "gauge", "Whether the audit store is reachable (0: requests get 503).",
         auditUp_.load());
  single(out, "regfed_audit_signed_tree_size", "gauge", "Size of the newest signed tree head.",
         signedSize_.load());
  series(out, "regfed_token_cache_total", "counter", "Verified-token cache lookups.",
         std::map<std::string, std::uint64_t>{{label("result", "hit"), tokenCacheHits_.load()},
                                              {label("result", "miss"), tokenCacheMisses_.load()}});
  single(out, "regfed_http_open_connections", "gauge", "Open HTTP connections.", openConnections_.load());
  series(out, "regfed_http_connections_refused_total", "counter",
         "Connections closed at accept by the per-client or the node's cap.", connectionsRefused_);
  series(out, "regfed_http_connections_timed_out_total", "counter",
         "Connections shut down for overrunning the header, body or response deadline.", connectionsTimedOut_);
  return out;
}

}  // namespace regfed::core
