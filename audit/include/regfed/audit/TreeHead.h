#pragma once
// A signed statement: "the audit log of node N has size S and root hash R at time T".

#include <regfed/audit/MerkleTree.h>

#include <cstdint>
#include <string>

namespace regfed::audit {

/// A tree head and its signature.
struct TreeHead {
  std::string node;       ///< Node id.
  std::int64_t size = 0;  ///< Number of events covered.
  Hash root{};            ///< RFC 6962 root over events 1..size.
  std::string time;       ///< UTC RFC 3339 with microseconds.
  std::string keyId;      ///< SHA-256 (hex, first 16 digits) of the signing key's public key (DER).
  std::string signature;  ///< DER-encoded ECDSA P-256 / SHA-256 signature over signedMessage().

  /// The exact bytes that are signed.
  std::string signedMessage() const;
};

}  // namespace regfed::audit
