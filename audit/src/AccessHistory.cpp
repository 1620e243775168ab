#include <regfed/audit/AccessHistory.h>

#include <pqxx/pqxx>

namespace regfed::audit {

bool disclosedBySearch(pqxx::transaction_base& tx, const DisclosureKey& k) {
  // Found through the caller's own events (index events_mandate_actor), never through the record's: `= ANY`
  // cannot use the GIN index on subjects, so the time this takes depends on what this person searched, not on
  // how often others saw the record — otherwise it would tell which ids exist.
  return tx
      .exec_params(
          "SELECT EXISTS (SELECT 1 FROM regfed_audit.events WHERE mandate = $7 AND actor_ags = $5 "
          "AND actor = $6 AND node = $2 AND owner_ags = $3 AND register = $4 AND action = 'search' "
          "AND decision = 'allow' AND $1 = ANY (subjects))",
          k.recordId, k.node, k.ownerAgs, k.registerName, k.actorAgs, k.actor, k.mandate)[0][0]
      .as<bool>();
}

}  // namespace regfed::audit
