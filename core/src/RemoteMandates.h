#pragma once
// The seam through which the mandate service reaches mandates that live at other nodes: a helper municipality's
// node forwards its admins' approvals and revocations, and its responders' activations, to the owning node, and
// keeps its copy of the mandates concerning its municipalities from the owning nodes' lists.

#include <optional>
#include <string>
#include <vector>

#include "Answer.h"
#include "DataAnswer.h"
#include "Mandate.h"
#include "Principal.h"

namespace regfed::core {

struct RequestMeta;

/// What came of a change forwarded to the owning node.
struct ForwardedChange {
  enum class Delivery {
    Answered,  ///< The owner answered: `refused` is its refusal, or `mandate`/`payload` its result.
    NotSent,   ///< Surely never reached the owner (peer cut off, unreachable before sending): nothing changed.
    Unknown,   ///< Sent, but no answer: the owner may or may not have applied it.
  };
  Delivery delivery = Delivery::NotSent;
  std::optional<RequestError> refused;  ///< The owner's refusal, or why there is no answer.
  std::optional<Mandate> mandate;       ///< The owner's mandate after the call, when it sent one.
  std::string payload;                  ///< The owner API's JSON answer.
  std::string node;                     ///< The owning node asked.
};

/// Mandates at the other nodes.
class RemoteMandates {
 public:
  virtual ~RemoteMandates() = default;
  /// The peer node holding mandate `id` (named by the owner AGS in the id), or "" when no peer does.
  virtual std::string nodeOfMandate(const std::string& id) const = 0;
  /// Forwards a responder's activation with the responder's own token.
  virtual ForwardedChange activateMandate(const Principal& principal, const RequestMeta& meta, const std::string& id,
                                          const std::string& reason, DeadlineClock::time_point deadline) = 0;
  /// Delivers the helper side's decision ("approve" or "revoke") by admin `by` of `byAgs`, verified here; the
  /// admin's token stays here. A decision is never sent twice by one call.
  virtual ForwardedChange decideMandate(const std::string& id, const std::string& action, const std::string& by,
                                        const std::string& byAgs, const std::string& requestId,
                                        DeadlineClock::time_point deadline) = 0;
  /// The mandates `node` holds for municipalities this node hosts; nullopt when it could not be asked.
  virtual std::optional<std::vector<Mandate>> mandatesAt(const std::string& node,
                                                         DeadlineClock::time_point deadline) = 0;
  /// Peers reached at their last probe that speak mandate forwarding.
  virtual std::vector<std::string> mandatePeers() const = 0;
};

}  // namespace regfed::core
