#include "TokenVerifier.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <regfed/audit/AuditEvent.h>

#include <Poco/String.h>

#include <algorithm>
#include <chrono>

#include "IssuerKeys.h"
#include "Metrics.h"

namespace regfed::core {

namespace {

constexpr std::int64_t kLeewaySeconds = 60;
constexpr std::size_t kCacheLimit = 20000;

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Poco::JWT::Signer> makeMintingSigner(const IssuerConfig& issuer) {
  std::unique_ptr<Poco::JWT::Signer> signer;
  if (issuer.algorithm == "RS256")
    signer = std::make_unique<Poco::JWT::Signer>(Poco::SharedPtr<Poco::Crypto::RSAKey>(
        new Poco::Crypto::RSAKey(issuer.publicKey, issuer.privateKey, "")));
  else
    signer = std::make_unique<Poco::JWT::Signer>(Poco::SharedPtr<Poco::Crypto::ECKey>(
        new Poco::Crypto::ECKey(issuer.publicKey, issuer.privateKey, "")));
  return signer;
}

}  // namespace

const std::set<std::string>& knownRoles() {
  static const std::set<std::string> roles = {"clerk", "helper", "dpo", "admin", "responder"};
  return roles;
}

struct TokenVerifier::Issuer {
  IssuerConfig config;
  std::vector<IssuerKey> keys;
  std::mutex mutex;  // POCO's signer is not documented as thread-safe
};

TokenVerifier::TokenVerifier(const std::vector<IssuerConfig>& issuers, Metrics* metrics) : metrics_(metrics) {
  for (const auto& config : issuers) {
    auto issuer = std::make_unique<Issuer>();
    issuer->config = config;
    try {
      if (config.jwks.empty())
        issuer->keys.push_back(loadPemKey(config.publicKey, config.algorithm));
      else
        issuer->keys = loadJwks(config.jwks);
    } catch (const std::exception& e) {
      throw std::runtime_error("issuer " + config.iss + ": " + e.what());
    }
    issuers_.push_back(std::move(issuer));
  }
}

TokenVerifier::~TokenVerifier() = default;

Principal TokenVerifier::verify(const std::string& jwt) {
  {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    auto it = cache_.find(jwt);
    if (it != cache_.end()) {
      if (it->second.expiresAt + kLeewaySeconds < nowSeconds()) {
        cache_.erase(it);
        throw AuthError("token_expired", "The token has expired; sign in again.");
      }
      if (metrics_) metrics_->tokenCache(true);
      return it->second;
    }
  }
  if (metrics_) metrics_->tokenCache(false);
  Principal principal;
  try {
    principal = verifyUncached(jwt);
  } catch (const Poco::Exception&) {
    // A header or claim of a type POCO cannot convert (e.g. "iss": 5, "kid": {}): malformed, not a 500.
    throw AuthError("invalid_token", "The token's header or claims are malformed.");
  }
  std::lock_guard<std::mutex> lock(cacheMutex_);
  if (cache_.size() >= kCacheLimit) cache_.clear();  // crude but bounded; tokens re-verify once
  cache_.emplace(jwt, principal);
  return principal;
}

Principal TokenVerifier::verifyUncached(const std::string& jwt) {
  if (jwt.size() > 16384) throw AuthError("invalid_token", "The token is too large.");
  Poco::JWT::Token unverified;
  try {
    unverified = Poco::JWT::Token(jwt);
  } catch (const Poco::Exception&) {
    throw AuthError("invalid_token", "The bearer token is not a well-formed JWT.");
  }
  const std::string alg = unverified.getAlgorithm();
  if (alg != "ES256" && alg != "RS256")
    throw AuthError("invalid_token", "Token algorithm '" + alg + "' is not accepted; use RS256 or ES256.");
  const std::string iss = unverified.getIssuer();
  auto it =
      std::find_if(issuers_.begin(), issuers_.end(), [&](const auto& i) { return i->config.iss == iss; });
  if (it == issuers_.end())
    throw AuthError("unknown_issuer", "The token's issuer '" + iss + "' is not trusted.");
  Issuer& issuer = **it;
  // With a key id, only that key may verify; without one, any of the issuer's keys for this algorithm.
  const std::string kid = unverified.header().optValue<std::string>("kid", "");
  std::vector<const IssuerKey*> candidates;
  for (const auto& key : issuer.keys)
    if (key.algorithm == alg && (kid.empty() || key.kid.empty() || key.kid == kid))
      candidates.push_back(&key);
  if (candidates.empty())
    throw AuthError("unknown_key",
                    "Issuer '" + iss + "' has no " + alg + " key" +
                        (kid.empty() ? "" : " with id '" + kid + "'") +
                        "; the identity provider may have rotated its keys (update the JWKS file).");
  Poco::JWT::Token token;
  bool valid = false;
  {
    std::lock_guard<std::mutex> lock(issuer.mutex);
    for (const IssuerKey* key : candidates) {
      try {
        valid = key->signer->tryVerify(jwt, token);
      } catch (const Poco::Exception&) {
        valid = false;
      }
      if (valid) break;
    }
  }
  if (!valid)
    throw AuthError("invalid_token", "The token's signature is not valid for issuer '" + iss + "'.");

  const auto& claims = token.payload();
  // Claims are read by type: a claim of the wrong type makes a malformed token (401), never a conversion.
  auto number = [&](const char* name) -> std::optional<std::int64_t> {
    if (!claims.has(name) || claims.isNull(name)) return std::nullopt;
    auto v = claims.get(name);
    if (!v.isNumeric() || v.isBoolean())
      throw AuthError("invalid_token", std::string("Claim '") + name + "' must be a number.");
    const double seconds = v.convert<double>();
    if (!(seconds > -1e12 && seconds < 1e12))
      throw AuthError("invalid_token", std::string("Claim '") + name + "' is not a time.");
    return static_cast<std::int64_t>(seconds);
  };
  auto text = [&](const char* name) -> std::string {
    if (!claims.has(name) || claims.isNull(name)) return "";
    auto v = claims.get(name);
    if (!v.isString()) throw AuthError("invalid_token", std::string("Claim '") + name + "' must be a string.");
    return v.extract<std::string>();
  };
  // A string, or an array of strings (aud, roles).
  auto texts = [&](const char* name, bool arrayOnly) -> std::vector<std::string> {
    std::vector<std::string> out;
    if (!claims.has(name) || claims.isNull(name)) return out;
    auto v = claims.get(name);
    if (v.isString() && !arrayOnly) return {v.extract<std::string>()};
    auto list = claims.getArray(name);
    if (!list)
      throw AuthError("invalid_token", std::string("Claim '") + name + "' must be an array of strings.");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto item = list->get(static_cast<unsigned>(i));
      if (!item.isString())
        throw AuthError("invalid_token", std::string("Claim '") + name + "' must be an array of strings.");
      out.push_back(item.extract<std::string>());
    }
    return out;
  };
  const auto now = nowSeconds();
  auto exp = number("exp");
  if (!exp) throw AuthError("invalid_token", "The token has no expiry ('exp').");
  if (*exp + kLeewaySeconds < now) throw AuthError("token_expired", "The token has expired; sign in again.");
  if (auto nbf = number("nbf"); nbf && *nbf - kLeewaySeconds > now)
    throw AuthError("invalid_token", "The token is not valid yet.");
  if (auto iat = number("iat"); iat && *iat - kLeewaySeconds > now)
    throw AuthError("invalid_token", "The token was issued in the future; check the clocks.");

