#include <regfed/audit/Witness.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "KeyFile.h"

namespace regfed::audit {

namespace {

// Largest power of two strictly smaller than n (n >= 2).
std::int64_t split(std::int64_t n) {
  std::int64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash rangeRoot(const std::vector<Hash>& leaves, std::int64_t from, std::int64_t to) {
  if (to - from == 1) return leaves[static_cast<std::size_t>(from)];
  const std::int64_t k = split(to - from);
  return nodeHash(rangeRoot(leaves, from, from + k), rangeRoot(leaves, from + k, to));
}

// SUBPROOF(m, D[from:to], b) of RFC 6962 §2.1.2.
void subproof(const std::vector<Hash>& leaves, std::int64_t m, std::int64_t from, std::int64_t to, bool complete,
              std::vector<Hash>& out) {
  const std::int64_t n = to - from;
  if (m == n) {
    if (!complete) out.push_back(rangeRoot(leaves, from, to));
    return;
  }
  const std::int64_t k = split(n);
  if (m <= k) {
    subproof(leaves, m, from, from + k, complete, out);
    out.push_back(rangeRoot(leaves, from + k, to));
  } else {
    subproof(leaves, m - k, from + k, to, false, out);
    out.push_back(rangeRoot(leaves, from, from + k));
  }
}

std::string sha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string keyId(const std::string& name, const std::string& publicKey) {
  return sha256(name + "\n" + std::string(1, '\x04') + publicKey).substr(0, 4);
}

std::string signedMessage(std::int64_t timestamp, const std::string& body) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + body;
}

std::string rawPublicKey(EVP_PKEY* key) {
  std::string out(32, '\0');
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &length) != 1 || length != 32)
    throw std::runtime_error("cannot read the witness public key");
  return out;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

Hash rootOf(const std::vector<Hash>& leaves, std::int64_t n) {
  if (n == 0) {
    MerkleTree empty;
    return empty.root();
  }
  return rangeRoot(leaves, 0, n);
}

std::vector<Hash> consistencyProof(const std::vector<Hash>& leaves, std::int64_t m, std::int64_t n) {
  std::vector<Hash> out;
  if (m <= 0 || m > n || n > static_cast<std::int64_t>(leaves.size())) return out;
  subproof(leaves, m, 0, n, true, out);
  return out;
}

std::vector<Hash> inclusionProof(const std::vector<Hash>& leaves, std::int64_t index, std::int64_t n) {
  // PATH(m, D[0:n]) of RFC 9162 §2.1.3.1, built from the leaves up.
  std::vector<Hash> out;
  if (index < 0 || index >= n || n > static_cast<std::int64_t>(leaves.size())) return out;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;  // the subtree not containing the leaf, per level
  std::int64_t from = 0, to = n;
  while (to - from > 1) {
    const std::int64_t k = split(to - from);
    if (index < from + k) {
      ranges.emplace_back(from + k, to);
      to = from + k;
    } else {
      ranges.emplace_back(from, from + k);
      from += k;
    }
  }
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) out.push_back(rangeRoot(leaves, it->first, it->second));
  return out;
}

bool verifyInclusion(std::int64_t index, std::int64_t n, const Hash& leaf, const std::vector<Hash>& proof,
                     const Hash& root) {
  // RFC 9162 §2.1.3.2.
  if (index < 0 || index >= n) return false;
  std::int64_t fn = index, sn = n - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = nodeHash(p, r);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verifyConsistency(std::int64_t m, const Hash& oldRoot, std::int64_t n, const Hash& newRoot,
                       const std::vector<Hash>& proof) {
  // RFC 9162 §2.1.4.2.
  if (m <= 0 || m > n) return false;
  if (m == n) return proof.empty() && oldRoot == newRoot;
  if (proof.empty()) return false;
  std::vector<Hash> path = proof;
  // When m is a power of two, the old root itself starts the path.
  if ((m & (m - 1)) == 0) path.insert(path.begin(), oldRoot);
  std::int64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    const Hash& c = path[i];
    if ((fn & 1) || fn == sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == oldRoot && sr == newRoot;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string checkpointOrigin(const std::string& node) { return "regfed.audit/" + node; }

std::string checkpointBody(const std::string& node, std::int64_t size, const Hash& root) {
  return checkpointOrigin(node) + "\n" + std::to_string(size) + "\n" +
         base64(std::string(reinterpret_cast<const char*>(root.data()), root.size())) + "\n";
}

std::string witnessName(const std::string& node) { return "regfed.witness/" + node; }

std::string verifierKey(const std::string& name, const std::string& publicKey) {
  static const char* digits = "0123456789abcdef";
  std::string id;
  for (unsigned char b : keyId(name, publicKey)) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return name + "+" + id + "+" + base64(std::string(1, '\x04') + publicKey);
}

std::string Cosignature::noteLine() const {
  std::string ts(8, '\0');
  for (int i = 0; i < 8; ++i) ts[static_cast<std::size_t>(i)] = static_cast<char>((timestamp >> (56 - 8 * i)) & 0xff);
  return "\xE2\x80\x94 " + witness + " " + base64(keyId(witness, publicKey) + ts + signature);
}

bool Cosignature::verify(const std::string& body) const {
  if (publicKey.size() != 32 || signature.size() != 64 || timestamp < 0) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(publicKey.data()),
                                  publicKey.size()),
      EVP_PKEY_free);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const std::string message = signedMessage(timestamp, body);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

WitnessKey::WitnessKey(EVP_PKEY* key, std::string name)
    : key_(key), name_(std::move(name)), publicKey_(rawPublicKey(key)) {}

WitnessKey::WitnessKey(WitnessKey&& other) noexcept
    : key_(other.key_), name_(std::move(other.name_)), publicKey_(std::move(other.publicKey_)) {
  other.key_ = nullptr;
}

WitnessKey& WitnessKey::operator=(WitnessKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    other.key_ = nullptr;
    name_ = std::move(other.name_);
    publicKey_ = std::move(other.publicKey_);
  }
  return *this;
}

WitnessKey::~WitnessKey() { EVP_PKEY_free(key_); }

WitnessKey WitnessKey::loadOrCreate(const std::string& path, const std::string& node) {
  std::unique_ptr<FILE, FileCloser> in(std::fopen(path.c_str(), "r"));
  if (in) {
    EVP_PKEY* key = PEM_read_PrivateKey(in.get(), nullptr, nullptr, nullptr);
    if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
      EVP_PKEY_free(key);
      throw std::runtime_error("witness key " + path + " is not an Ed25519 private key in PEM");
    }
    return WitnessKey(key, witnessName(node));
  }
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                  EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1)
    throw std::runtime_error("cannot generate a witness key");
  try {
    writePrivateKeyFile(path, key);
  } catch (const std::exception& e) {
    EVP_PKEY_free(key);
    throw std::runtime_error(std::string("cannot write the witness key: ") + e.what());
  }
  return WitnessKey(key, witnessName(node));
}

Cosignature WitnessKey::cosign(const std::string& body) const {
  Cosignature c;
  c.witness = name_;
  c.publicKey = publicKey_;
  c.timestamp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count();
  const std::string message = signedMessage(c.timestamp, body);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t length = 64;
  c.signature.assign(64, '\0');
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(c.signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != 64)
    throw std::runtime_error("cannot cosign");
  return c;
}

}  // namespace regfed::audit
