#pragma once
// Public keys of a token issuer: one PEM file, or a JWKS file (RFC 7517) as identity providers such as
// Keycloak publish it, with several keys told apart by `kid` during key rotation.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace Poco::JWT {
class Signer;
}

namespace regfed::core {

/// One verification key of an issuer.
struct IssuerKey {
  std::string kid;                            ///< Key id from the JWKS; empty for a PEM key.
  std::string algorithm;                      ///< "ES256" or "RS256".
  std::shared_ptr<Poco::JWT::Signer> signer;  ///< Verifies only this algorithm.
};

/// Loads a PEM public key for `algorithm`; throws std::runtime_error with the file name.
IssuerKey loadPemKey(const std::string& path, const std::string& algorithm);

/// Loads the signing keys of a JWKS file: EC P-256 keys as ES256, RSA keys as RS256. Keys with another use or
/// algorithm are skipped; a file without any usable key, or with malformed keys, throws std::runtime_error.
std::vector<IssuerKey> loadJwks(const std::string& path);

}  // namespace regfed::core
