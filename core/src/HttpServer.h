#pragma once
// The node's HTTP(S) server: POCO's TCPServer with the node's own worker pool (sized by node.max_threads, not
// POCO's default pool of 16), connections that report to the ConnectionGuard, and a clean stop that lets
// requests in flight finish.

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>

#include "Config.h"
#include "ConnectionGuard.h"
#include "HttpApi.h"

namespace regfed::core {

class Metrics;

/// Serves `api` on `socket` within `config`'s limits.
class HttpServer {
 public:
  HttpServer(const Config& config, Metrics& metrics, HttpApi* api, const Poco::Net::ServerSocket& socket);
  ~HttpServer();

  /// Starts accepting connections.
  void start();
  /// Stops accepting and lets requests in flight finish; connections still open after `grace` are shut down.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// The port bound.
  int port() const;

 private:
  Poco::ThreadPool pool_;
  Poco::AutoPtr<ConnectionGuard> guard_;
  HttpApi* api_;  // owned by server_ through the connection factory's shared pointer
  std::unique_ptr<Poco::Net::TCPServer> server_;
  bool stopped_ = false;
};

}  // namespace regfed::core
