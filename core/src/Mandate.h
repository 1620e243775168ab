#pragma once
// A support mandate (Unterstützungsmandat): municipality `ownerAgs` lets named helpers of `helperAgs` work on
// its registers and procedures, for a purpose, on whole days, once an admin of each side approved it.

#include <optional>
#include <string>
#include <vector>

#include "CalendarDate.h"
#include "Lists.h"

namespace regfed::core {

/// What a mandate is for.
enum class MandateKind {
  Support,    ///< Staff support: named helpers work on the owner's registers/procedures; counts support days.
  Emergency,  ///< Emergency access for named responders, agreed in advance; grants nothing until activated.
};

/// "support" or "emergency".
const char* mandateKindName(MandateKind kind);

/// The owning municipality named in a mandate id (M-<owner AGS>-<year>-<number>), or "".
std::string ownerOfMandateId(const std::string& id);

/// One mandate as stored.
struct Mandate {
  std::string id;                       ///< "M-15088220-2026-0003": owner, year, number.
  MandateKind kind = MandateKind::Support;  ///< Support or emergency mandate.
  std::string ownerAgs;                 ///< Municipality whose data is worked on.
  std::string helperAgs;                ///< Municipality providing the helpers.
  std::vector<std::string> helpers;     ///< User ids of the helpers (of an emergency mandate: responders).
  std::vector<std::string> registers;   ///< Registers of the owner.
  std::vector<std::string> procedures;  ///< Procedures of the owner.
  std::vector<std::string> operations;  ///< "get", "search", "process".
  std::vector<std::string> fields;      ///< Fields the helpers may see (never streng_vertraulich ones).
  std::string purpose;                  ///< Why.
  std::string agreement;                ///< Cooperation agreement it rests on.
  Day validFrom = 0;                    ///< First day in force (Europe/Berlin).
  Day validUntil = 0;                   ///< Last day in force.
  std::string createdBy, createdAt;
  std::string ownerApprovedBy, ownerApprovedAt;
  std::string helperApprovedBy, helperApprovedAt;
  std::string revokedBy, revokedAt;
  std::optional<Day> revokedOn;  ///< Berlin day of the revocation.
  /// Where the mandate lives when this node keeps only a copy (the helper municipality's node); "" when here.
  std::string ownerNode;
  /// A change this node made to its copy and forwarded, not yet confirmed by the owning node: "approve" (the
  /// helper side's approval, whose days are reserved here) or "revoke"; "" when none.
  std::string pending;

  /// "pending", "approved" or "revoked".
  std::string status() const;
  /// Approved, not revoked, and `day` within validFrom..validUntil.
  bool inForce(Day day) const;
  /// Helpers × days from validFrom to validUntil (0 for an emergency mandate: it uses no support days).
  std::int64_t supportDays() const;
  /// Support days that fall into `year`; a revoked mandate counts only the days up to its revocation day.
  std::int64_t supportDaysIn(int year) const;
  /// True when `user` of municipality `ags` is one of the persons the mandate names.
  bool names(const std::string& user, const std::string& ags) const;
};


}  // namespace regfed::core
