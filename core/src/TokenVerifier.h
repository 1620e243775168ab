#pragma once
// Verifies JWT bearer tokens against the trust list (RS256, ES256 only) and caches verified tokens until they
// expire, so signature checks stay off the hot path. Also mints tokens for development (`regfed token`).

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "Config.h"
#include "Principal.h"

namespace regfed::core {

class Metrics;

/// A refused token: code (snake_case) and plain message.
class AuthError : public std::runtime_error {
 public:
  AuthError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  /// snake_case code for the API error.
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

/// Verifies tokens of the configured issuers.
class TokenVerifier {
 public:
  /// Loads every issuer's public key; throws std::runtime_error naming the issuer on a bad key.
  TokenVerifier(const std::vector<IssuerConfig>& issuers, Metrics* metrics);
  ~TokenVerifier();

  /// Verifies a compact JWT; throws AuthError.
  Principal verify(const std::string& jwt);

 private:
  struct Issuer;
  Principal verifyUncached(const std::string& jwt);

  std::vector<std::unique_ptr<Issuer>> issuers_;
  Metrics* metrics_;
  std::mutex cacheMutex_;
  std::unordered_map<std::string, Principal> cache_;
};

/// Mints a token with the issuer's private key; throws std::runtime_error when the config has none for `ags`.
std::string mintToken(const Config& config, const std::string& user, const std::string& ags,
                      const std::vector<std::string>& roles, std::int64_t ttlSeconds,
                      const std::string& name = "");

/// The roles regfed knows.
const std::set<std::string>& knownRoles();

}  // namespace regfed::core
