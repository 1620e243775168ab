#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "KeyFile.h"

namespace regfed::audit {

std::string TreeHead::signedMessage() const {
  return "regfed tree head v1\n" + node + "\n" + std::to_string(size) + "\n" + toHex(root) + "\n" + time +
         "\n";
}

namespace {

using FilePtr = std::unique_ptr<FILE, decltype(&std::fclose)>;
using CtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

FilePtr openFile(const std::string& path, const char* mode) {
  FILE* f = std::fopen(path.c_str(), mode);
  if (!f) throw KeyError("cannot open key file " + path);
  return FilePtr(f, &std::fclose);
}

std::string computeKeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) throw KeyError("cannot encode public key");
  Hash digest;
  EVP_Digest(der, static_cast<std::size_t>(length), digest.data(), nullptr, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return toHex(digest).substr(0, 16);
}

void requireP256(EVP_PKEY* key, const std::string& path) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 256) {
    EVP_PKEY_free(key);
    throw KeyError("key in " + path + " is not an EC P-256 key");
  }
}

}  // namespace

TreeHeadSigner::TreeHeadSigner(EVP_PKEY* key, bool hasPrivate)
    : key_(key), hasPrivate_(hasPrivate), keyId_(computeKeyId(key)) {}

TreeHeadSigner::TreeHeadSigner(TreeHeadSigner&& other) noexcept
    : key_(other.key_), hasPrivate_(other.hasPrivate_), keyId_(std::move(other.keyId_)) {
  other.key_ = nullptr;
}

TreeHeadSigner& TreeHeadSigner::operator=(TreeHeadSigner&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    hasPrivate_ = other.hasPrivate_;
    keyId_ = std::move(other.keyId_);
    other.key_ = nullptr;
  }
  return *this;
}

TreeHeadSigner::~TreeHeadSigner() { EVP_PKEY_free(key_); }

TreeHeadSigner TreeHeadSigner::fromPrivateKeyFile(const std::string& path) {
  auto file = openFile(path, "r");
  EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
  if (!key) throw KeyError("no PEM private key in " + path);
  requireP256(key, path);
  return TreeHeadSigner(key, true);
}

TreeHeadSigner TreeHeadSigner::fromPublicKeyPem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key || EVP_PKEY_id(key) != EVP_PKEY_EC) {
    EVP_PKEY_free(key);
    throw KeyError("not an EC public key in PEM");
  }
  return TreeHeadSigner(key, false);
}

std::string TreeHeadSigner::publicKeyPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_) != 1) throw KeyError("cannot write the public key");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

TreeHeadSigner TreeHeadSigner::fromPublicKeyFile(const std::string& path) {
  auto file = openFile(path, "r");
  EVP_PKEY* key = PEM_read_PUBKEY(file.get(), nullptr, nullptr, nullptr);
  if (!key) throw KeyError("no PEM public key in " + path);
  requireP256(key, path);
  return TreeHeadSigner(key, false);
}

void TreeHeadSigner::generatePrivateKeyFile(const std::string& path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw KeyError("cannot generate an EC P-256 key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> guard(key, &EVP_PKEY_free);
  try {
    writePrivateKeyFile(path, key);
  } catch (const std::runtime_error& e) {
    throw KeyError(e.what());
  }
}

void TreeHeadSigner::sign(TreeHead& head) const {
  if (!hasPrivate_) throw KeyError("this key can only verify tree heads");
  head.keyId = keyId_;
  const std::string message = head.signedMessage();
  CtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    throw KeyError("cannot sign tree head");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw KeyError("cannot sign tree head");
  signature.resize(length);
  head.signature = std::move(signature);
}

bool TreeHeadSigner::verify(const TreeHead& head) const {
  const std::string message = head.signedMessage();
  CtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(head.signature.data()),
                          head.signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace regfed::audit
