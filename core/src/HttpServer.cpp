#include "HttpServer.h"

#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <algorithm>
#include <thread>

#include "Log.h"
#include "Metrics.h"

namespace regfed::core {

namespace {

// POCO's HTTP connection, reporting its life to the guard (the guard's watchdog needs to know which socket a
// worker thread serves, and the per-client count must drop exactly once).
class GuardedConnection : public Poco::Net::HTTPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ConnectionGuard& guard)
      : HTTPServerConnection(socket, params, factory), guard_(guard) {}

  void run() override {
    struct Finish {
      ConnectionGuard& guard;
      std::string key;
      ~Finish() { guard.finished(key); }
    } finish{guard_, guard_.started(socket())};
    HTTPServerConnection::run();
  }

 private:
  ConnectionGuard& guard_;
};

class GuardedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ConnectionGuard& guard)
      : params_(std::move(params)), factory_(std::move(factory)), guard_(guard) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, factory_, guard_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  ConnectionGuard& guard_;
};

}  // namespace

HttpServer::HttpServer(const Config& config, Metrics& metrics, HttpApi* api,
                       const Poco::Net::ServerSocket& socket)
    : pool_(2, config.maxThreads, 60), guard_(new ConnectionGuard(config.limits, config.maxThreads, &metrics)),
      api_(api) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(config.maxThreads);
  // The guard refuses beyond max_threads + max_queued, so POCO's own queue never drops an accepted socket
  // behind the guard's back (its count would never come down).
  params->setMaxQueued(config.maxThreads + config.limits.maxQueued + 16);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);
  params->setKeepAliveTimeout(Poco::Timespan(config.limits.idleTimeoutMs * 1000));
  // Per receive and send, no shorter than a phase: the guard's deadlines bound each phase as a whole.
  params->setTimeout(
      Poco::Timespan(std::max(config.limits.headerTimeoutMs, config.limits.bodyTimeoutMs) * 1000));
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory(api);
  server_ = std::make_unique<Poco::Net::TCPServer>(new GuardedConnectionFactory(params, factory, *guard_), pool_,
                                                   socket, params);
  server_->setConnectionFilter(guard_);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { server_->start(); }

void HttpServer::stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  server_->stop();  // no new connections; those still queued are dropped
  api_->stopping(false);  // waits for each request in flight; kept-alive connections then close
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (guard_->serving() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (guard_->serving() > 0) {
    log::warn(std::to_string(guard_->serving()) + " connection(s) still open after the grace period; closing them");
    guard_->shutdownAll();
  }
  server_.reset();
  pool_.joinAll();
}

int HttpServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace regfed::core