  // Identity providers issue tokens for many applications from one realm: only ours will do.
  const std::vector<std::string> audiences = texts("aud", false);
  const std::string& expected = issuer.config.audience;
  if (std::find(audiences.begin(), audiences.end(), expected) == audiences.end()) {
    std::string given;
    for (const auto& a : audiences) given += (given.empty() ? "'" : ", '") + a + "'";
    throw AuthError("wrong_audience", "The token is meant for " + (given.empty() ? "no audience" : given) +
                                          ", not for regfed ('" + expected +
                                          "'); ask your identity provider for a token for regfed.");
  }
  if (!issuer.config.tokenType.empty()) {
    // Keycloak puts the type into a claim ("Bearer"); RFC 9068 into the JOSE header ("at+jwt").
    std::string typ = text("typ");
    if (typ.empty() && unverified.header().has("typ") && unverified.header().get("typ").isString())
      typ = unverified.header().get("typ").extract<std::string>();
    if (Poco::icompare(typ, issuer.config.tokenType) != 0)
      throw AuthError("wrong_token_type", "The token's type is '" + typ + "'; regfed accepts '" +
                                              issuer.config.tokenType + "' tokens of issuer '" + iss +
                                              "' (an access token, not an ID or refresh token).");
  }
  if (!issuer.config.authorizedParties.empty()) {
    const std::string azp = text("azp");
    const auto& parties = issuer.config.authorizedParties;
    if (std::find(parties.begin(), parties.end(), azp) == parties.end())
      throw AuthError("wrong_authorized_party",
                      "The token was issued to client '" + azp + "', which is not allowed to call regfed.");
  }

