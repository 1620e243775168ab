#include "HttpApi.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "ConnectionGuard.h"
#include "DataRequest.h"
#include "Json.h"
#include "Log.h"
#include "RequestTarget.h"
#include "StaticFiles.h"

namespace regfed::core {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using Phase = ConnectionGuard::Phase;
using Clock = std::chrono::steady_clock;

std::string decodedSegment(const std::string& raw) { return percentDecode(raw).value_or(raw); }

// The one place where a service's answer becomes HTTP.
Response toHttp(const Answer& answer, const std::string& requestId) {
  if (!answer.error) return {answer.created ? 201 : 200, answer.payload};
  const RequestError& e = *answer.error;
  return {httpStatus(e.kind), errorBody(e.code, e.message, requestId, e.fields, e.details)};
}

enum class BodyRead { Ok, TooLarge, TooSlow };

class ApiHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ApiHandler(ApiContext& context) : ctx_(context) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    ConnectionGuard::enter(Phase::Handling);
    const auto started = Clock::now();
    // The node makes every request id itself; a client's id is only kept for correlation and echoed.
    const RequestMeta meta{Poco::UUIDGenerator::defaultGenerator().createRandom().toString(),
                           acceptableCorrelationId(request.get("X-Request-Id", "")), std::nullopt};
    std::string route = "unknown";
    Response answer;
    std::string contentType = "application/json; charset=utf-8";
    try {
      response_ = &response;
      answer = dispatch(request, meta, route, contentType);
    } catch (const std::exception& e) {
      log::error("request " + meta.id + " failed: " + e.what());
      answer = {500, errorBody("internal_error",
                               "The node could not complete the request; it has been logged.", meta.id)};
    }
    ConnectionGuard::enter(Phase::Responding);
    if (answer.sent) {
      ctx_.metrics.request(route, answer.status, std::chrono::duration<double>(Clock::now() - started).count());
      ConnectionGuard::enter(Phase::AwaitingRequest);
      return;
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(contentType);
    response.set("Regfed-Request-Id", meta.id);
    response.set("X-Request-Id", meta.correlationId.value_or(meta.id));
    response.set("Cache-Control", "no-store");
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    if (answer.status == 401) response.set("WWW-Authenticate", "Bearer");
    const bool hasBody = (request.hasContentLength() && request.getContentLength64() > 0) ||
                         request.getChunkedTransferEncoding();
    if (hasBody && !bodyConsumed_) response.setKeepAlive(false);  // what was not read cannot be skipped
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    std::ostream& out = response.send();
    out.write(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
    out.flush();  // sent within the Responding deadline, not after the phase is over
    ctx_.metrics.request(route, answer.status, std::chrono::duration<double>(Clock::now() - started).count());
    // Closing with an unread body in the socket makes the kernel reset the connection, and a client still
    // sending it may never read the answer (413 for an oversized body): read a bounded part away first, as web
    // servers' lingering close does.
    if (hasBody && !bodyConsumed_) discardUnreadBody(request);
    ConnectionGuard::enter(Phase::AwaitingRequest);
  }

 private:
  Response dispatch(HTTPServerRequest& request, const RequestMeta& meta, std::string& route,
                    std::string& contentType) {
    const std::string& uri = request.getURI();
    if (uri.empty() || uri[0] != '/')
      return {400, errorBody("malformed_request", "The request target must be a path such as /v1/health.",
                             meta.id)};
    const RequestTarget target = splitTarget(uri);
    const auto& s = target.segments;
    const std::string& method = request.getMethod();
    const std::string& path = target.path;

    if (path == "/metrics") {
      route = "/metrics";
      const auto client = request.clientAddress().host();
      bool permitted = false;
      for (const auto& range : ctx_.config.metricsClients) permitted = permitted || range.contains(client);
      if (!permitted)
        return {403, errorBody("metrics_not_permitted",
                               "/metrics is served only to the addresses in node.metrics_clients.", meta.id)};
      contentType = "text/plain; version=0.0.4; charset=utf-8";
      // The writer's availability includes a commit that PostgreSQL holds, which no event reports.
      ctx_.metrics.setAuditUp(ctx_.audit.available());
      return {200, ctx_.metrics.render()};
    }
    if (path == "/v1/health") {
      route = "/v1/health";
      return health();
    }
    if (path == "/v1/registers") {
      route = "/v1/registers";
      if (method != "GET") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      return catalog();
    }
    if (path == "/v1/query") {
      route = "/v1/query";
      if (method != "POST") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      std::string body;
      if (auto error = readBodyOrError(request, body))
        return toHttp(ctx_.queries.refuse(principal, meta, QueryRequest{}, *error), meta.id);
      return toHttp(ctx_.queries.query(principal, meta, body), meta.id);
    }
    if (s.size() == 6 && s[0] == "v1" && s[1] == "registers" && s[4] == "records") {
      route = "/v1/registers/{ags}/{register}/records/{id}";
      if (method != "GET") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      RecordRequest r = readRecordRequest(s[2], s[3], s[5], target.query,
                                          [&](const std::string& name) -> std::optional<std::string> {
                                            if (!request.has(name)) return std::nullopt;
                                            return request.get(name);
                                          });
      return toHttp(ctx_.queries.getRecord(principal, meta, r), meta.id);
    }
    const std::map<std::string, std::string> query = queryParameters(target.query);
    if (path == "/v1/mandates") {
      route = "/v1/mandates";
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      if (method == "GET") return toHttp(ctx_.mandates.list(principal, meta, query), meta.id);
      if (method != "POST") return methodNotAllowed(meta.id);
      std::string body;
      if (auto error = readBodyOrError(request, body))
        return toHttp(ctx_.mandates.refuse(principal, meta, "mandate_create", *error), meta.id);
      return toHttp(ctx_.mandates.create(principal, meta, body), meta.id);
    }
    if (s.size() == 4 && s[0] == "v1" && s[1] == "mandates" &&
        (s[3] == "approve" || s[3] == "revoke" || s[3] == "activate")) {
      route = "/v1/mandates/{id}/" + s[3];
      if (method != "POST") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      const std::string id = decodedSegment(s[2]);
      if (s[3] == "approve") return toHttp(ctx_.mandates.approve(principal, meta, id), meta.id);
      if (s[3] == "revoke") return toHttp(ctx_.mandates.revoke(principal, meta, id), meta.id);
      std::string body;
      if (auto error = readBodyOrError(request, body))
        return toHttp(ctx_.mandates.refuse(principal, meta, "mandate_activate", *error, id), meta.id);
      return toHttp(ctx_.mandates.activate(principal, meta, id, body), meta.id);
    }
    if (path == "/v1/quota" || path == "/v1/reviews" || path == "/v1/audit/alerts") {
      route = path;
      if (method != "GET") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      if (path == "/v1/quota") return toHttp(ctx_.mandates.quota(principal, meta, query), meta.id);
      if (path == "/v1/reviews") return toHttp(ctx_.oversight.reviews(principal, meta, query), meta.id);
      return toHttp(ctx_.oversight.alerts(principal, meta, query), meta.id);
    }
    if (s.size() == 5 && s[0] == "v1" && s[1] == "audit" && s[2] == "alerts" &&
        (s[4] == "acknowledge" || s[4] == "close")) {
      route = "/v1/audit/alerts/{id}/" + s[4];
      if (method != "POST") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      std::string body;
      if (auto error = readBodyOrError(request, body))
        return toHttp(ctx_.oversight.refuse(principal, meta, "alert_" + s[4], *error), meta.id);
      return toHttp(ctx_.oversight.changeAlert(principal, meta, decodedSegment(s[3]), s[4] == "close", body), meta.id);
    }
    if (s.size() >= 3 && s[0] == "v1" && s[1] == "audit") return auditReview(request, meta, route, query);
    if (s.size() >= 2 && s[0] == "v1" && s[1] == "procedures") return procedures(request, meta, route, query);
    // The DPOs' and the helpers' pages, and what both use (web/common).
    if (method == "GET" && s.size() >= 1 && (s[0] == "dpo" || s[0] == "helfer" || s[0] == "common")) {
      route = "/" + s[0] + "/";
      if (path == "/" + s[0]) return {301, "", {{"Location", route}}};
      auto file = findStaticFile(ctx_.config.webDir, {"dpo", "helfer", "common"}, path);
      if (!file) return {404, errorBody("not_found", "There is no page " + path + ".", meta.id)};
      contentType = file->contentType;
      Response page{200, std::move(file->body), webPageHeaders()};
      page.headers.push_back({"Cache-Control", "no-cache"});
      return page;
    }
    if (s.size() == 4 && s[0] == "v1" && s[1] == "reviews" && s[3] == "close") {
      route = "/v1/reviews/{id}/close";
      if (method != "POST") return methodNotAllowed(meta.id);
      Principal principal;
      if (auto refused = authenticate(request, meta.id, principal)) return *refused;
      std::string body;
      if (auto error = readBodyOrError(request, body))
        return toHttp(ctx_.oversight.refuse(principal, meta, "review_close", *error), meta.id);
      return toHttp(ctx_.oversight.closeReview(principal, meta, decodedSegment(s[2]), body), meta.id);
    }
    return {404, errorBody("not_found", "There is no endpoint " + method + " " + path + ".", meta.id)};
  }

  // GET /v1/procedures; GET …/{ags}/{procedure}/items[/{id}]; POST …/items/{id}/{claim,release,complete}.
  Response procedures(HTTPServerRequest& request, const RequestMeta& meta, std::string& route,
                      const std::map<std::string, std::string>& query) {
    const auto& s = splitTarget(request.getURI()).segments;
    const std::string& method = request.getMethod();
    const bool post = s.size() == 7 && (s[6] == "claim" || s[6] == "release" || s[6] == "complete");
    if (s.size() == 2)
      route = "/v1/procedures";
    else if (s.size() == 5 && s[4] == "items")
      route = "/v1/procedures/{ags}/{procedure}/items";
    else if (s.size() == 6 && s[4] == "items")
      route = "/v1/procedures/{ags}/{procedure}/items/{id}";
    else if (post && s[4] == "items")
      route = "/v1/procedures/{ags}/{procedure}/items/{id}/" + s[6];
    else
      return {404, errorBody("not_found", "There is no endpoint " + method + " " + splitTarget(request.getURI()).path +
                                              ".", meta.id)};
    if (method != (post ? "POST" : "GET")) return methodNotAllowed(meta.id);
    Principal principal;
    if (auto refused = authenticate(request, meta.id, principal)) return *refused;
    ProcedureService& service = ctx_.procedures;
    if (s.size() == 2) return toHttp(service.catalog(principal), meta.id);
    ItemCall call;
    call.ags = decodedSegment(s[2]);
    call.procedure = decodedSegment(s[3]);
    if (s.size() >= 6) call.itemId = decodedSegment(s[5]);
    if (request.has("Regfed-Mandate")) call.mandate = request.get("Regfed-Mandate");
    if (s.size() == 5) {
      for (const auto& [name, value] : query)
        if (name != "status" && name != "after" && name != "limit")
          return toHttp(service.refuse(principal, meta, "item_list", call,
                                       RequestError{Failure::Invalid, "unknown_parameter",
                                                    "Unknown parameter '" + name + "'.", {}}),
                        meta.id);
      if (auto it = query.find("status"); it != query.end()) call.status = it->second;
      if (auto it = query.find("after"); it != query.end()) call.after = it->second;
      if (auto it = query.find("limit"); it != query.end()) {
        try {
          call.limit = std::stoll(it->second);
        } catch (const std::exception&) {
          call.limit = 0;  // refused by the service as out of range
        }
      }
      return toHttp(service.list(principal, meta, call), meta.id);
    }
    if (!post) return toHttp(service.view(principal, meta, call), meta.id);
    if (auto error = readBodyOrError(request, call.body))
      return toHttp(service.refuse(principal, meta, "item_" + s[6], call, *error), meta.id);
    if (s[6] == "claim") return toHttp(service.claim(principal, meta, call), meta.id);
    if (s[6] == "release") return toHttp(service.release(principal, meta, call), meta.id);
    return toHttp(service.complete(principal, meta, call), meta.id);
  }

  // GET /v1/audit/events, /subjects/{ags}/{register}/{id}, /verify, /key, /proof/{inclusion,consistency},
  // /export.
  Response auditReview(HTTPServerRequest& request, const RequestMeta& meta, std::string& route,
                       const std::map<std::string, std::string>& query) {
    const auto& s = splitTarget(request.getURI()).segments;
    const std::string what = s[2];
    if (s.size() == 6 && what == "subjects")
      route = "/v1/audit/subjects/{ags}/{register}/{id}";
    else if (s.size() == 4 && what == "proof" && (s[3] == "inclusion" || s[3] == "consistency"))
      route = "/v1/audit/proof/" + s[3];
    else if (s.size() == 3 && (what == "events" || what == "verify" || what == "key" || what == "export"))
      route = "/v1/audit/" + what;
    else
      return {404, errorBody("not_found", "There is no endpoint " + request.getMethod() + " " +
                                              splitTarget(request.getURI()).path + ".", meta.id)};
    if (request.getMethod() != "GET") return methodNotAllowed(meta.id);
    Principal principal;
    if (auto refused = authenticate(request, meta.id, principal)) return *refused;
    AuditReviewService& review = ctx_.review;
    if (what == "events") return toHttp(review.events(principal, meta, query), meta.id);
    if (what == "subjects")
      return toHttp(review.subject(principal, meta, decodedSegment(s[3]), decodedSegment(s[4]), decodedSegment(s[5])),
                    meta.id);
    if (what == "verify") return toHttp(review.verify(principal, meta), meta.id);
    if (what == "key") return toHttp(review.key(principal, meta), meta.id);
    if (what == "proof") return toHttp(review.proof(principal, meta, s[3], query), meta.id);
    // The export streams: the response starts once the service has decided, and is chunked.
    struct Sink : ExportSink {
      Sink(HTTPServerResponse& r, const RequestMeta& m, Poco::Net::StreamSocket& s)
          : response(r), meta(m), socket(s) {}
      std::ostream& begin(const std::string& contentType, const std::string& filename) override {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType(contentType);
        response.set("Content-Disposition", "attachment; filename=\"" + filename + "\"");
        response.set("Regfed-Request-Id", meta.id);
        response.set("X-Request-Id", meta.correlationId.value_or(meta.id));
        response.set("Cache-Control", "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        response.setChunkedTransferEncoding(true);
        response.setKeepAlive(false);
        // A client that stops reading must not hold the export (its thread, its database connection, an export
        // slot): a write blocked this long fails, which ends the export.
        socket.setSendTimeout(Poco::Timespan(30, 0));
        started = true;
        return response.send();
      }
      HTTPServerResponse& response;
      const RequestMeta& meta;
      Poco::Net::StreamSocket& socket;
      bool started = false;
    } sink(*response_, meta, static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket());
    Answer answer = review.exportEvents(principal, meta, query, sink);
    if (!sink.started) return toHttp(answer, meta.id);
    Response streamed{200, ""};
    streamed.sent = true;
    return streamed;
  }

  static RequestError tooLargeError() {
    return RequestError{Failure::TooLarge, "body_too_large", "The request body is larger than 1 MiB.", {}};
  }

  RequestError tooSlowError() const {
    return RequestError{Failure::Timeout,
                        "request_timeout",
                        "The request body did not arrive within " +
                            std::to_string(ctx_.config.limits.bodyTimeoutMs) + " ms.",
                        {}};
  }

  // Reads the body; the error to answer (and audit) when it is too large or too slow.
  std::optional<RequestError> readBodyOrError(HTTPServerRequest& request, std::string& body) {
    switch (readBody(request, body)) {
      case BodyRead::TooLarge:
        return tooLargeError();
      case BodyRead::TooSlow:
        return tooSlowError();
      case BodyRead::Ok:
        break;
    }
    return std::nullopt;
  }

  static Response methodNotAllowed(const std::string& requestId) {
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
      out.token = header.substr(7);
    } catch (const AuthError& e) {
      return Response{401, errorBody(e.code(), e.what(), requestId)};
    }
    return std::nullopt;
  }

  // Reads and drops what is left of a refused body: at most 4 MiB, within the body deadline (the connection
  // guard shuts the reading side of a connection that overruns it).
  void discardUnreadBody(HTTPServerRequest& request) {
    ConnectionGuard::enter(Phase::ReadingBody);
    const auto deadline = Clock::now() + std::chrono::milliseconds(ctx_.config.limits.bodyTimeoutMs);
    try {
      std::istream& in = request.stream();
      char buffer[8192];
      std::size_t dropped = 0;
      while (in && dropped < 4 * kMaxBodyBytes && Clock::now() < deadline) {
        in.read(buffer, sizeof buffer);
        dropped += static_cast<std::size_t>(in.gcount());
      }
    } catch (const Poco::Exception&) {
      // The client went away: nothing left to protect.
    }
  }

  // Reads at most kMaxBodyBytes within the body deadline (the connection guard shuts the reading side of a
  // connection that overruns it, which ends a stalled read here).
  BodyRead readBody(HTTPServerRequest& request, std::string& body) {
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(kMaxBodyBytes))
      return BodyRead::TooLarge;
    // No Content-Length and not chunked: HTTP/1.1 says there is no body (a bare `curl -X POST`).
    if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) {
      bodyConsumed_ = true;
      return BodyRead::Ok;
    }
    // Reading the body has its deadline; whatever way this ends, the request is back in Handling.
    struct BodyPhase {
      BodyPhase() { ConnectionGuard::enter(Phase::ReadingBody); }
      ~BodyPhase() { ConnectionGuard::enter(Phase::Handling); }
    } phase;
    const auto deadline = Clock::now() + std::chrono::milliseconds(ctx_.config.limits.bodyTimeoutMs);
    std::istream& in = request.stream();
    char buffer[8192];
    try {
      while (in) {
        in.read(buffer, sizeof buffer);
        body.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (body.size() > kMaxBodyBytes) return BodyRead::TooLarge;
        if (Clock::now() > deadline) return BodyRead::TooSlow;
      }
    } catch (const Poco::Exception&) {
      return BodyRead::TooSlow;  // the connection broke or timed out mid-body
    }
    if (request.hasContentLength() && static_cast<Poco::Int64>(body.size()) < request.getContentLength64())
      return BodyRead::TooSlow;  // the guard cut it short
    bodyConsumed_ = true;
    return BodyRead::Ok;
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
    w.key("procedures").beginObject();
    for (const auto& p : ctx_.procedures.host().procedures()) {
      registersUp = registersUp && p->up();
      w.key(p->id()).value(p->up() ? "ok" : "unavailable");
    }
    w.endObject();
    if (ctx_.federation) {
      // Peers are reported, but a peer being down does not degrade this node: it answers for its own.
      w.key("peers").beginObject();
      for (const auto& peer : ctx_.federation->peers()) w.key(peer.node).value(peer.status);
      w.endObject();
    }
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
    const std::vector<PeerView> peers = ctx_.federation ? ctx_.federation->peers() : std::vector<PeerView>{};
    // The other nodes' registers as their last catalog said, marked unavailable while the node is not reachable.
    for (const auto& peer : peers) {
      if (!peer.catalog) continue;
      for (const auto& r : peer.catalog->registers) {
        w.beginObject();
        w.key("ags").value(r.ags);
        w.key("municipality").value(ctx_.config.federationMunicipalityName(r.ags));
        w.key("register").value(r.register_name);
        w.key("title").value(r.title);
        w.key("node").value(peer.node);
        w.key("status").value(peer.status == "ok" ? r.status : "unavailable");
        w.key("id_field").value(r.id_field);
        w.key("fields").beginArray();
        for (const auto& f : r.fields)
          w.beginObject().key("name").value(f.name).key("type").value(f.type).key("classification").value(
              f.classification).endObject();
        w.endArray();
        w.key("operations").strings(r.operations);
        w.key("filter_operators").strings({"equals", "prefix", "range", "in", "phonetic"});
        w.endObject();
      }
    }
    w.endArray();
    w.key("nodes").beginArray();
    std::vector<std::string> own;
    for (const auto& m : ctx_.config.municipalities) own.push_back(m.ags);
    w.beginObject().key("node").value(ctx_.config.nodeId).key("status").value("ok");
    w.key("municipalities").strings(own).key("self").value(true).endObject();
    for (const auto& peer : peers) {
      std::vector<std::string> hosted;
      for (const auto& p : ctx_.config.federation.peers)
        if (p.node == peer.node)
          for (const auto& m : p.municipalities) hosted.push_back(m.ags);
      w.beginObject().key("node").value(peer.node).key("status").value(peer.status);
      w.key("municipalities").strings(hosted).key("self").value(false);
      if (!peer.lastError.empty()) w.key("error").value(peer.lastError);
      w.endObject();
    }
    w.endArray().endObject();
    return {200, w.str()};
  }

  ApiContext& ctx_;
  Poco::Net::HTTPServerResponse* response_ = nullptr;
  bool bodyConsumed_ = false;
};

}  // namespace

int httpStatus(Failure kind) {
  switch (kind) {
    case Failure::Malformed:
      return 400;
    case Failure::Unauthenticated:
      return 401;
    case Failure::Forbidden:
      return 403;
    case Failure::NotFound:
      return 404;
    case Failure::Timeout:
      return 408;
    case Failure::Conflict:
      return 409;
    case Failure::TooLarge:
      return 413;
    case Failure::Invalid:
      return 422;
    case Failure::Unavailable:
      return 503;
    case Failure::Internal:
      break;
  }
  return 500;
}

std::optional<std::string> acceptableCorrelationId(const std::string& given) {
  if (given.empty() || given.size() > 128) return std::nullopt;
  for (char c : given)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' && c != '-')
      return std::nullopt;
  return given;
}

Poco::Net::HTTPRequestHandler* HttpApi::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  return new ApiHandler(context_);
}

}  // namespace regfed::core
