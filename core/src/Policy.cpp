#include "Policy.h"

#include <algorithm>

namespace regfed::core {

using regfed::sdk::Classification;
using regfed::sdk::Operator;

namespace {

PolicyDecision deny(std::string reason, std::string message) {
  PolicyDecision d;
  d.reason = std::move(reason);
  d.message = std::move(message);
  return d;
}

// Narrows an allow to the fields the caller may see; refuses fields asked for or filtered on beyond them.
PolicyDecision allowWithin(PolicyDecision d, const AccessRequest& request, const RegisterRules& rules,
                           const std::vector<std::string>& visible) {
  auto refuse = [&](const std::string& f) {
    if (!contains(visible, f) && !contains(d.refusedFields, f)) d.refusedFields.push_back(f);
  };
  if (request.fields)
    for (const auto& f : *request.fields) refuse(f);
  for (const auto& c : request.filter) refuse(c.field);
  if (!d.refusedFields.empty()) {
    d.outcome = Outcome::Forbidden;
    d.withholdBlocked = false;  // a refusal discloses nothing
    d.emergency = false;
    d.reason = "field_not_permitted";
    d.message = "You may not see or filter on these fields: " + joined(d.refusedFields) + ".";
    return d;
  }
  d.outcome = Outcome::Allowed;
  d.fields = {rules.idField};
  for (const auto& f : request.fields ? *request.fields : visible)
    if (f != rules.idField) d.fields.push_back(f);
  return d;
}

// §38 BMG: a person search from outside needs one acceptable criteria set, each field given as an exact value,
// or as a phonetic name on a name field (a phonetic match on any word of an address would make "Straße" an
// address). The refusal names every set the caller could use (one within `visible`; all sets when none is),
// closest first, and says which given conditions did not count. (Registers without criteria sets are not
// searched from outside at all: see decideOutside.)
std::optional<PolicyDecision> criteriaRefusal(const AccessRequest& request, const RegisterRules& rules,
                                              const std::vector<std::string>& visible) {
  if (request.operation != Operation::Search || rules.searchCriteria.empty()) return std::nullopt;
  std::vector<std::string> given, notCounted;
  for (const auto& c : request.filter) {
    if (c.op == Operator::Equals || (c.op == Operator::Phonetic && contains(rules.phoneticFields, c.field)))
      given.push_back(c.field);
    else if (!contains(notCounted, c.field))
      notCounted.push_back(c.field);
  }
  std::vector<CriteriaSet> usable, all;
  for (const auto& set : rules.searchCriteria) {
    CriteriaSet s{set, {}};
    bool withinView = true;
    for (const auto& f : set) {
      if (!contains(given, f)) s.missing.push_back(f);
      withinView = withinView && contains(visible, f);
    }
    if (s.missing.empty()) return std::nullopt;
    all.push_back(s);
    if (withinView) usable.push_back(s);
  }
  std::vector<CriteriaSet> sets = usable.empty() ? all : usable;
  std::stable_sort(sets.begin(), sets.end(), [](const CriteriaSet& a, const CriteriaSet& b) {
    return a.missing.size() < b.missing.size();
  });
  std::vector<std::string> alternatives;
  for (const auto& s : sets) alternatives.push_back(joined(s.fields, " + "));
  std::vector<std::string> ignored;
  for (const auto& f : notCounted)
    for (const auto& s : sets)
      if (contains(s.fields, f) && !contains(ignored, f)) ignored.push_back(f);
  const std::string ignoredText =
      ignored.empty() ? std::string()
                      : " A prefix, range or list" +
                            std::string(rules.phoneticFields.empty() ? ", or a phonetic search," : "") + " on " +
                            joined(ignored) + " does not count" +
                            (rules.phoneticFields.empty()
                                 ? "."
                                 : "; a phonetic search counts on " + joined(rules.phoneticFields) + " only.");
  PolicyDecision refusal = deny(
      "insufficient_criteria",
      "A person search from outside the owning municipality needs one of these criteria sets (§38 BMG), each "
      "field given as an exact value or a phonetic name: " +
          joined(alternatives, "; or ") + ". Missing for the closest: " + joined(sets.front().missing) + "." +
          ignoredText);
  refusal.outcome = Outcome::Invalid;
  refusal.missingCriteria = sets.front().missing;
  refusal.criteriaSets = sets;
  return refusal;
}

std::vector<std::string> shareable(const RegisterRules& rules, const std::vector<std::string>& onlyThese) {
  std::vector<std::string> out;
  for (const auto& f : rules.schema) {
    if (f.classification == Classification::StrengVertraulich) continue;  // never leaves the owner
    if (f.name == rules.idField || contains(onlyThese, f.name)) out.push_back(f.name);
  }
  return out;
}

const char* operationName(Operation op) { return op == Operation::Get ? "get" : "search"; }

std::vector<std::string> rolesOf(const Principal& p) { return {p.roles.begin(), p.roles.end()}; }

// Checks that mandate `m` covers this request by this person today; nullopt when it does.
std::optional<PolicyDecision> mandateRefusal(const Principal& p, const AccessRequest& request,
                                             const Mandate& m, const PolicyContext& context) {
  const bool emergency = m.kind == MandateKind::Emergency;
  if (!m.names(p.id, p.ags))
    return deny("mandate_not_yours", "Mandate " + m.id + " does not name you (" + p.id + ", " + p.ags + ").");
  if (emergency && !p.has("responder"))
    return deny("no_responder_role", "Emergency mandate " + m.id +
                                         " is used by members of the response group (role responder).");
  if (!emergency && !p.has("helper"))
    return deny("no_helper_role", "Working under support mandate " + m.id + " needs the helper role.");
  if (m.ownerAgs != request.ownerAgs)
    return deny("mandate_scope", "Mandate " + m.id + " is for municipality " + m.ownerAgs + ", not " +
                                     request.ownerAgs + ".");
  if (m.status() == "revoked") return deny("mandate_revoked", "Mandate " + m.id + " has been revoked.");
  if (m.status() != "approved")
    return deny("mandate_not_approved", "Mandate " + m.id + " is not yet approved by both municipalities.");
  if (!m.inForce(context.today))
    return deny("mandate_not_in_force", "Mandate " + m.id + " is in force from " + formatDay(m.validFrom) +
                                            " to " + formatDay(m.validUntil) + " only.");
  if (!contains(m.registers, request.registerName))
    return deny("mandate_scope", "Mandate " + m.id + " does not cover register " + request.registerName + ".");
  if (!contains(m.operations, operationName(request.operation)))
    return deny("mandate_scope",
                "Mandate " + m.id + " does not allow '" + operationName(request.operation) + "'.");
  if (emergency && !context.emergencyActive)
    return deny("emergency_not_active",
                "Emergency mandate " + m.id +
                    " grants access only while you have activated it: POST /v1/mandates/" + m.id +
                    "/activate with a reason opens one window a day; it is reported to the data protection "
                    "officer of " +
                    m.ownerAgs + ".");
  return std::nullopt;
}

PolicyDecision decideOutside(const Principal& p, const AccessRequest& request, const RegisterRules& rules,
                             const PolicyContext& context) {
  if (!request.mandate) {
    if (p.has("helper") || p.has("responder"))
      return deny("no_mandate",
                  "Reading register " + request.registerName + " of municipality " + request.ownerAgs +
                      " needs an approved mandate naming you. Name it with \"mandate\": \"M-…\" in a query, "
                      "or with the Regfed-Mandate header for one record; GET /v1/mandates lists the mandates "
                      "naming you.");
    return deny("other_municipality", "Register " + request.registerName + " belongs to municipality " +
                                          request.ownerAgs +
                                          "; you can only read your own municipality's registers.");
  }
  const Mandate* m = context.mandate;
  if (!m) return deny("mandate_not_found", "There is no mandate " + *request.mandate + ".");
  if (auto refusal = mandateRefusal(p, request, *m, context)) return *refusal;
  // Without criteria sets nothing says what a lawful search of this register is: any exact value (an id, a
  // status) would browse it and open its records. Such a register is for its owner's own staff.
  if (rules.searchCriteria.empty())
    return deny("no_search_criteria", "Register " + request.registerName + " of municipality " +
                                          request.ownerAgs +
                                          " has no search criteria configured, so it cannot be searched or opened "
                                          "from outside the municipality.");

  PolicyDecision d;
  d.emergency = m->kind == MandateKind::Emergency;
  d.reason = d.emergency ? "emergency_mandate" : "mandate";
  d.message = d.emergency ? "Emergency mandate " + m->id + "; reported to the data protection officer of " +
                                request.ownerAgs + "."
                          : "Support mandate " + m->id + ".";
  d.withholdBlocked = true;
  const std::vector<std::string> visible = shareable(rules, m->fields);
  d = allowWithin(d, request, rules, visible);
  if (!d.allowed()) return d;
  if (auto refusal = criteriaRefusal(request, rules, visible)) return *refusal;
  // Search first, then open a hit: an id that no lawful search showed this person is answered like an id that
  // does not exist, so ids cannot be guessed, enumerated, or probed for blocks.
  if (request.operation == Operation::Get && !context.recordDisclosed) {
    PolicyDecision neutral = deny("not_disclosed",
                                  "No search under mandate " + m->id +
                                      " disclosed this record to you; search first, then open a hit.");
    neutral.outcome = Outcome::NotFound;
    return neutral;
  }
  return d;
}

}  // namespace

PolicyDecision decide(const Principal& principal, const AccessRequest& request, const RegisterRules& rules,
                      const PolicyContext& context) {
  if (principal.roles.empty())
    return deny("no_role",
                "Your token carries no regfed role; ask your administrator for the role you need.");
  if (principal.ags != request.ownerAgs) return decideOutside(principal, request, rules, context);
  if (!principal.has("clerk")) {
    if (principal.has("dpo") || principal.has("admin"))
      return deny("role_without_data_access",
                  "Your roles (" + joined(rolesOf(principal)) +
                      ") give access to audit and configuration, not to register data; reading your "
                      "municipality's registers needs the clerk role.");
    return deny("no_clerk_role", "Reading your municipality's registers needs the clerk role (your roles: " +
                                     joined(rolesOf(principal)) + ").");
  }
  // A clerk of the owning municipality may see every field, streng_vertraulich included, and blocked records:
  // nothing leaves the municipality.
  PolicyDecision d;
  d.reason = "own_municipality";
  d.message = "Clerk of the owning municipality.";
  std::vector<std::string> all;
  for (const auto& f : rules.schema) all.push_back(f.name);
  return allowWithin(d, request, rules, all);
}

}  // namespace regfed::core
