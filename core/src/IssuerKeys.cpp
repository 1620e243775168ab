#include "IssuerKeys.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

namespace regfed::core {

namespace {

std::string base64url(const std::string& text, const std::string& what) {
  std::string padded = text;
  while (padded.size() % 4) padded += '=';
  std::istringstream in(padded);
  Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING);
  std::string out;
  try {
    out.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const Poco::Exception&) {
    throw std::runtime_error(what + " is not base64url");
  }
  if (out.empty()) throw std::runtime_error(what + " is empty");
  return out;
}

// Builds an EVP_PKEY from OSSL parameters; the caller owns the result.
EVP_PKEY* fromParams(const char* type, OSSL_PARAM_BLD* builder) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return ok ? key : nullptr;
}

EVP_PKEY* rsaKey(const std::string& n, const std::string& e) {
  OSSL_PARAM_BLD* b = OSSL_PARAM_BLD_new();
  BIGNUM* bn =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* be =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn);
  OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
  EVP_PKEY* key = fromParams("RSA", b);
  OSSL_PARAM_BLD_free(b);
  BN_free(bn);
  BN_free(be);
  return key;
}

EVP_PKEY* p256Key(const std::string& x, const std::string& y) {
  if (x.size() != 32 || y.size() != 32) return nullptr;
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* b = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  EVP_PKEY* key = fromParams("EC", b);
  OSSL_PARAM_BLD_free(b);
  return key;
}

std::shared_ptr<Poco::JWT::Signer> signerFor(EVP_PKEY* raw, const std::string& algorithm) {
  Poco::Crypto::EVPPKey key(raw);  // duplicates the key
  EVP_PKEY_free(raw);
  std::shared_ptr<Poco::JWT::Signer> signer;
  if (algorithm == "ES256")
    signer = std::make_shared<Poco::JWT::Signer>(
        Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(key)));
  else
    signer = std::make_shared<Poco::JWT::Signer>(
        Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(key)));
  // Only this key's algorithm: "none" and HMAC variants are never accepted.
  signer->setAlgorithms({algorithm});
  return signer;
}

}  // namespace

IssuerKey loadPemKey(const std::string& path, const std::string& algorithm) {
  IssuerKey k;
  k.algorithm = algorithm;
  try {
    if (algorithm == "ES256")
      k.signer = std::make_shared<Poco::JWT::Signer>(
          Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(path, "", "")));
    else
      k.signer = std::make_shared<Poco::JWT::Signer>(
          Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(path, "", "")));
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot load public key " + path + ": " + e.displayText());
  }
  k.signer->setAlgorithms({algorithm});
  return k;
}

std::vector<IssuerKey> loadJwks(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read JWKS file " + path);
  std::stringstream text;
  text << in.rdbuf();
  Poco::JSON::Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    throw std::runtime_error(path + " is not a JWKS document (a JSON object with \"keys\")");
  }
  auto keys = root->getArray("keys");
  if (!keys) throw std::runtime_error(path + " has no \"keys\" array");
  std::vector<IssuerKey> out;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    auto jwk = keys->getObject(static_cast<unsigned>(i));
    const std::string where = path + " keys[" + std::to_string(i) + "]";
    if (!jwk) throw std::runtime_error(where + " is not an object");
    const std::string kty = jwk->optValue<std::string>("kty", "");
    const std::string use = jwk->optValue<std::string>("use", "sig");
    const std::string alg = jwk->optValue<std::string>("alg", "");
    if (use != "sig") continue;  // encryption keys are not for us
    IssuerKey k;
    k.kid = jwk->optValue<std::string>("kid", "");
    EVP_PKEY* raw = nullptr;
    if (kty == "EC" && jwk->optValue<std::string>("crv", "") == "P-256" && (alg.empty() || alg == "ES256")) {
      k.algorithm = "ES256";
      raw = p256Key(base64url(jwk->optValue<std::string>("x", ""), where + ".x"),
                    base64url(jwk->optValue<std::string>("y", ""), where + ".y"));
    } else if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
      k.algorithm = "RS256";
      raw = rsaKey(base64url(jwk->optValue<std::string>("n", ""), where + ".n"),
                   base64url(jwk->optValue<std::string>("e", ""), where + ".e"));
    } else {
      continue;  // other curves and algorithms are not accepted
    }
    if (!raw) throw std::runtime_error(where + " is not a valid " + k.algorithm + " public key");
    k.signer = signerFor(raw, k.algorithm);
    out.push_back(std::move(k));
  }
  if (out.empty()) throw std::runtime_error(path + " contains no ES256 (EC P-256) or RS256 signing key");
  return out;
}

}  // namespace regfed::core