  Principal p;
  p.issuer = iss;
  p.expiresAt = *exp;
  p.issuedAt = number("iat").value_or(0);
  p.id = text("sub");
  p.ags = text("ags");
  p.name = text("name");
  if (p.id.empty()) throw AuthError("invalid_token", "The token has no subject ('sub').");
  // The subject and name go into the audit trail and the log: printable UTF-8 only.
  auto printable = [](const std::string& s) {
    return regfed::audit::isStorableText(s) &&
           std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  };
  if (!printable(p.id) || !printable(p.name) || p.id.size() > 256 || p.name.size() > 256)
    throw AuthError("invalid_token", "The token's subject or name is not acceptable text.");
  if (!isAgs(p.ags)) throw AuthError("invalid_token", "Claim 'ags' must be an 8-digit municipality key.");
  const auto& allowed = issuer.config.municipalities;
  if (std::find(allowed.begin(), allowed.end(), p.ags) == allowed.end())
    throw AuthError("issuer_not_trusted_for_ags",
                    "Issuer '" + iss + "' is not trusted to issue tokens for municipality " + p.ags + ".");
  for (const auto& role : texts("roles", true))
    if (knownRoles().count(role)) p.roles.insert(role);  // an IdP's own roles are ignored, not refused
  return p;
}

std::string mintToken(const Config& config, const std::string& user, const std::string& ags,
                      const std::vector<std::string>& roles, std::int64_t ttlSeconds,
                      const std::string& name) {
  const IssuerConfig* issuer = nullptr;
  for (const auto& i : config.issuers)
    if (!i.privateKey.empty() &&
        std::find(i.municipalities.begin(), i.municipalities.end(), ags) != i.municipalities.end()) {
      issuer = &i;
      break;
    }
  if (!issuer)
    throw std::runtime_error("no issuer in " + config.file + " has a private key and may issue tokens for " +
                             ags);
  if (issuer->algorithm.empty())
    throw std::runtime_error("issuer " + issuer->iss + " needs 'algorithm' to mint development tokens");
  auto signer = makeMintingSigner(*issuer);
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setIssuer(issuer->iss);
  token.setSubject(user);
  token.setAudience(issuer->audience);
  if (!issuer->tokenType.empty()) token.payload().set("typ", issuer->tokenType);
  if (!issuer->authorizedParties.empty()) token.payload().set("azp", issuer->authorizedParties.front());
  const auto now = nowSeconds();
  token.payload().set("iat", now);
  token.payload().set("exp", now + ttlSeconds);
  token.payload().set("ags", ags);
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& r : roles) list->add(r);
  token.payload().set("roles", list);
  if (!name.empty()) token.payload().set("name", name);
  return signer->sign(token, issuer->algorithm);
}

}  // namespace regfed::core
