#pragma once
// Who may see what: one pure function from (principal, request, register, context) to a decision with a
// reason code. No I/O and no clock: the caller passes today's date, the mandate the request names (looked up
// by id), whether an emergency mandate is activated for the caller, and whether an earlier search disclosed
// the record asked for, so the rules are tested table-driven without a server. The outcome is transport-
// neutral; the services map it to an HTTP status in one function (refusalStatus).

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
};

/// The register as the policy needs it.
struct RegisterRules {
  std::vector<regfed::sdk::FieldSpec> schema;  ///< Fields with classification.
  std::string idField;                         ///< Always disclosed with a record.
  std::vector<std::vector<std::string>>
      searchCriteria;  ///< §38 BMG sets for searches from outside; empty: at least one exact condition.
  std::vector<std::string> phoneticFields;  ///< Name fields where a phonetic condition counts as given.
};

/// Facts the caller looked up.
struct PolicyContext {
  Day today = 0;                     ///< Europe/Berlin date of the request.
  const Mandate* mandate = nullptr;  ///< The mandate named by the request, if it exists.
  bool emergencyActive = false;      ///< The caller activated the named emergency mandate; its window is open.
  bool recordDisclosed = false;      ///< A get from outside: an allowed search disclosed this record to the
                                     ///< caller under the named mandate before.
};

/// How a request ends, independent of the transport.
enum class Outcome {
  Allowed,    ///< Disclose `fields`.
  Denied,     ///< Nothing for this target: a search reports it per municipality, a get is refused.
  Forbidden,  ///< Refuse the whole request: it asks for fields the caller may never use.
  Invalid,    ///< Refuse the whole request: it does not meet a legal requirement (§38 BMG criteria).
  NotFound,   ///< The neutral answer, exactly as for a record that does not exist.
};

/// One §38 criteria set the caller could use, with what the request lacks of it.
struct CriteriaSet {
  std::vector<std::string> fields;   ///< The set.
  std::vector<std::string> missing;  ///< Fields of the set not given as an exact value or phonetic name.
};

/// The decision.
struct PolicyDecision {
  Outcome outcome = Outcome::Denied;       ///< How the request ends.
  std::string reason;                      ///< Reason code: "own_municipality", "mandate", "no_mandate", ...
  std::string message;                     ///< Plain sentence for the caller.
  std::vector<std::string> fields;         ///< Fields to disclose, id field first (allowed only).
  std::vector<std::string> refusedFields;  ///< Fields asked for or filtered on that the caller may not use.
  std::vector<std::string> missingCriteria;  ///< §38: fields missing from the closest usable criteria set.
  std::vector<CriteriaSet> criteriaSets;     ///< §38: every set the caller could use, closest first.
  bool withholdBlocked = false;  ///< Blocked records must be withheld (request from outside the owner).
  bool emergency = false;        ///< Allowed under an emergency mandate: flag and alert.

  /// True when something may be disclosed.
  bool allowed() const { return outcome == Outcome::Allowed; }
};

/// Decides a request. Deny by default: only what a rule allows is allowed.
PolicyDecision decide(const Principal& principal, const AccessRequest& request, const RegisterRules& rules,
                      const PolicyContext& context);

}  // namespace regfed::core
