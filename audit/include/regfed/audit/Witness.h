#pragma once
// Witnessing, the way transparency-log witnesses work (C2SP tlog-witness, tlog-checkpoint, tlog-cosignature):
// a node's signed tree head is shown to its peers as a checkpoint with an RFC 6962 consistency proof from the
// head each peer cosigned before; a peer cosigns only an append-only extension of what it cosigned, with a
// timestamped Ed25519 cosignature/v1 made with its own witness key. A log rewritten later — even by someone
// holding the database, the host and the log's signing key — no longer matches its neighbours' cosignatures.

#include <regfed/audit/MerkleTree.h>

#include <cstdint>
#include <string>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace regfed::audit {

/// RFC 6962 tree hash of leaves[0, n).
Hash rootOf(const std::vector<Hash>& leaves, std::int64_t n);

/// RFC 9162 §2.1.3 inclusion proof (audit path) of leaf `index` (from 0) in the tree of the first n leaves.
std::vector<Hash> inclusionProof(const std::vector<Hash>& leaves, std::int64_t index, std::int64_t n);

/// Checks an inclusion proof of `leaf` at `index` in a tree of size n with root `root` (RFC 9162 §2.1.3.2).
bool verifyInclusion(std::int64_t index, std::int64_t n, const Hash& leaf, const std::vector<Hash>& proof,
                     const Hash& root);

/// RFC 6962 (RFC 9162 §2.1.4) consistency proof from size m to size n, 0 < m <= n <= leaves.size().
std::vector<Hash> consistencyProof(const std::vector<Hash>& leaves, std::int64_t m, std::int64_t n);

/// Checks a consistency proof from (m, oldRoot) to (n, newRoot) (RFC 9162 §2.1.4.2).
bool verifyConsistency(std::int64_t m, const Hash& oldRoot, std::int64_t n, const Hash& newRoot,
                       const std::vector<Hash>& proof);

/// The checkpoint origin of a node's audit log ("regfed.audit/<node>").
std::string checkpointOrigin(const std::string& node);

/// A C2SP checkpoint's note body: origin, size and base64 root, each on its own line.
std::string checkpointBody(const std::string& node, std::int64_t size, const Hash& root);

/// One cosignature/v1 of a checkpoint.
struct Cosignature {
  std::string witness;        ///< The cosigner's key name (the witness node's id, prefixed "regfed.witness/").
  std::string publicKey;      ///< 32-byte Ed25519 public key.
  std::int64_t timestamp = 0; ///< Seconds since the epoch.
  std::string signature;      ///< 64-byte Ed25519 signature.

  /// The note signature line: "— <name> base64(key id || timestamp || signature)".
  std::string noteLine() const;
  /// True when this is a valid cosignature/v1 of `body`.
  bool verify(const std::string& body) const;
};

/// A witness's Ed25519 key.
class WitnessKey {
 public:
  /// Loads the PEM private key at `path`, creating it (mode 0600) when missing; throws std::runtime_error.
  static WitnessKey loadOrCreate(const std::string& path, const std::string& node);
  WitnessKey(WitnessKey&&) noexcept;
  WitnessKey& operator=(WitnessKey&&) noexcept;
  ~WitnessKey();

  /// Cosigns a checkpoint body now.
  Cosignature cosign(const std::string& body) const;
  const std::string& name() const { return name_; }
  const std::string& publicKey() const { return publicKey_; }

 private:
  WitnessKey(EVP_PKEY* key, std::string name);
  EVP_PKEY* key_ = nullptr;
  std::string name_;
  std::string publicKey_;
};

/// The witness key name of a node.
std::string witnessName(const std::string& node);

/// A C2SP verifier key for a cosignature/v1 key: "<name>+<hex key id>+<base64(0x04 || public key)>".
std::string verifierKey(const std::string& name, const std::string& publicKey);

/// Standard base64 (with padding) of bytes.
std::string base64(const std::string& bytes);

}  // namespace regfed::audit
