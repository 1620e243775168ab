#pragma once
// The HTTP API v1 (see shared API.md): routing, request ids, authentication, body limits, error bodies,
// metrics.

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <regfed/audit/AuditSink.h>

#include "AdapterHost.h"
#include "Config.h"
#include "MandateService.h"
#include "Metrics.h"
#include "QueryService.h"
#include "TokenVerifier.h"

namespace regfed::core {

/// Everything a request handler needs; owned by the Node.
struct ApiContext {
  const Config& config;
  Metrics& metrics;
  TokenVerifier& tokens;
  QueryService& queries;
  MandateService& mandates;
  AdapterHost& host;
  regfed::audit::AuditSink& audit;
};

/// Creates one handler per request.
class HttpApi : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HttpApi(ApiContext context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  ApiContext context_;
};

/// Largest request body accepted (API.md: 413 above 1 MiB).
constexpr std::size_t kMaxBodyBytes = 1 << 20;

}  // namespace regfed::core
