#pragma once
// The one place where data requests and answers become the node-to-node contract's structs
// (schemas/regfed.thrift) and back.

#include <Poco/Dynamic/Var.h>
#include <RegfedNode.h>
#include <regfed_constants.h>

#include <string>
#include <vector>

#include "DataAnswer.h"
#include "DataRequest.h"
#include "Mandate.h"
#include <regfed/audit/Witness.h>

namespace regfed::core {

namespace wire = ::regfed::wire;

/// `text` cut to at most `max` bytes (what a peer sends is bounded before it is used).
std::string clipped(std::string text, std::size_t max);

/// A register value on the wire and back (null = no member set).
wire::Value toWire(const regfed::sdk::Value& value);
regfed::sdk::Value fromWire(const wire::Value& value);

/// A refusal on the wire and back.
wire::Problem toWire(const RequestError& error);
RequestError fromWire(const wire::Problem& problem);

/// How much of a caller's deadline the owning node leaves for the answer's way back (at most a fifth).
constexpr std::int64_t kReturnMarginMs = 250;

/// The search a home node sends for `municipalities` (all hosted by the asked node).
wire::SearchRequest toWire(const QueryRequest& request, const std::vector<std::string>& municipalities,
                           const wire::Caller& caller);
/// The owning node's reading of a search: the same JSON body an HTTP client would send, so the owning node
/// validates it exactly as its own clients' requests (it trusts nothing the home node checked).
std::string queryBody(const wire::SearchRequest& request);

/// One municipality's result on the wire and back; `node` is the node that answered.
wire::MunicipalityResult toWire(const TargetResult& result);
TargetResult fromWire(const wire::MunicipalityResult& result, const std::string& node);

/// A mandate on the wire and back; fromWire throws RequestError (peer_error) for a mandate that is not
/// well-formed (unknown kind, bad dates or AGS, oversized lists).
wire::MandateInfo toWire(const Mandate& mandate);
/// A cosignature on the wire and back; fromWire throws RequestError (peer_error) for malformed sizes.
wire::CosignatureInfo toWire(const regfed::audit::Cosignature& c);
regfed::audit::Cosignature fromWire(const wire::CosignatureInfo& c);
/// A 32-byte hash from the wire; throws RequestError (malformed) otherwise.
regfed::audit::Hash hashFromWire(const std::string& bytes);
Mandate fromWire(const wire::MandateInfo& mandate);

}  // namespace regfed::core
