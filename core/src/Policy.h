#pragma once
// Who may see what: one pure function from (principal, request, register schema) to a decision with a reason code.
// No I/O, no clock reads beyond what the request carries, so it is tested table-driven without a server.

#include <regfed/sdk/Types.h>

#include <optional>
#include <string>
#include <vector>

#include "Principal.h"

namespace regfed::core {

/// What is being done to a register.
enum class Operation { Get, Search };

/// The part of a data request the policy decides on.
struct AccessRequest {
  Operation operation = Operation::Search;              ///< get or search.
  std::string ownerAgs;                                 ///< Municipality owning the register.
  std::string registerName;                             ///< Register name.
  std::optional<std::vector<std::string>> fields;       ///< Explicit projection; nullopt: all the caller may see.
  std::vector<std::string> filterFields;                ///< Fields used in the filter.
  std::optional<std::string> mandate;                   ///< Mandate named by the request.
};

/// The decision.
struct PolicyDecision {
  bool allowed = false;                    ///< Whether anything may be disclosed.
  std::string reason;                      ///< Reason code: "own_municipality", "no_mandate", ...
  std::string message;                     ///< Plain sentence for the caller.
  std::vector<std::string> fields;         ///< Fields to disclose, in schema order (allowed only).
  std::vector<std::string> refusedFields;  ///< Fields asked for that the caller may not see.
};

/// Decides a request. Deny by default: only what a rule allows is allowed.
PolicyDecision decide(const Principal& principal, const AccessRequest& request,
                      const std::vector<regfed::sdk::FieldSpec>& schema);

}  // namespace regfed::core
