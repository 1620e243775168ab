#include "Policy.h"

#include <algorithm>

namespace regfed::core {

namespace {

PolicyDecision deny(std::string reason, std::string message) {
  PolicyDecision d;
  d.reason = std::move(reason);
  d.message = std::move(message);
  return d;
}

}  // namespace

PolicyDecision decide(const Principal& principal, const AccessRequest& request,
                      const std::vector<regfed::sdk::FieldSpec>& schema) {
  if (principal.roles.empty())
    return deny("no_role", "Your token carries no regfed role; ask your administrator for the role you need.");

  const bool ownMunicipality = principal.ags == request.ownerAgs;
  if (!ownMunicipality) {
    // Access across municipalities needs an approved support mandate (the mandate rules come with the mandate store).
    if (principal.has("helper") || principal.has("responder") || request.mandate)
      return deny("no_mandate", "No approved support mandate lets you read register " + request.registerName +
                                    " of municipality " + request.ownerAgs + ".");
    return deny("other_municipality", "Register " + request.registerName + " belongs to municipality " +
                                          request.ownerAgs + "; you can only read your own municipality's registers.");
  }
  if (!principal.has("clerk")) {
    if (principal.has("dpo") || principal.has("admin"))
      return deny("role_without_data_access",
                  "Your roles (dpo, admin) give access to audit and configuration, not to register data.");
    return deny("no_clerk_role", "Reading your municipality's registers needs the clerk role.");
  }

  // A clerk of the owning municipality may see every field, streng_vertraulich included: it stays in the owner.
  std::vector<std::string> visible;
  for (const auto& f : schema) visible.push_back(f.name);

  PolicyDecision d;
  auto refuse = [&](const std::string& f) {
    if (std::find(visible.begin(), visible.end(), f) == visible.end() &&
        std::find(d.refusedFields.begin(), d.refusedFields.end(), f) == d.refusedFields.end())
      d.refusedFields.push_back(f);
  };
  if (request.fields)
    for (const auto& f : *request.fields) refuse(f);
  for (const auto& f : request.filterFields) refuse(f);
  if (!d.refusedFields.empty()) {
    std::string names;
    for (const auto& f : d.refusedFields) names += (names.empty() ? "" : ", ") + f;
    d.reason = "field_not_permitted";
    d.message = "You may not see or filter on these fields: " + names + ".";
    return d;
  }
  d.allowed = true;
  d.reason = "own_municipality";
  d.message = "Clerk of the owning municipality.";
  if (request.fields) {
    d.fields = *request.fields;
  } else {
    d.fields = visible;
  }
  return d;
}

}  // namespace regfed::core
