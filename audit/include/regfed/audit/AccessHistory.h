#pragma once
// Questions about past accesses that the audit log itself answers (the log is the single record of what was
// disclosed to whom; nothing else keeps a second copy that could disagree with it).

#include <pqxx/transaction_base>
#include <string>

namespace regfed::audit {

/// One record as seen by one person under one mandate.
struct DisclosureKey {
  std::string node;          ///< Log of this node.
  std::string ownerAgs;      ///< Municipality owning the record.
  std::string registerName;  ///< Register.
  std::string recordId;      ///< Record id.
  std::string actor;         ///< Requesting person.
  std::string actorAgs;      ///< Their municipality.
  std::string mandate;       ///< Mandate the access ran under.
};

/// True when an allowed search logged on this node disclosed the record to this person under this mandate.
/// (A search from outside the owner is allowed only under a mandate in force and with the §38 BMG criteria,
/// so such an event is the proof that the person found the record the lawful way.)
bool disclosedBySearch(pqxx::transaction_base& tx, const DisclosureKey& key);

}  // namespace regfed::audit
