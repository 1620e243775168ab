#pragma once
// The HTTP API v1 (schemas/openapi.yaml): routing, request ids, authentication, body limits and deadlines,
// error bodies, metrics.

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <regfed/audit/AuditSink.h>

#include "AdapterHost.h"
#include "AuditReviewService.h"
#include "Config.h"
#include "Federation.h"
#include "MandateService.h"
#include "Metrics.h"
#include "OversightService.h"
#include "ProcedureService.h"
#include "QueryService.h"
#include "Response.h"
#include "TokenVerifier.h"

namespace regfed::core {

/// Everything a request handler needs; owned by the Node.
struct ApiContext {
  const Config& config;
  Metrics& metrics;
  TokenVerifier& tokens;
  QueryService& queries;
  MandateService& mandates;
  OversightService& oversight;
  AuditReviewService& review;
  ProcedureService& procedures;
  AdapterHost& host;
  regfed::audit::AuditSink& audit;
  Federation* federation;  ///< The other nodes; nullptr when the node takes part in no federation.
};

/// Creates one handler per request.
class HttpApi : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HttpApi(ApiContext context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;
  /// Tells the connections the server is stopping (kept-alive connections close after their request).
  void stopping(bool abortCurrent) { serverStopped(this, abortCurrent); }

 private:
  ApiContext context_;
};

/// Largest request body accepted (413 above 1 MiB).
constexpr std::size_t kMaxBodyBytes = 1 << 20;

/// The HTTP status of a failure kind.
int httpStatus(Failure kind);

/// A client's X-Request-Id when it is 1..128 of [A-Za-z0-9._:-] (kept as the correlation id); else nullopt.
std::optional<std::string> acceptableCorrelationId(const std::string& given);

}  // namespace regfed::core
