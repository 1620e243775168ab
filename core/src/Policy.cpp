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

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
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
    d.allowed = false;
    d.withholdBlocked = false;  // a refusal discloses nothing
    d.emergency = false;
    d.refusalStatus = 403;
    d.reason = "field_not_permitted";
    d.message = "You may not see or filter on these fields: " + joined(d.refusedFields) + ".";
    return d;
  }
  d.allowed = true;
  d.fields = {rules.idField};
  for (const auto& f : request.fields ? *request.fields : visible)
    if (f != rules.idField) d.fields.push_back(f);
  return d;
}

// §38 BMG: a person search from outside needs one acceptable criteria set given by equality or phonetics.
// What is missing is named for the closest set the caller may use (one within `visible`), else the closest of
// all.
std::optional<std::vector<std::string>> missingCriteria(const AccessRequest& request,
                                                        const RegisterRules& rules,
                                                        const std::vector<std::string>& visible) {
  if (request.operation != Operation::Search || rules.searchCriteria.empty()) return std::nullopt;
  std::vector<std::string> given;
  for (const auto& c : request.filter)
    if (c.op == Operator::Equals || c.op == Operator::Phonetic) given.push_back(c.field);
  std::optional<std::vector<std::string>> closest, closestUsable;
  for (const auto& set : rules.searchCriteria) {
    std::vector<std::string> missing;
    bool usable = true;
    for (const auto& f : set) {
      if (!contains(given, f)) missing.push_back(f);
      usable = usable && contains(visible, f);
    }
    if (missing.empty()) return std::nullopt;
    if (!closest || missing.size() < closest->size()) closest = missing;
    if (usable && (!closestUsable || missing.size() < closestUsable->size())) closestUsable = missing;
  }
  return closestUsable ? closestUsable : closest;
}

std::vector<std::string> shareable(const RegisterRules& rules, const std::vector<std::string>* onlyThese) {
  std::vector<std::string> out;
  for (const auto& f : rules.schema) {
    if (f.classification == Classification::StrengVertraulich) continue;  // never leaves the owner
    if (f.name == rules.idField || !onlyThese || contains(*onlyThese, f.name)) out.push_back(f.name);
  }
  return out;
}

const char* operationName(Operation op) { return op == Operation::Get ? "get" : "search"; }

PolicyDecision decideOutside(const Principal& p, const AccessRequest& request, const RegisterRules& rules,
                             const PolicyContext& context) {
  if (request.emergencyReason) {
    if (!p.has("responder"))
      return deny("emergency_not_permitted",
                  "Emergency access is for members of the response group (role responder).");
    if (!context.emergencyWindowOpen)
      return deny("emergency_expired",
                  "Emergency access of this sign-in ended 4 hours after its first use; sign in "
                  "again to open a new emergency window (it will be reported again).");
    PolicyDecision d;
    d.reason = "emergency";
    d.message = "Emergency access; reported to the data protection officer of " + request.ownerAgs + ".";
    d.emergency = true;
    d.withholdBlocked = true;
    return allowWithin(d, request, rules, shareable(rules, nullptr));
  }
  if (!request.mandate) {
    if (p.has("helper") || p.has("responder"))
      return deny("no_mandate", "Reading register " + request.registerName + " of municipality " +
                                    request.ownerAgs +
                                    " needs an approved support mandate naming you; name it in the request.");
    return deny("other_municipality", "Register " + request.registerName + " belongs to municipality " +
                                          request.ownerAgs +
                                          "; you can only read your own municipality's registers.");
  }
  const Mandate* m = context.mandate;
  if (!m) return deny("mandate_not_found", "There is no mandate " + *request.mandate + ".");
  if (m->helperAgs != p.ags || !contains(m->helpers, p.id))
    return deny("mandate_not_yours", "Mandate " + m->id + " does not name you as a helper.");
  if (!p.has("helper")) return deny("no_helper_role", "Working under a mandate needs the helper role.");
  if (m->ownerAgs != request.ownerAgs)
    return deny("mandate_scope", "Mandate " + m->id + " is for municipality " + m->ownerAgs + ", not " +
                                     request.ownerAgs + ".");
  if (m->status() == "revoked") return deny("mandate_revoked", "Mandate " + m->id + " has been revoked.");
  if (m->status() != "approved")
    return deny("mandate_not_approved", "Mandate " + m->id + " is not yet approved by both municipalities.");
  if (!m->inForce(context.today))
    return deny("mandate_not_in_force", "Mandate " + m->id + " is in force from " + formatDay(m->validFrom) +
                                            " to " + formatDay(m->validUntil) + " only.");
  if (!contains(m->registers, request.registerName))
    return deny("mandate_scope",
                "Mandate " + m->id + " does not cover register " + request.registerName + ".");
  if (!contains(m->operations, operationName(request.operation)))
    return deny("mandate_scope", std::string("Mandate ") + m->id + " does not allow '" +
                                     operationName(request.operation) + "'.");
  PolicyDecision d;
  d.reason = "mandate";
  d.message = "Support mandate " + m->id + ".";
  d.withholdBlocked = true;
  const std::vector<std::string> visible = shareable(rules, &m->fields);
  d = allowWithin(d, request, rules, visible);
  if (!d.allowed) return d;
  if (auto missing = missingCriteria(request, rules, visible)) {
    PolicyDecision refusal =
        deny("insufficient_criteria",
             "A person search needs a surname and first name together with an address or place of "
             "residence and one more detail (§38 BMG); missing: " +
                 joined(*missing) + ".");
    refusal.refusalStatus = 422;
    refusal.missingCriteria = *missing;
    return refusal;
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
                  "Your roles (dpo, admin) give access to audit and configuration, not to register data.");
    return deny("no_clerk_role", "Reading your municipality's registers needs the clerk role.");
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
