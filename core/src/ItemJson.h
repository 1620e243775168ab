#pragma once
// Work items as the API shows them. Who holds an item is shown to the holder and to the owner's own clerks;
// anyone else learns only that it is taken and until when.

#include <regfed/sdk/ProcedureAdapter.h>

#include <string>

#include "Json.h"

namespace regfed::core {

/// Writes a summary's members (id, kind, title, received, status, claim) into an open object.
void writeSummary(JsonWriter& w, const regfed::sdk::WorkItemSummary& s, const std::string& viewer, bool ownStaff);
/// The whole item as a JSON object: the summary plus ags, procedure, applicant, references, attachments and
/// history.
std::string itemJson(const regfed::sdk::WorkItem& item, const std::string& ags, const std::string& procedure,
                     const std::string& viewer, bool ownStaff);

}  // namespace regfed::core
