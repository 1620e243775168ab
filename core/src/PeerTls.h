#pragma once
// TLS between nodes: Thrift sockets that authenticate both sides against the federation's CA (TLS 1.2 or newer,
// 1.3 preferred) and bind the peer's certificate to its node id (the certificate's common name).

#include <thrift/transport/TSSLSocket.h>

#include <memory>
#include <string>

#include "Config.h"

namespace regfed::core {

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

 protected:
  void authorize() override;

 private:
  std::string peerNode_;
  std::string expectedNode_;
};

/// Makes server- and client-side peer sockets with this node's certificate and the federation's CA.
class PeerSocketFactory : public apache::thrift::transport::TSSLSocketFactory {
 public:
  /// Loads the node's certificate and key and the CA; throws std::runtime_error naming the file on failure.
  PeerSocketFactory(const FederationConfig& config, bool server);

  /// Server side: wraps an accepted socket.
  std::shared_ptr<apache::thrift::transport::TSSLSocket> createSocket(THRIFT_SOCKET socket) override;
  std::shared_ptr<apache::thrift::transport::TSSLSocket> createSocket(
      THRIFT_SOCKET socket, std::shared_ptr<THRIFT_SOCKET> interruptListener) override;
  /// Client side: a socket to `host:port` that accepts only a certificate naming `node`.
  std::shared_ptr<PeerSocket> connectTo(const std::string& host, int port, const std::string& node);

 private:
  std::shared_ptr<apache::thrift::TConfiguration> limits_;
};

/// Largest Thrift message or frame accepted from a peer.
constexpr int kMaxPeerMessageBytes = 16 << 20;

}  // namespace regfed::core
