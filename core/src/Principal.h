#pragma once
// An authenticated person, as the policy sees them.

#include <cstdint>
#include <set>
#include <string>

namespace regfed::core {

/// Who is asking: taken from a verified token.
struct Principal {
  std::string id;               ///< `sub` claim (user id).
  std::string ags;              ///< Home municipality (`ags` claim).
  std::set<std::string> roles;  ///< Known roles from the `roles` claim.
  std::string name;             ///< Optional display name.
  std::string issuer;           ///< `iss` claim.
  std::int64_t expiresAt = 0;   ///< `exp`, seconds since the epoch.
  std::int64_t issuedAt = 0;    ///< `iat`, seconds since the epoch (0 when absent); keys emergency windows.
  std::string token;  ///< The bearer token as presented: it travels to the nodes that own the data asked for.

  /// True when the principal holds `role`.
  bool has(const std::string& role) const { return roles.count(role) > 0; }
};

}  // namespace regfed::core
