// A helper's steps on work items at other nodes: forwarded with the helper's own token to the node hosting the
// procedure, which decides and logs them; the peers' procedures as their catalogs show them.
#include "Federation.h"

#include <Poco/JSON/Parser.h>

#include "WireMapping.h"

namespace regfed::core {

namespace wire = ::regfed::wire;

Answer Federation::itemCall(const Principal& principal, const RequestMeta& meta, const std::string& action,
                            const ItemCall& call, DeadlineClock::time_point deadline, bool& delivered) {
  const std::string node = nodeOf(call.ags);
  Peer* p = peer(node);
  delivered = false;
  if (!p)
    return Answer::refused(RequestError{Failure::NotFound, "procedure_not_found",
                                        "No node of the federation serves municipality " + call.ags + ".", {}});
  if (const int version = contractVersion(*p); version != 0 && version < 3)
    return Answer::refused(RequestError{Failure::Unavailable, "peer_version",
                                        "Node " + node + " does not serve procedures to other nodes yet (contract "
                                        "version " + std::to_string(version) + ").", {}});
  wire::ItemCall request;
  request.caller = callerOf(principal, meta, deadline, versionFor(p));
  request.action = action;
  request.ags = call.ags;
  request.procedure = call.procedure;
  if (!call.itemId.empty()) request.__set_item_id(call.itemId);
  if (call.mandate) request.__set_mandate(*call.mandate);
  if (action == "list") {
    request.__set_status(call.status);
    request.__set_after(call.after);
    request.__set_limit(call.limit);
  }
  if (!call.body.empty()) request.__set_body(call.body);
  wire::ItemAnswer answer;
  // Reading and releasing may go out twice on a stale connection; a claim or a decision never does.
  const bool idempotent = action == "list" || action == "view" || action == "release";
  auto failure = invoke(
      *p, "item_call", deadline,
      [&](wire::RegfedNodeClient& c) {
        request.caller.deadline_ms = remainingMs(deadline);
        c.item_call(answer, request);
      },
      false, idempotent);
  if (failure) {
    delivered = failure->delivered;
    const bool unsure = delivered && !idempotent;
    return Answer::refused(RequestError{
        failure->status == "timeout" ? Failure::Timeout : Failure::Unavailable, failure->code,
        failure->message + (unsure ? " The step may have reached it: open the item to see its state." : ""), {}});
  }
  delivered = true;
  if (answer.__isset.refused) {
    RequestError e = fromWire(answer.refused);
    e.code = clipped(e.code, kMaxCodeBytes);
    e.message = clipped(e.message, kMaxMessageBytes);
    if (e.details.size() > kMaxMessageBytes) e.details.clear();
    return Answer::refused(e);
  }
  bool object = false;
  try {
    object = answer.__isset.payload && Poco::JSON::Parser().parse(answer.payload).type() == typeid(Poco::JSON::Object::Ptr);
  } catch (const Poco::Exception&) {
  }
  if (!object)
    return Answer::refused(RequestError{Failure::Unavailable, "peer_error",
                                        "Node " + node + " answered something this node cannot use.", {}});
  return Answer::ok(answer.payload);
}

std::vector<RemoteProcedure> Federation::remoteProcedures() const {
  std::vector<RemoteProcedure> out;
  for (const PeerView& v : peers()) {
    if (!v.catalog || !v.catalog->__isset.procedures) continue;
    for (const auto& p : v.catalog->procedures)
      out.push_back(RemoteProcedure{v.node, p.ags, p.name, p.title, v.status == "ok" ? p.status : "unavailable",
                                    p.kinds, p.decisions});
  }
  return out;
}

}  // namespace regfed::core
