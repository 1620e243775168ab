#pragma once
// Who may see what: one pure function from (principal, request, register, context) to a decision with a
// reason code. No I/O and no clock: the caller passes today's date, the mandate the request names (looked up
// by id) and the state of the responder's emergency window, so the rules are tested table-driven without a
// server.

#include <regfed/sdk/Types.h>

#include <optional>
#include <string>
#include <vector>

#include "CalendarDate.h"
#include "Mandate.h"
#include "Principal.h"

namespace regfed::core {

/// What is being done to a register.
enum class Operation { Get, Search };

/// One filter condition as the policy sees it.
struct FilterUse {
  std::string field;         ///< Field filtered on.
  regfed::sdk::Operator op;  ///< Operator used.
};

/// The part of a data request the policy decides on.
struct AccessRequest {
  Operation operation = Operation::Search;         ///< get or search.
  std::string ownerAgs;                            ///< Municipality owning the register.
  std::string registerName;                        ///< Register name.
  std::optional<std::vector<std::string>> fields;  ///< Explicit projection; nullopt: all the caller may see.
  std::vector<FilterUse> filter;                   ///< Conditions of a search.
  std::optional<std::string> mandate;              ///< Mandate id named by the request.
  std::optional<std::string> emergencyReason;      ///< Present when the request claims emergency access.
};

/// The register as the policy needs it.
struct RegisterRules {
  std::vector<regfed::sdk::FieldSpec> schema;  ///< Fields with classification.
  std::string idField;                         ///< Always disclosed with a record.
  std::vector<std::vector<std::string>>
      searchCriteria;  ///< §38 BMG sets for searches from outside; empty: none.
};

/// Facts the caller looked up.
struct PolicyContext {
  Day today = 0;                     ///< Europe/Berlin date of the request.
  const Mandate* mandate = nullptr;  ///< The mandate named by the request, if it exists.
  bool emergencyWindowOpen = false;  ///< The responder's emergency window of this sign-in is open.
};

/// The decision.
struct PolicyDecision {
  bool allowed = false;                    ///< Whether anything may be disclosed.
  std::string reason;                      ///< Reason code: "own_municipality", "mandate", "no_mandate", ...
  std::string message;                     ///< Plain sentence for the caller.
  int refusalStatus = 0;                   ///< 403 or 422 when the whole request must be refused, else 0.
  std::vector<std::string> fields;         ///< Fields to disclose, id field first (allowed only).
  std::vector<std::string> refusedFields;  ///< Fields asked for or filtered on that the caller may not use.
  std::vector<std::string>
      missingCriteria;           ///< §38: fields missing from the closest acceptable criteria set.
  bool withholdBlocked = false;  ///< Blocked records must be withheld (request from outside the owner).
  bool emergency = false;        ///< Allowed as emergency access: flag and alert.
};

/// Decides a request. Deny by default: only what a rule allows is allowed.
PolicyDecision decide(const Principal& principal, const AccessRequest& request, const RegisterRules& rules,
                      const PolicyContext& context);

}  // namespace regfed::core
