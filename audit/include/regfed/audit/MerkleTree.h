#pragma once
// RFC 6962 Merkle tree hashing over the audit log, kept as a compact frontier so appends and roots cost O(log
// n).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace regfed::audit {

/// A SHA-256 digest.
using Hash = std::array<unsigned char, 32>;

/// SHA-256(data).
Hash sha256Of(const std::string& data);

/// SHA-256(0x00 || data): the RFC 6962 leaf hash.
Hash leafHash(const std::string& data);

/// SHA-256(0x01 || left || right): the RFC 6962 interior node hash.
Hash nodeHash(const Hash& left, const Hash& right);

/// Lower-case hex of a hash.
std::string toHex(const Hash& hash);

/// Parses 64 hex digits; false when malformed.
bool fromHex(const std::string& hex, Hash& out);

/// Lower-case hex of arbitrary bytes (signatures).
std::string bytesToHex(const std::string& bytes);

/// Parses an even number of hex digits into bytes; false when malformed.
bool hexToBytes(const std::string& hex, std::string& out);

/// RFC 6962 roots of the first s leaves for every s in `sizes` (ascending, each from 1 to leaves.size()), as
/// a MerkleTree appending them one by one would give; the two sides of the largest tree are built on two
/// threads.
std::vector<Hash> rootsAt(const std::vector<Hash>& leaves, const std::vector<std::int64_t>& sizes);

/// The root of an append-only tree, maintained incrementally.
class MerkleTree {
 public:
  /// Appends one leaf hash.
  void append(const Hash& leaf);
  /// Number of leaves.
  std::int64_t size() const { return size_; }
  /// RFC 6962 tree hash of all leaves; SHA-256 of the empty string for an empty tree.
  Hash root() const;
  /// The roots of the perfect subtrees that make up the tree, largest first, concatenated (32 bytes each):
  /// with the size, all that is needed to go on appending.
  std::string frontier() const;
  /// A tree continued from a stored frontier; nullopt when the frontier does not fit the size.
  static std::optional<MerkleTree> fromFrontier(std::int64_t size, const std::string& frontier);

 private:
  // Roots of the perfect subtrees that make up the tree, largest first (one per set bit of size_).
  std::vector<Hash> frontier_;
  std::vector<int> heights_;
  std::int64_t size_ = 0;
};

}  // namespace regfed::audit
