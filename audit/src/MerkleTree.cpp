#include <openssl/evp.h>
#include <openssl/sha.h>
#include <regfed/audit/MerkleTree.h>

#include <algorithm>
#include <future>
#include <memory>

namespace regfed::audit {

namespace {

// SHA-256 of [prefix] a b; prefix < 0: none.
Hash sha256(int prefix, const unsigned char* a, std::size_t na, const unsigned char* b, std::size_t nb) {
  // One context per thread: hashing runs on the audit writer and in the verifier, often many times a second.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  // Fetched once: OpenSSL 3 looks the algorithm up again on every init given EVP_sha256() (an implicit
  // fetch).
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Hash out;
  EVP_DigestInit_ex2(ctx.get(), md, nullptr);
  if (prefix >= 0) {
    const auto p = static_cast<unsigned char>(prefix);
    EVP_DigestUpdate(ctx.get(), &p, 1);
  }
  if (na) EVP_DigestUpdate(ctx.get(), a, na);
  if (nb) EVP_DigestUpdate(ctx.get(), b, nb);
  EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr);
  return out;
}

}  // namespace

Hash sha256Of(const std::string& data) {
  // Not OpenSSL's one-shot SHA256(): in OpenSSL 3 it fetches the algorithm again on every call.
  return sha256(-1, reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
}

Hash leafHash(const std::string& data) {
  return sha256(0x00, reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
}

Hash nodeHash(const Hash& left, const Hash& right) {
  return sha256(0x01, left.data(), left.size(), right.data(), right.size());
}

namespace {

template <class Bytes>
std::string hexOf(const Bytes& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes hex into out[0..n); false on a non-hex digit.
bool decode(const std::string& hex, unsigned char* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

std::string toHex(const Hash& hash) { return hexOf(hash); }

std::string bytesToHex(const std::string& bytes) { return hexOf(bytes); }

bool fromHex(const std::string& hex, Hash& out) { return hex.size() == 64 && decode(hex, out.data(), 32); }

bool hexToBytes(const std::string& hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.assign(hex.size() / 2, '\0');
  return decode(hex, reinterpret_cast<unsigned char*>(out.data()), out.size());
}

void MerkleTree::append(const Hash& leaf) {
  Hash carry = leaf;
  int height = 0;
  // Merge equal-height subtrees like binary addition.
  while (!heights_.empty() && heights_.back() == height) {
    carry = nodeHash(frontier_.back(), carry);
    frontier_.pop_back();
    heights_.pop_back();
    ++height;
  }
  frontier_.push_back(carry);
  heights_.push_back(height);
  ++size_;
}

std::string MerkleTree::frontier() const {
  std::string out;
  out.reserve(frontier_.size() * 32);
  for (const Hash& h : frontier_) out.append(reinterpret_cast<const char*>(h.data()), h.size());
  return out;
}

std::optional<MerkleTree> MerkleTree::fromFrontier(std::int64_t size, const std::string& frontier) {
  if (size < 0) return std::nullopt;
  MerkleTree tree;
  // One subtree per set bit of size, largest first.
  for (int bit = 62; bit >= 0; --bit)
    if (size & (std::int64_t{1} << bit)) tree.heights_.push_back(bit);
  if (frontier.size() != tree.heights_.size() * 32) return std::nullopt;
  for (std::size_t i = 0; i < tree.heights_.size(); ++i) {
    Hash h;
    std::copy(frontier.begin() + static_cast<std::ptrdiff_t>(i * 32),
              frontier.begin() + static_cast<std::ptrdiff_t>(i * 32 + 32), h.begin());
    tree.frontier_.push_back(h);
  }
  tree.size_ = size;
  return tree;
}

Hash MerkleTree::root() const {
  if (frontier_.empty()) {
    Hash empty;
    SHA256(nullptr, 0, empty.data());
    return empty;
  }
  // RFC 6962 splits at the largest power of two, so the smaller subtrees fold in from the right.
  Hash acc = frontier_.back();
  for (std::size_t i = frontier_.size() - 1; i > 0; --i) acc = nodeHash(frontier_[i - 1], acc);
  return acc;
}

// The tree of the largest size n splits at the largest power of two below n (RFC 6962), so both sides are
// built at once: every root past the split is H(left, root of the leaves after the split).
std::vector<Hash> rootsAt(const std::vector<Hash>& leaves, const std::vector<std::int64_t>& sizes) {
  std::vector<Hash> roots(sizes.size());
  if (sizes.empty()) return roots;
  const std::int64_t n = sizes.back();
  std::int64_t split = n;  // n == 1: nothing to split
  if (n >= 2) {
    split = 1;
    while (split * 2 < n) split *= 2;
  }
  const auto firstRight =
      static_cast<std::size_t>(std::upper_bound(sizes.begin(), sizes.end(), split) - sizes.begin());
  // Leaves [from, to) into a tree of their own; its root at sizes[k] for k in [first, last).
  auto build = [&](std::int64_t from, std::int64_t to, std::size_t first, std::size_t last) {
    MerkleTree tree;
    std::size_t k = first;
    for (std::int64_t i = from; i < to; ++i) {
      tree.append(leaves[static_cast<std::size_t>(i)]);
      while (k < last && sizes[k] == i + 1) roots[k++] = tree.root();
    }
    return tree.root();
  };
  std::future<Hash> rightSide;
  if (split < n) rightSide = std::async(std::launch::async, build, split, n, firstRight, sizes.size());
  const Hash left = build(0, split, 0, firstRight);
  if (rightSide.valid()) rightSide.get();
  for (std::size_t k = firstRight; k < sizes.size(); ++k) roots[k] = nodeHash(left, roots[k]);
  return roots;
}

}  // namespace regfed::audit
