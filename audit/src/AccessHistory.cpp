#include <regfed/audit/AccessHistory.h>

#include <pqxx/pqxx>

namespace regfed::audit {

bool disclosedBySearch(pqxx::transaction_base& tx, const DisclosureKey& k) {
  // subjects @> finds the record's events through the GIN index; the rest narrows them to this person.
  return tx
      .exec_params(
          "SELECT EXISTS (SELECT 1 FROM regfed_audit.events WHERE subjects @> ARRAY[$1]::text[] "
          "AND node = $2 AND owner_ags = $3 AND register = $4 AND actor_ags = $5 AND actor = $6 "
          "AND mandate = $7 AND action = 'search' AND decision = 'allow')",
          k.recordId, k.node, k.ownerAgs, k.registerName, k.actorAgs, k.actor, k.mandate)[0][0]
      .as<bool>();
}

}  // namespace regfed::audit
