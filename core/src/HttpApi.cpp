#include "HttpApi.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <chrono>
#include <regex>

#include "Json.h"
#include "Log.h"

namespace regfed::core {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

std::string requestIdOf(const HTTPServerRequest& request) {
  static const std::regex acceptable(R"([A-Za-z0-9._:-]{1,128})");
  const std::string given = request.get("X-Request-Id", "");
  if (!given.empty() && std::regex_match(given, acceptable)) return given;
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

std::vector<std::string> pathSegments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string decoded;
    Poco::URI::decode(path.substr(start, end - start), decoded);
    out.push_back(decoded);
    start = end + 1;
  }
  return out;
}

class ApiHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ApiHandler(ApiContext& context) : ctx_(context) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    const std::string requestId = requestIdOf(request);
    std::string route = "unknown";
    Response answer;
    std::string contentType = "application/json; charset=utf-8";
    try {
      answer = dispatch(request, requestId, route, contentType);
    } catch (const std::exception& e) {
      log::error("request " + requestId + " failed: " + e.what());
      answer = {500, errorBody("internal_error",
                               "The node could not complete the request; it has been logged.", requestId)};
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(contentType);
    response.set("X-Request-Id", requestId);
    response.set("Cache-Control", "no-store");
    if (answer.status == 401) response.set("WWW-Authenticate", "Bearer");
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.send().write(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
    ctx_.metrics.request(route, answer.status,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

 private:
  Response dispatch(HTTPServerRequest& request, const std::string& requestId, std::string& route,
                    std::string& contentType) {
    Poco::URI uri(request.getURI());
    // Segments are split before percent-decoding, so an id may contain an encoded '/'.
    const std::string path = request.getURI().substr(0, request.getURI().find_first_of("?#"));
    const std::string& method = request.getMethod();
    const auto segments = pathSegments(path);

    if (path == "/metrics") {
      route = "/metrics";
      contentType = "text/plain; version=0.0.4; charset=utf-8";
      return {200, ctx_.metrics.render()};
    }
    if (path == "/v1/health") {
      route = "/v1/health";
      return health();
    }
    if (path == "/v1/registers") {
      route = "/v1/registers";
      if (method != "GET") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      return catalog();
    }
    if (path == "/v1/query") {
      route = "/v1/query";
      if (method != "POST") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      std::string body;
      if (!readBody(request, body))
        return ctx_.queries.refuse(
            principal, requestId, QueryRequest{},
            RequestError{413, "body_too_large", "The request body is larger than 1 MiB.", {}});
      return ctx_.queries.query(principal, requestId, body);
    }
    if (segments.size() == 6 && segments[0] == "v1" && segments[1] == "registers" &&
        segments[4] == "records") {
      route = "/v1/registers/{ags}/{register}/records/{id}";
      if (method != "GET") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      RecordRequest r;
      r.ags = segments[2];
      r.registerName = segments[3];
      r.id = segments[5];
      for (const auto& [k, v] : uri.getQueryParameters())
        if (k == "fields") r.fieldsParam = v;
      Poco::URI::decode(request.get("Regfed-Purpose", ""), r.purpose);
      r.caseRef = request.get("Regfed-Case-Ref", "");
      if (request.has("Regfed-Mandate")) r.mandate = request.get("Regfed-Mandate");
      if (request.has("Regfed-Emergency")) {
        std::string reason;
        Poco::URI::decode(request.get("Regfed-Emergency"), reason);
        r.emergencyReason = reason;
      }
      return ctx_.queries.getRecord(principal, requestId, r);
    }
    std::map<std::string, std::string> query;
    for (const auto& [k, v] : uri.getQueryParameters()) query[k] = v;
    if (path == "/v1/mandates") {
      route = "/v1/mandates";
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      if (method == "GET") return ctx_.mandates.list(principal, requestId, query);
      if (method != "POST") return methodNotAllowed(requestId);
      std::string body;
      if (!readBody(request, body)) return tooLarge(requestId);
      return ctx_.mandates.create(principal, requestId, body);
    }
    if (segments.size() == 4 && segments[0] == "v1" && segments[1] == "mandates" &&
        (segments[3] == "approve" || segments[3] == "revoke")) {
      route = "/v1/mandates/{id}/" + segments[3];
      if (method != "POST") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      return segments[3] == "approve" ? ctx_.mandates.approve(principal, requestId, segments[2])
                                      : ctx_.mandates.revoke(principal, requestId, segments[2]);
    }
    if (path == "/v1/quota" || path == "/v1/reviews" || path == "/v1/audit/alerts") {
      route = path;
      if (method != "GET") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      if (path == "/v1/quota") return ctx_.mandates.quota(principal, requestId, query);
      if (path == "/v1/reviews") return ctx_.mandates.reviews(principal, requestId, query);
      return ctx_.mandates.alerts(principal, requestId);
    }
    if (segments.size() == 4 && segments[0] == "v1" && segments[1] == "reviews" && segments[3] == "close") {
      route = "/v1/reviews/{id}/close";
      if (method != "POST") return methodNotAllowed(requestId);
      Principal principal;
      if (auto refused = authenticate(request, requestId, principal)) return *refused;
      std::string body;
      if (!readBody(request, body)) return tooLarge(requestId);
      return ctx_.mandates.closeReview(principal, requestId, segments[2], body);
    }
    return {404, errorBody("not_found", "There is no endpoint " + method + " " + path + ".", requestId)};
  }

  Response tooLarge(const std::string& requestId) {
    return {413, errorBody("body_too_large", "The request body is larger than 1 MiB.", requestId)};
  }

  Response methodNotAllowed(const std::string& requestId) {
    return {405,
            errorBody("method_not_allowed", "This endpoint does not support that HTTP method.", requestId)};
  }

  std::optional<Response> authenticate(HTTPServerRequest& request, const std::string& requestId,
                                       Principal& out) {
    const std::string header = request.get("Authorization", "");
    if (header.empty())
      return Response{
          401, errorBody("missing_token", "Send a bearer token: Authorization: Bearer <JWT>.", requestId)};
    if (header.compare(0, 7, "Bearer ") != 0)
      return Response{
          401, errorBody("invalid_token", "The Authorization header must be 'Bearer <JWT>'.", requestId)};
    try {
      out = ctx_.tokens.verify(header.substr(7));
    } catch (const AuthError& e) {
      return Response{401, errorBody(e.code(), e.what(), requestId)};
    }
    return std::nullopt;
  }

  // Reads at most kMaxBodyBytes; false when the body is larger.
  bool readBody(HTTPServerRequest& request, std::string& body) {
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(kMaxBodyBytes))
      return false;
    std::istream& in = request.stream();
    char buffer[8192];
    while (in) {
      in.read(buffer, sizeof buffer);
      body.append(buffer, static_cast<std::size_t>(in.gcount()));
      if (body.size() > kMaxBodyBytes) return false;
    }
    return true;
  }

  Response health() {
    const bool auditUp = ctx_.audit.available();
    bool registersUp = true;
    JsonWriter w;
    w.beginObject();
    w.key("node").value(ctx_.config.nodeId);
    w.key("audit").value(auditUp ? "ok" : "unavailable");
    w.key("registers").beginObject();
    for (const auto& r : ctx_.host.registers()) {
      registersUp = registersUp && r->up();
      w.key(r->id()).value(r->up() ? "ok" : "unavailable");
    }
    w.endObject();
    w.key("status").value(auditUp && registersUp ? "ok" : "degraded");
    w.endObject();
    return {auditUp ? 200 : 503, w.str()};
  }

  Response catalog() {
    JsonWriter w;
    w.beginObject().key("registers").beginArray();
    for (const auto& r : ctx_.host.registers()) {
      const auto& c = r->config();
      const auto caps = r->capabilities();
      w.beginObject();
      w.key("ags").value(c.ags);
      w.key("municipality").value(ctx_.config.municipalityName(c.ags));
      w.key("register").value(c.name);
      w.key("title").value(c.title);
      w.key("node").value(ctx_.config.nodeId);
      w.key("status").value(r->up() ? "ok" : "unavailable");
      w.key("id_field").value(c.idField);
      w.key("fields").beginArray();
      for (const auto& f : c.fields) {
        w.beginObject();
        w.key("name").value(f.name);
        w.key("type").value(regfed::sdk::fieldTypeName(f.type));
        w.key("classification").value(regfed::sdk::classificationName(f.classification));
        w.endObject();
      }
      w.endArray();
      // Every operator works on every register: what the adapter cannot do, the node does itself.
      w.key("operations").strings({"get", "search"});
      w.key("filter_operators").strings({"equals", "prefix", "range", "in", "phonetic"});
      std::vector<std::string> pushed;
      for (auto op : caps.operators) pushed.push_back(regfed::sdk::operatorName(op));
      w.key("pushed_down_operators").strings(pushed);
      w.endObject();
    }
    w.endArray().endObject();
    return {200, w.str()};
  }

  ApiContext& ctx_;
};

}  // namespace

Poco::Net::HTTPRequestHandler* HttpApi::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  return new ApiHandler(context_);
}

}  // namespace regfed::core
