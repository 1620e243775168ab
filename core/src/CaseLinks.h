#pragma once
// What register lookups learn from the work items a person holds: the case reference a lookup defaults to, and
// whether a record was found by the case (the item refers to it) rather than by a search.

#include <optional>
#include <string>
#include <vector>

#include "DataRequest.h"
#include "Principal.h"

namespace regfed::core {

/// Implemented by the procedures; asked by the query service.
class CaseLinks {
 public:
  virtual ~CaseLinks() = default;
  /// The case reference (the item's id) and purpose for a data request that names none: the one item the
  /// person holds under exactly this mandate (or none) of the one municipality the request is for; nothing when
  /// they hold none or several, or the request goes elsewhere (or to several municipalities).
  virtual std::optional<CaseDefault> caseDefault(const Principal& principal, const std::optional<std::string>& mandate,
                                                 const std::vector<std::string>& municipalities) = 0;
  /// True when the person holds item `caseRef` of a procedure of `ags` (under `mandate`) and the item refers
  /// to record `recordId` of register `registerName`: the record was found by the case.
  virtual bool foundByCase(const Principal& principal, const std::optional<std::string>& mandate,
                           const std::string& ags, const std::string& registerName, const std::string& recordId,
                           const std::string& caseRef) = 0;
};

}  // namespace regfed::core
