// What the node keeps of claims on work items beside the procedure (which is the authority on who holds an
// item): under which mandate an item is held at the owner's node, which items its own people hold at other nodes,
// the sweep that releases items of ended mandates and forgets lapsed claims, and what register lookups learn from
// a held item.
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include "CalendarDate.h"
#include "Json.h"
#include "Log.h"
#include "Metrics.h"
#include "ProcedureService.h"

namespace regfed::core {

using regfed::audit::AuditEvent;
using namespace regfed::sdk;

void ProcedureService::noteHomeClaim(const std::string& action, const Principal& p, const ItemCall& call,
                                     const Answer& answer) {
  try {
    database_.transaction([&](pqxx::work& tx) {
      const bool ended = answer.error && (answer.error->code == "mandate_revoked" ||
                                          answer.error->code == "mandate_not_in_force");
      if (ended) {
        tx.exec_params("DELETE FROM regfed.claims WHERE side = 'home' AND actor = $1 AND actor_ags = $2 AND "
                       "mandate IS NOT DISTINCT FROM $3",
                       p.id, p.ags, call.mandate);
      } else if (!answer.error && action == "claim") {
        const auto item = Poco::JSON::Parser().parse(answer.payload).extract<Poco::JSON::Object::Ptr>()->getObject("item");
        const std::string expires = item->getObject("claim")->getValue<std::string>("expires");
        tx.exec_params(
            "INSERT INTO regfed.claims (side, owner_ags, procedure, item_id, actor, actor_ags, mandate, expires) "
            "VALUES ('home', $1, $2, $3, $4, $5, $6, least($7::timestamptz, now() + interval '1 day')) ON CONFLICT (side, owner_ags, procedure, "
            "item_id) DO UPDATE SET actor = EXCLUDED.actor, actor_ags = EXCLUDED.actor_ags, mandate = "
            "EXCLUDED.mandate, expires = EXCLUDED.expires",
            call.ags, call.procedure, call.itemId, p.id, p.ags, call.mandate, expires);
      } else if ((!answer.error && (action == "release" || action == "complete")) ||
                 (answer.error && answer.error->code == "not_claimed")) {
        tx.exec_params("DELETE FROM regfed.claims WHERE side = 'home' AND owner_ags = $1 AND procedure = $2 AND "
                       "item_id = $3 AND actor = $4 AND actor_ags = $5",
                       call.ags, call.procedure, call.itemId, p.id, p.ags);
      }
    });
  } catch (const std::exception& e) {
    // Only the default case reference of later lookups depends on it; the owner holds the truth.
    log::warn("held items of " + p.id + " not noted: " + e.what());
  }
}

void ProcedureService::rememberClaim(const Principal& p, const ItemCall& call, const std::string& expires) {
  // A holder working on under another mandate still holds the item under the one they claimed it with: its
  // revocation releases it.
  static const std::string sameHolder =
      "regfed.claims.actor = EXCLUDED.actor AND regfed.claims.actor_ags = EXCLUDED.actor_ags";
  try {
    database_.transaction([&](pqxx::work& tx) {
      tx.exec_params(
          "INSERT INTO regfed.claims (side, owner_ags, procedure, item_id, actor, actor_ags, mandate, expires) "
          "VALUES ('owner', $1, $2, $3, $4, $5, $6, $7::timestamptz) ON CONFLICT (side, owner_ags, procedure, item_id) "
          "DO UPDATE SET mandate = CASE WHEN " + sameHolder + " THEN regfed.claims.mandate ELSE EXCLUDED.mandate END, "
          "claimed_at = CASE WHEN " + sameHolder + " THEN regfed.claims.claimed_at ELSE now() END, "
          "actor = EXCLUDED.actor, actor_ags = EXCLUDED.actor_ags, expires = EXCLUDED.expires",
          call.ags, call.procedure, call.itemId, p.id, p.ags, call.mandate, expires);
    });
  } catch (const std::exception& e) {
    // The procedure holds the claim either way and lets it lapse; only the release on revocation waits.
    log::warn("claim on " + call.itemId + " not noted (" + std::string(e.what()) + ")");
  }
}

void ProcedureService::forgetClaim(const ItemCall& call) {
  try {
    database_.transaction([&](pqxx::work& tx) {
      tx.exec_params("DELETE FROM regfed.claims WHERE side = 'owner' AND owner_ags = $1 AND procedure = $2 AND item_id = $3",
                     call.ags, call.procedure, call.itemId);
    });
  } catch (const std::exception& e) {
    log::warn("claim on " + call.itemId + " not forgotten yet (the sweep does it): " + e.what());
  }
}

void ProcedureService::releaseForNode(const std::string& ags, const std::string& procedure, const std::string& itemId,
                                      const std::string& holder, const std::string& actor, const std::string& actorAgs,
                                      const std::optional<std::string>& mandate, const std::string& reason,
                                      bool callAdapter) {
  ProcedureEntry* entry = host_.find(ags, procedure);
  if (!entry) return;
  ItemCall call{ags, procedure, itemId, mandate, "open", "", 50, ""};
  if (callAdapter) {
    ChangeOutcome outcome;
    if (!host_.release(*entry, ReleaseRequest{itemId, holder, entry->config().timeoutMs}, outcome).ok()) return;
  }
  // The node acts, for the person who held the item: both are in the event.
  const Principal node{"regfed:" + config_.nodeId, ags, {}, "", "", 0, 0, ""};
  AuditEvent e = event(node, RequestMeta{Poco::UUIDGenerator::defaultGenerator().createRandom().toString(), {}, {}},
                       "item_release", call, Grant{mandate ? mandates_.find(*mandate) : std::nullopt, reason, ""});
  e.criteria = "{\"holder\":" + jsonStringOrNull(actor + "@" + actorAgs) + "}";
  if (!record(e)) return;  // the row stays: the next sweep tries again
  forgetClaim(call);
  metrics_.itemStep("release", reason);
  log::info("item " + itemId + " of " + ags + "/" + procedure + " released from " + actor + " (" + reason + ")");
}

void ProcedureService::sweep() {
  try {
    auto rows = database_.transaction([&](pqxx::work& tx) {
      tx.exec("DELETE FROM regfed.claims WHERE side = 'home' AND expires < now()");
      return tx.exec(
          "SELECT owner_ags, procedure, item_id, actor, actor_ags, mandate, expires < now() FROM regfed.claims "
          "WHERE side = 'owner'");
    });
    const Day today = berlinToday();
    std::int64_t held = 0;
    for (const auto& r : rows) {
      const std::string ags = r[0].c_str(), procedure = r[1].c_str(), itemId = r[2].c_str();
      const std::string actor = r[3].c_str(), actorAgs = r[4].c_str();
      const std::optional<std::string> mandate =
          r[5].is_null() ? std::nullopt : std::optional<std::string>(r[5].c_str());
      const std::string holder = actor + "@" + actorAgs;
      if (mandate) {
        auto m = mandates_.find(*mandate);
        if (!m || m->status() == "revoked" || !m->inForce(today)) {
          releaseForNode(ags, procedure, itemId, holder, actor, actorAgs, mandate,
                         m && m->status() == "revoked" ? "mandate_revoked" : "mandate_ended", true);
          continue;
        }
      }
      if (r[6].as<bool>()) {
        // Past the lease as this node knows it: the procedure says whether it was renewed elsewhere.
        ProcedureEntry* entry = host_.find(ags, procedure);
        std::optional<WorkItem> item;
        if (!entry || !host_.get(*entry, ItemRequest{itemId, entry->config().timeoutMs}, item).ok()) continue;
        if (!item || !item->summary.claim || item->summary.claim->holder != holder) {
          releaseForNode(ags, procedure, itemId, holder, actor, actorAgs, mandate, "claim_lapsed", false);
          continue;
        }
        rememberClaim(Principal{actor, actorAgs, {}, "", "", 0, 0, ""},
                      ItemCall{ags, procedure, itemId, mandate, "open", "", 50, ""}, item->summary.claim->expires);
      }
      ++held;
    }
    metrics_.setClaimsHeld(held);
  } catch (const std::exception& e) {
    log::warn(std::string("claims sweep failed (retrying): ") + e.what());
  }
}

std::optional<CaseDefault> ProcedureService::caseDefault(const Principal& principal,
                                                        const std::optional<std::string>& mandate,
                                                        const std::vector<std::string>& municipalities) {
  // Only a lookup of the item's own municipality (not "*", not several) under the very mandate it is held by.
  if (municipalities.size() != 1 || municipalities[0] == "*") return std::nullopt;
  try {
    auto rows = database_.transaction([&](pqxx::work& tx) {
      return tx.exec_params(
          "SELECT owner_ags, procedure, item_id FROM regfed.claims WHERE actor = $1 AND actor_ags = $2 "
          "AND expires > now() AND mandate IS NOT DISTINCT FROM $3 AND owner_ags = $4 LIMIT 2",
          principal.id, principal.ags, mandate, municipalities[0]);
    });
    if (rows.size() != 1) return std::nullopt;
    const std::string ags = rows[0][0].c_str(), procedure = rows[0][1].c_str(), itemId = rows[0][2].c_str();
    const ProcedureEntry* entry = host_.find(ags, procedure);
    return CaseDefault{itemId, "Bearbeitung " + (entry ? entry->config().title : procedure) + " " + itemId};
  } catch (const std::exception& e) {
    log::warn(std::string("case reference of a held item not looked up: ") + e.what());
    return std::nullopt;
  }
}

bool ProcedureService::foundByCase(const Principal& principal, const std::optional<std::string>& mandate,
                                   const std::string& ags, const std::string& registerName,
                                   const std::string& recordId, const std::string& caseRef) {
  auto rows = database_.transaction([&](pqxx::work& tx) {
    return tx.exec_params(
        "SELECT procedure FROM regfed.claims WHERE side = 'owner' AND owner_ags = $1 AND item_id = $2 "
        "AND actor = $3 AND actor_ags = $4 AND mandate IS NOT DISTINCT FROM $5 AND expires > now()",
        ags, caseRef, principal.id, principal.ags, mandate);
  });
  for (const auto& r : rows) {
    ProcedureEntry* entry = host_.find(ags, r[0].c_str());
    std::optional<WorkItem> item;
    if (!entry || !host_.get(*entry, ItemRequest{caseRef, entry->config().timeoutMs}, item).ok() || !item) continue;
    if (!item->summary.claim || item->summary.claim->holder != holderOf(principal)) continue;
    for (const auto& ref : item->references)
      if (ref.registerName == registerName && ref.recordId == recordId) return true;
  }
  return false;
}

}  // namespace regfed::core
