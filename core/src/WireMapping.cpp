#include "WireMapping.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <regex>
#include <sstream>

#include "Config.h"

namespace regfed::core {

namespace sdk = regfed::sdk;
using Poco::Dynamic::Var;

std::string clipped(std::string text, std::size_t max) {
  if (text.size() > max) text.resize(max);
  return text;
}

namespace {

wire::Value varToWire(const Var& v) {
  wire::Value out;
  if (v.isEmpty()) return out;
  if (v.isBoolean())
    out.__set_flag(v.extract<bool>());
  else if (v.isInteger() && (v.isSigned() || v.convert<Poco::UInt64>() <= 9223372036854775807ULL))
    out.__set_integer(v.convert<Poco::Int64>());
  else if (v.isNumeric())  // also whole numbers beyond 2^63, which JSON allows; the owner's typing decides
    out.__set_real(v.convert<double>());
  else
    out.__set_text(v.convert<std::string>());
  return out;
}

Var varFromWire(const wire::Value& v) {
  if (v.__isset.text) return Var(v.text);
  if (v.__isset.integer) return Var(static_cast<Poco::Int64>(v.integer));
  if (v.__isset.real) return Var(v.real);
  if (v.__isset.flag) return Var(v.flag);
  return Var();
}

}  // namespace

wire::Value toWire(const sdk::Value& value) {
  wire::Value out;
  if (std::holds_alternative<bool>(value))
    out.__set_flag(std::get<bool>(value));
  else if (std::holds_alternative<std::int64_t>(value))
    out.__set_integer(std::get<std::int64_t>(value));
  else if (std::holds_alternative<std::string>(value))
    out.__set_text(std::get<std::string>(value));
  return out;
}

sdk::Value fromWire(const wire::Value& value) {
  if (value.__isset.text) return value.text;
  if (value.__isset.integer) return static_cast<std::int64_t>(value.integer);
  if (value.__isset.flag) return value.flag;
  if (value.__isset.real) return std::to_string(value.real);
  return std::monostate{};
}

wire::Problem toWire(const RequestError& error) {
  wire::Problem p;
  p.kind = failureName(error.kind);
  p.code = error.code;
  p.message = error.message;
  if (!error.fields.empty()) p.__set_fields(error.fields);
  if (!error.details.empty()) p.__set_details(error.details);
  return p;
}

RequestError fromWire(const wire::Problem& problem) {
  return RequestError{failureFromName(problem.kind), problem.code, problem.message, problem.fields,
                      problem.details};
}

wire::SearchRequest toWire(const QueryRequest& request, const std::vector<std::string>& municipalities,
                           const wire::Caller& caller) {
  wire::SearchRequest out;
  out.caller = caller;
  out.register_name = request.registerName;
  out.municipalities = municipalities;
  for (const auto& term : request.filter) {
    wire::FilterTerm t;
    t.field = term.field;
    t.op = static_cast<wire::Operator::type>(static_cast<int>(term.op));
    for (const auto& v : term.values) t.values.push_back(varToWire(v));
    out.filter.push_back(std::move(t));
  }
  if (request.fields) out.__set_fields(*request.fields);
  out.limit = request.limit;
  out.purpose = request.purpose;
  out.case_ref = request.caseRef;
  if (request.mandate) out.__set_mandate(*request.mandate);
  return out;
}

std::string queryBody(const wire::SearchRequest& request) {
  Poco::JSON::Object body;
  body.set("register", request.register_name);
  Poco::JSON::Array municipalities;
  for (const auto& ags : request.municipalities) municipalities.add(ags);
  body.set("municipalities", municipalities);
  Poco::JSON::Object filter;
  for (const auto& term : request.filter) {
    const auto value = [&](std::size_t i) { return i < term.values.size() ? varFromWire(term.values[i]) : Var(); };
    Poco::JSON::Object spec;
    switch (term.op) {
      case wire::Operator::EQUALS:
        filter.set(term.field, value(0));
        continue;
      case wire::Operator::PREFIX:
        spec.set("prefix", value(0));
        break;
      case wire::Operator::PHONETIC:
        spec.set("phonetic", value(0));
        break;
      case wire::Operator::RANGE:
        if (!value(0).isEmpty()) spec.set("from", value(0));
        if (!value(1).isEmpty()) spec.set("to", value(1));
        break;
      case wire::Operator::IN: {
        Poco::JSON::Array list;
        for (const auto& v : term.values) list.add(varFromWire(v));
        spec.set("in", list);
        break;
      }
      default:
        spec.set("unknown_operator_" + std::to_string(static_cast<int>(term.op)), Var());
    }
    filter.set(term.field, spec);
  }
  body.set("filter", filter);
  if (request.__isset.fields) {
    Poco::JSON::Array fields;
    for (const auto& f : request.fields) fields.add(f);
    body.set("fields", fields);
  }
  body.set("limit", static_cast<Poco::Int64>(request.limit));
  body.set("purpose", request.purpose);
  body.set("case_ref", request.case_ref);
  if (request.__isset.mandate) body.set("mandate", request.mandate);
  // The owning node finishes (and logs) within the caller's deadline, less a margin for the way back.
  const std::int64_t left = request.caller.deadline_ms;
  body.set("timeout_ms", static_cast<Poco::Int64>(std::clamp<std::int64_t>(
                             left - std::min<std::int64_t>(kReturnMarginMs, left / 5), 1, 30000)));
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

wire::MunicipalityResult toWire(const TargetResult& result) {
  wire::MunicipalityResult out;
  out.ags = result.ags;
  out.register_name = result.registerName;
  out.status = result.status;
  if (result.status != "ok") {
    out.__set_problem(toWire(RequestError{Failure::Forbidden, result.code, result.message, {}}));
    return out;
  }
  out.__set_fields(result.fields);
  std::vector<std::vector<wire::Value>> rows;
  rows.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    std::vector<wire::Value> r;
    r.reserve(result.fields.size());
    for (std::size_t i = 0; i < result.fields.size() && i < row.size(); ++i) r.push_back(toWire(row[i]));
    rows.push_back(std::move(r));
  }
  out.__set_rows(std::move(rows));
  out.__set_truncated(result.truncated);
  return out;
}

TargetResult fromWire(const wire::MunicipalityResult& result, const std::string& node) {
  TargetResult out;
  out.ags = result.ags;
  out.registerName = result.register_name;
  out.status = result.status;
  out.node = node;
  if (result.__isset.problem) {
    out.code = result.problem.code;
    out.message = result.problem.message;
  }
  out.fields = result.fields;
  for (const auto& row : result.rows) {
    sdk::Row r;
    for (const auto& v : row) r.push_back(fromWire(v));
    r.resize(out.fields.size());  // a row never has fewer cells than fields
    out.rows.push_back(std::move(r));
  }
  out.truncated = result.truncated;
  return out;
}

wire::MandateInfo toWire(const Mandate& m) {
  wire::MandateInfo w;
  w.id = m.id;
  w.kind = mandateKindName(m.kind);
  w.owner_ags = m.ownerAgs;
  w.helper_ags = m.helperAgs;
  w.helpers = m.helpers;
  w.registers = m.registers;
  w.procedures = m.procedures;
  w.operations = m.operations;
  w.fields = m.fields;
  w.purpose = m.purpose;
  w.agreement = m.agreement;
  w.valid_from = formatDay(m.validFrom);
  w.valid_until = formatDay(m.validUntil);
  w.created_by = m.createdBy;
  w.created_at = m.createdAt;
  w.owner_approved_by = m.ownerApprovedBy;
  w.owner_approved_at = m.ownerApprovedAt;
  w.helper_approved_by = m.helperApprovedBy;
  w.helper_approved_at = m.helperApprovedAt;
  w.revoked_by = m.revokedBy;
  w.revoked_at = m.revokedAt;
  if (m.revokedOn) w.__set_revoked_on(formatDay(*m.revokedOn));
  return w;
}

Mandate fromWire(const wire::MandateInfo& w) {
  auto bad = [&](const std::string& what) {
    return RequestError{Failure::Unavailable, "peer_error",
                        "A peer sent mandate '" + clipped(w.id, 64) + "' with " + what + ".", {}};
  };
  Mandate m;
  m.id = w.id;
  if (m.id.size() > 64 || ownerOfMandateId(m.id).empty()) throw bad("an id that is no mandate id");
  if (w.kind != "support" && w.kind != "emergency") throw bad("an unknown kind");
  m.kind = w.kind == "emergency" ? MandateKind::Emergency : MandateKind::Support;
  m.ownerAgs = w.owner_ags;
  m.helperAgs = w.helper_ags;
  if (!isAgs(m.ownerAgs) || !isAgs(m.helperAgs) || m.ownerAgs != ownerOfMandateId(m.id)) throw bad("bad AGS");
  for (const auto* list : {&w.helpers, &w.registers, &w.procedures, &w.operations, &w.fields}) {
    if (list->size() > 1000) throw bad("a list of more than 1000 entries");
    for (const auto& item : *list)
      if (item.size() > 200) throw bad("an entry longer than 200 bytes");
  }
  if (w.helpers.empty()) throw bad("no helpers");
  m.helpers = w.helpers;
  m.registers = w.registers;
  m.procedures = w.procedures;
  m.operations = w.operations;
  m.fields = w.fields;
  m.purpose = clipped(w.purpose, 2000);
  m.agreement = clipped(w.agreement, 200);
  auto from = parseDay(w.valid_from), until = parseDay(w.valid_until);
  if (!from || !until || *until < *from) throw bad("bad dates");
  m.validFrom = *from;
  m.validUntil = *until;
  static const std::regex utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)");
  for (const auto* at : {&w.created_at, &w.owner_approved_at, &w.helper_approved_at, &w.revoked_at})
    if (!at->empty() && !std::regex_match(*at, utc)) throw bad("a time that is not UTC RFC 3339");
  m.createdBy = clipped(w.created_by, 200);
  m.createdAt = clipped(w.created_at, 40);
  m.ownerApprovedBy = clipped(w.owner_approved_by, 200);
  m.ownerApprovedAt = clipped(w.owner_approved_at, 40);
  m.helperApprovedBy = clipped(w.helper_approved_by, 200);
  m.helperApprovedAt = clipped(w.helper_approved_at, 40);
  m.revokedBy = clipped(w.revoked_by, 200);
  m.revokedAt = clipped(w.revoked_at, 40);
  if (w.__isset.revoked_on) {
    m.revokedOn = parseDay(w.revoked_on);
    if (!m.revokedOn) throw bad("a bad revocation day");
  }
  if (!m.revokedOn && !m.revokedBy.empty()) throw bad("a revocation without its day");
  return m;
}

wire::CosignatureInfo toWire(const regfed::audit::Cosignature& c) {
  wire::CosignatureInfo w;
  w.witness = c.witness;
  w.public_key = c.publicKey;
  w.timestamp = c.timestamp;
  w.signature = c.signature;
  return w;
}

regfed::audit::Cosignature fromWire(const wire::CosignatureInfo& w) {
  if (w.public_key.size() != 32 || w.signature.size() != 64 || w.witness.size() > 200 || w.timestamp < 0)
    throw RequestError{Failure::Unavailable, "peer_error", "A peer sent a malformed cosignature.", {}};
  return regfed::audit::Cosignature{w.witness, w.public_key, w.timestamp, w.signature};
}

regfed::audit::Hash hashFromWire(const std::string& bytes) {
  regfed::audit::Hash h{};
  if (bytes.size() != h.size())
    throw RequestError{Failure::Malformed, "malformed_hash", "A hash must be 32 bytes.", {}};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

}  // namespace regfed::core
