#include "PeerTls.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <openssl/x509.h>
#include <thrift/TConfiguration.h>

namespace regfed::core {

using apache::thrift::transport::TSSLException;
using apache::thrift::transport::TSSLSocket;

namespace {

// The certificate's subject common name, or "" when it has none.
std::string commonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

SocketWatchdog::SocketWatchdog() : thread_([this] { run(); }) {}

SocketWatchdog::~SocketWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

SocketWatchdog::Ticket SocketWatchdog::watch(int fd, Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Ticket t = next_++;
  watched_[t] = {fd, deadline};
  return t;
}

void SocketWatchdog::release(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mutex_);
  watched_.erase(ticket);
}

void SocketWatchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(25), [this] { return stopping_; })) {
    const auto now = Clock::now();
    for (auto it = watched_.begin(); it != watched_.end();) {
      if (it->second.second <= now) {
        ::shutdown(it->second.first, SHUT_RDWR);  // the blocked read or write returns at once
        it = watched_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void PeerSocket::admitOnly(const std::set<std::string>* nodes, SocketWatchdog* watchdog,
                           SocketWatchdog::Clock::time_point deadline) {
  admitted_ = nodes;
  watchdog_ = watchdog;
  ticket_ = watchdog->watch(static_cast<int>(getSocketFD()), deadline);
}

void PeerSocket::releaseWatch() {
  if (watchdog_ && ticket_) watchdog_->release(ticket_);
  ticket_ = 0;
}

void PeerSocket::close() {
  releaseWatch();
  TSSLSocket::close();
}

PeerSocket::~PeerSocket() { releaseWatch(); }

void PeerSocket::authorize() {
  // Chain verified against the CA (validity dates included) and a certificate present: TSSLSocket checks both.
  TSSLSocket::authorize();
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) throw TSSLException("the peer presented no certificate");
  peerNode_ = commonName(cert);
  X509_free(cert);
  if (peerNode_.empty()) throw TSSLException("the peer's certificate names no node (common name)");
  if (!expectedNode_.empty() && peerNode_ != expectedNode_)
    throw TSSLException("the certificate names node \"" + peerNode_ + "\", not \"" + expectedNode_ + "\"");
  if (admitted_ && !admitted_->count(peerNode_))
    throw TSSLException("node \"" + peerNode_ + "\" is not a configured peer");
  releaseWatch();  // the handshake is over in time
}

PeerSocketFactory::PeerSocketFactory(const FederationConfig& config, bool server,
                                     std::chrono::milliseconds handshakeTimeout)
    : TSSLSocketFactory(apache::thrift::transport::SSLTLS),
      limits_(std::make_shared<apache::thrift::TConfiguration>(server ? kMaxPeerRequestBytes : kMaxPeerResponseBytes,
                                                               server ? kMaxPeerRequestBytes : kMaxPeerResponseBytes)),
      handshakeTimeout_(handshakeTimeout) {
  if (server) {
    for (const auto& p : config.peers) admitted_.insert(p.node);
    watchdog_ = std::make_unique<SocketWatchdog>();
  }
  SSL_CTX* ctx = ctx_->get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // 1.3 is negotiated when both sides speak it
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  this->server(server);
  authenticate(true);
  ciphers("ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL");
  auto load = [&](const std::string& what, const std::string& path, auto call) {
    try {
      call();
    } catch (const std::exception& e) {
      throw std::runtime_error("federation: cannot load the " + what + " " + path + ": " + e.what());
    }
  };
  load("CA certificate", config.ca, [&] { loadTrustedCertificates(config.ca.c_str()); });
  load("node certificate", config.certificate, [&] { loadCertificate(config.certificate.c_str()); });
  load("node private key", config.privateKey, [&] { loadPrivateKey(config.privateKey.c_str()); });
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw std::runtime_error("federation: the private key " + config.privateKey + " does not match " +
                             config.certificate);
}

std::shared_ptr<PeerSocket> PeerSocketFactory::adopt(std::shared_ptr<PeerSocket> s) {
  s->server(server());
  if (watchdog_) s->admitOnly(&admitted_, watchdog_.get(), SocketWatchdog::Clock::now() + handshakeTimeout_);
  return s;
}

std::shared_ptr<TSSLSocket> PeerSocketFactory::createSocket(THRIFT_SOCKET socket) {
  return adopt(std::make_shared<PeerSocket>(ctx_, socket, limits_));
}

std::shared_ptr<TSSLSocket> PeerSocketFactory::createSocket(THRIFT_SOCKET socket,
                                                            std::shared_ptr<THRIFT_SOCKET> interruptListener) {
  return adopt(std::make_shared<PeerSocket>(ctx_, socket, interruptListener, limits_));
}

std::shared_ptr<PeerSocket> PeerSocketFactory::connectTo(const std::string& host, int port,
                                                         const std::string& node) {
  auto s = std::make_shared<PeerSocket>(ctx_, host, port, limits_);
  s->server(false);
  s->expectNode(node);
  return s;
}

}  // namespace regfed::core
