#include "PeerTls.h"

#include <openssl/ssl.h>
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
}

PeerSocketFactory::PeerSocketFactory(const FederationConfig& config, bool server)
    : TSSLSocketFactory(apache::thrift::transport::SSLTLS),
      limits_(std::make_shared<apache::thrift::TConfiguration>(kMaxPeerMessageBytes, kMaxPeerMessageBytes)) {
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

std::shared_ptr<TSSLSocket> PeerSocketFactory::createSocket(THRIFT_SOCKET socket) {
  auto s = std::make_shared<PeerSocket>(ctx_, socket, limits_);
  s->server(server());
  return s;
}

std::shared_ptr<TSSLSocket> PeerSocketFactory::createSocket(THRIFT_SOCKET socket,
                                                            std::shared_ptr<THRIFT_SOCKET> interruptListener) {
  auto s = std::make_shared<PeerSocket>(ctx_, socket, interruptListener, limits_);
  s->server(server());
  return s;
}

std::shared_ptr<PeerSocket> PeerSocketFactory::connectTo(const std::string& host, int port,
                                                         const std::string& node) {
  auto s = std::make_shared<PeerSocket>(ctx_, host, port, limits_);
  s->server(false);
  s->expectNode(node);
  return s;
}

}  // namespace regfed::core
