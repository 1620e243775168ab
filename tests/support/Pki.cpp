#include "Pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace regfed::test {

namespace {

void writeKey(EVP_PKEY* key, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f || !PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr))
    throw std::runtime_error("cannot write " + path);
  std::fclose(f);
}

void writeCert(X509* cert, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f || !PEM_write_X509(f, cert)) throw std::runtime_error("cannot write " + path);
  std::fclose(f);
}

void extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("bad certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* newCert(EVP_PKEY* key, const std::string& cn, long fromSeconds, long toSeconds, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), fromSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert), toSeconds);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  return cert;
}

}  // namespace

TestCa::TestCa(const std::string& dir, const std::string& name) : dir_(dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = newCert(key, name, -3600, 30L * 86400, 1);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  X509_sign(cert, key, EVP_sha256());
  certFile_ = dir + "/" + name + ".pem";
  writeCert(cert, certFile_);
  writeKey(key, dir + "/" + name + ".key");
  key_ = key;
  cert_ = cert;
}

TestCa::~TestCa() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
  X509_free(static_cast<X509*>(cert_));
}

std::pair<std::string, std::string> TestCa::issue(const std::string& node, int validDays) const {
  static long serial = 100;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  const long from = validDays < 0 ? (validDays - 10) * 86400L : -3600;
  const long to = validDays < 0 ? validDays * 86400L : validDays * 86400L;
  X509* cert = newCert(key, node, from, to, ++serial);
  X509* ca = static_cast<X509*>(cert_);
  X509_set_issuer_name(cert, X509_get_subject_name(ca));
  extension(cert, ca, NID_basic_constraints, "critical,CA:FALSE");
  extension(cert, ca, NID_key_usage, "critical,digitalSignature");
  extension(cert, ca, NID_ext_key_usage, "serverAuth,clientAuth");
  extension(cert, ca, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_sign(cert, static_cast<EVP_PKEY*>(key_), EVP_sha256());
  const std::string suffix = validDays < 0 ? "-expired" : "";
  const std::string certPath = dir_ + "/" + node + suffix + ".pem", keyPath = dir_ + "/" + node + suffix + ".key";
  writeCert(cert, certPath);
  writeKey(key, keyPath);
  X509_free(cert);
  EVP_PKEY_free(key);
  return {certPath, keyPath};
}

}  // namespace regfed::test
