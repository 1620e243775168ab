#pragma once
// TLS between nodes: Thrift sockets that authenticate both sides against the federation's CA (TLS 1.2 or newer,
// 1.3 preferred) and bind the peer's certificate to its node id (the certificate's common name).

#include <thrift/transport/TSSLSocket.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "Config.h"

namespace regfed::core {

/// Shuts down sockets that overrun their deadline, so that no read or write on them outlives it: Thrift's
/// timeouts apply to each wait, and a peer dripping a byte now and then would otherwise keep a call (or a
/// handshake) alive for as long as it likes. The socket's owner closes it; the watchdog only shuts it down.
class SocketWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  using Ticket = std::uint64_t;
  SocketWatchdog();
  ~SocketWatchdog();
  /// Shuts `fd` down at `deadline` unless released before.
  Ticket watch(int fd, Clock::time_point deadline);
  /// Stops watching (call before the socket is closed: its number may be reused).
  void release(Ticket ticket);

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<Ticket, std::pair<int, Clock::time_point>> watched_;
  Ticket next_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

/// A TLS socket that knows, after the handshake, which node is at the other end.
class PeerSocket : public apache::thrift::transport::TSSLSocket {
 public:
  using Context = std::shared_ptr<apache::thrift::transport::SSLContext>;
  using Limits = std::shared_ptr<apache::thrift::TConfiguration>;
  PeerSocket(Context ctx, THRIFT_SOCKET socket, Limits limits) : TSSLSocket(ctx, socket, limits) {}
  PeerSocket(Context ctx, THRIFT_SOCKET socket, std::shared_ptr<THRIFT_SOCKET> interrupt, Limits limits)
      : TSSLSocket(ctx, socket, interrupt, limits) {}
  PeerSocket(Context ctx, const std::string& host, int port, Limits limits) : TSSLSocket(ctx, host, port, limits) {}
  /// The node id the peer's verified certificate names; empty before the handshake.
  const std::string& peerNode() const { return peerNode_; }
  /// Client side: the handshake fails unless the server's certificate names this node.
  void expectNode(std::string node) { expectedNode_ = std::move(node); }
  /// Completes the handshake now (client side), so certificate problems surface here.
  void handshake() { initializeHandshake(); }
  /// Server side: only these node ids may complete a handshake (a certificate of the federation's CA is not
  /// enough), and the handshake must end by `deadline` (watched by `watchdog`).
  void admitOnly(const std::set<std::string>* nodes, SocketWatchdog* watchdog,
                 SocketWatchdog::Clock::time_point deadline);
  /// Stops the handshake watch before the descriptor is released: its number may be reused at once by another
  /// connection, which the watch must never shut down (a handshake that failed leaves its watch active).
  void close() override;
  ~PeerSocket() override;

 protected:
  void authorize() override;

 private:
  void releaseWatch();
  std::string peerNode_;
  std::string expectedNode_;
  const std::set<std::string>* admitted_ = nullptr;
  SocketWatchdog* watchdog_ = nullptr;
  SocketWatchdog::Ticket ticket_ = 0;
};

/// Makes server- and client-side peer sockets with this node's certificate and the federation's CA.
class PeerSocketFactory : public apache::thrift::transport::TSSLSocketFactory {
 public:
  /// Loads the node's certificate and key and the CA; throws std::runtime_error naming the file on failure.
  /// A server-side factory admits only the configured peers and gives each handshake `handshakeTimeout`.
  PeerSocketFactory(const FederationConfig& config, bool server,
                    std::chrono::milliseconds handshakeTimeout = std::chrono::seconds(10));

  /// Server side: wraps an accepted socket.
  std::shared_ptr<apache::thrift::transport::TSSLSocket> createSocket(THRIFT_SOCKET socket) override;
  std::shared_ptr<apache::thrift::transport::TSSLSocket> createSocket(
      THRIFT_SOCKET socket, std::shared_ptr<THRIFT_SOCKET> interruptListener) override;
  /// Client side: a socket to `host:port` that accepts only a certificate naming `node`.
  std::shared_ptr<PeerSocket> connectTo(const std::string& host, int port, const std::string& node);

 public:
  /// The limits (message and frame size) every peer socket and its framing use.
  std::shared_ptr<apache::thrift::TConfiguration> limits() const { return limits_; }

 private:
  std::shared_ptr<PeerSocket> adopt(std::shared_ptr<PeerSocket> socket);
  std::shared_ptr<apache::thrift::TConfiguration> limits_;
  std::set<std::string> admitted_;
  std::chrono::milliseconds handshakeTimeout_;
  std::unique_ptr<SocketWatchdog> watchdog_;
};

/// Largest Thrift message or frame a node reads from a peer. Thrift sizes lists by the count a message claims
/// (bounded only by the bytes left in it), so a message can make a reader allocate many times its size; the
/// bounds are kept small. Requests (a search, a record request) are small; an answer of 1000 records with all
/// Melderegister fields is about 0.5 MiB.
constexpr int kMaxPeerRequestBytes = 1 << 20;
constexpr int kMaxPeerResponseBytes = 4 << 20;
/// Most items a list in a peer's message may claim (1000 rows, 1000 `in` values and 256 fields fit). Thrift's
/// binary protocol sizes strings and lists by what the message claims before reading them: its string limit
/// (the frame size) and this container limit keep a claim of gigabytes in a small frame from being allocated.
constexpr int kMaxPeerContainerItems = 10000;

}  // namespace regfed::core
