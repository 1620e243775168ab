#pragma once
// Signs and verifies tree heads with the node's own ECDSA P-256 key, kept in a PEM file outside the database,
// so a database superuser who rewrites rows and their hashes cannot produce matching signatures.

#include <regfed/audit/TreeHead.h>

#include <memory>
#include <stdexcept>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;

namespace regfed::audit {

/// Raised for unreadable or unsuitable keys.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Holds a key; signs when it is a private key, verifies with either.
class TreeHeadSigner {
 public:
  /// Loads a PEM private key (EC P-256); throws KeyError.
  static TreeHeadSigner fromPrivateKeyFile(const std::string& path);
  /// Loads a PEM public key; such a signer can only verify. Throws KeyError.
  static TreeHeadSigner fromPublicKeyFile(const std::string& path);
  /// Loads a PEM public key from text; such a signer can only verify. Throws KeyError.
  static TreeHeadSigner fromPublicKeyPem(const std::string& pem);
  /// Writes a new EC P-256 private key to `path` (mode 0600); throws KeyError.
  static void generatePrivateKeyFile(const std::string& path);

  TreeHeadSigner(TreeHeadSigner&&) noexcept;
  TreeHeadSigner& operator=(TreeHeadSigner&&) noexcept;
  ~TreeHeadSigner();

  /// Fills keyId and signature of `head`; throws KeyError without a private key.
  void sign(TreeHead& head) const;
  /// True when the signature is valid for this key.
  bool verify(const TreeHead& head) const;
  /// The public key in PEM.
  std::string publicKeyPem() const;
  /// Identifier of the key (see TreeHead::keyId).
  const std::string& keyId() const { return keyId_; }

 private:
  TreeHeadSigner(EVP_PKEY* key, bool hasPrivate);
  EVP_PKEY* key_ = nullptr;
  bool hasPrivate_ = false;
  std::string keyId_;
};

}  // namespace regfed::audit
