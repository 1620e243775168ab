#include "Mandate.h"

#include <algorithm>

namespace regfed::core {

const char* mandateKindName(MandateKind kind) {
  return kind == MandateKind::Emergency ? "emergency" : "support";
}

bool Mandate::names(const std::string& user, const std::string& ags) const {
  return ags == helperAgs && contains(helpers, user);
}

std::string Mandate::status() const {
  if (!revokedBy.empty()) return "revoked";
  if (!ownerApprovedBy.empty() && !helperApprovedBy.empty()) return "approved";
  return "pending";
}

bool Mandate::inForce(Day day) const {
  return status() == "approved" && day >= validFrom && day <= validUntil;
}

std::int64_t Mandate::supportDays() const {
  if (kind == MandateKind::Emergency) return 0;
  return static_cast<std::int64_t>(helpers.size()) * (validUntil - validFrom + 1);
}

std::int64_t Mandate::supportDaysIn(int year) const {
  if (kind == MandateKind::Emergency) return 0;
  Day last = validUntil;
  if (revokedOn) last = std::min(last, *revokedOn);
  const Day from = std::max(validFrom, firstDayOf(year));
  const Day until = std::min(last, firstDayOf(year + 1) - 1);
  if (until < from) return 0;
  return static_cast<std::int64_t>(helpers.size()) * (until - from + 1);
}

std::string ownerOfMandateId(const std::string& id) {
  if (id.size() < 12 || id.compare(0, 2, "M-") != 0 || id[10] != '-') return "";
  const std::string ags = id.substr(2, 8);
  for (char c : ags)
    if (c < '0' || c > '9') return "";
  return ags;
}

}  // namespace regfed::core
