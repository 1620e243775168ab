#pragma once
// Keeps clients from starving the node. At accept time it caps the connections one client address may hold
// open and the connections waiting for a worker in total; a closed connection is refused before it takes a
// thread. While a connection is served, a watchdog gives each phase a deadline — the request header from
// connect (or from the previous response), the request body, the response — and shuts down the reading side of
// a connection that overruns it, so a client that sends half a header and waits holds a thread for seconds,
// not forever.

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "Config.h"
#include "PeriodicTask.h"

namespace regfed::core {

class Metrics;

/// Accept-time limits and per-phase deadlines for the node's HTTP connections.
class ConnectionGuard : public Poco::Net::TCPServerConnectionFilter {
 public:
  /// What a served connection is doing; each phase but Handling has a deadline.
  enum class Phase { AwaitingRequest, ReadingBody, Handling, Responding };

  /// `maxThreads` workers serve connections; `limits` bound the rest.
  ConnectionGuard(const HttpLimits& limits, int maxThreads, Metrics* metrics);
  ~ConnectionGuard() override;

  /// Acceptor thread: false (the socket is closed at once) when the client address or the node is at its cap.
  bool accept(const Poco::Net::StreamSocket& socket) override;

  /// Worker thread: the connection accepted for `socket` starts being served. Returns the client key to hand
  /// back to finished().
  std::string started(const Poco::Net::StreamSocket& socket);
  /// Worker thread: the connection for `key` is done (its socket is about to close).
  void finished(const std::string& key);

  /// The connection served by the calling worker thread enters `phase` (no-op outside a guarded connection).
  static void enter(Phase phase);

  /// Open connections (accepted, not yet finished).
  int open() const;
  /// Connections being served by a worker right now.
  std::size_t serving() const;
  /// Shuts down every connection being served (both directions): the last step of a stop whose grace ran out.
  void shutdownAll();

  /// A connection being served (defined in the .cpp).
  struct Served;

 private:
  void watch();
  static std::string clientKey(const Poco::Net::StreamSocket& socket);

  /// An accepted connection waiting for a worker: its client and when it was accepted (the header deadline
  /// runs from then). Keyed by descriptor: unique while the socket waits in the queue.
  struct Pending {
    std::string key;
    std::chrono::steady_clock::time_point acceptedAt;
  };

  HttpLimits limits_;
  int totalCap_;
  Metrics* metrics_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> perClient_;
  std::unordered_map<int, Pending> pending_;
  std::set<Served*> served_;
  int total_ = 0;
  PeriodicTask watchdog_;
};

}  // namespace regfed::core
