#include "DataRequest.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditEvent.h>
#include <regfed/sdk/Match.h>

#include <algorithm>
#include <regex>
#include <set>
#include <unordered_set>

#include "Config.h"
#include "Json.h"
#include "RequestTarget.h"

namespace regfed::core {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using regfed::sdk::FieldType;
using regfed::sdk::Operator;

namespace {

[[noreturn]] void reject(const std::string& code, const std::string& message,
                         std::vector<std::string> fields = {}) {
  throw RequestError{Failure::Invalid, code, message, std::move(fields)};
}

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

std::string requireString(const Object::Ptr& o, const std::string& key) {
  Var v = o->get(key);
  if (!v.isString()) reject("invalid_type", "'" + key + "' must be a string.");
  return v.extract<std::string>();
}

std::int64_t requireInteger(const Object::Ptr& o, const std::string& key) {
  Var v = o->get(key);
  if (!v.isInteger() || v.isBoolean()) reject("invalid_type", "'" + key + "' must be a whole number.");
  try {
    return v.convert<Poco::Int64>();
  } catch (const Poco::RangeException&) {
    // JSON numbers above 2^63 arrive as unsigned 64-bit values (found by the query_body fuzzer).
    reject("invalid_" + key, "'" + key + "' is far out of range.");
  }
}

bool isValidDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

regfed::sdk::Value typedValue(const regfed::sdk::FieldSpec& field, const Var& raw) {
  const std::string where = "Value for field '" + field.name + "'";
  switch (field.type) {
    case FieldType::String:
      if (!raw.isString()) reject("invalid_value", where + " must be a string.", {field.name});
      checkText(raw.extract<std::string>(), where);
      if (raw.extract<std::string>().size() > 1000)
        reject("invalid_value", where + " is too long.", {field.name});
      return raw.extract<std::string>();
    case FieldType::Date:
      if (!raw.isString() || !isValidDate(raw.extract<std::string>()))
        reject("invalid_value", where + " must be a date YYYY-MM-DD.", {field.name});
      return raw.extract<std::string>();
    case FieldType::Integer:
      if (!raw.isInteger() || raw.isBoolean())
        reject("invalid_value", where + " must be a whole number.", {field.name});
      if (!raw.isSigned() && raw.convert<Poco::UInt64>() > 9223372036854775807ULL)
        reject("invalid_value", where + " is out of range.", {field.name});
      return static_cast<std::int64_t>(raw.convert<Poco::Int64>());
    case FieldType::Boolean:
      if (!raw.isBoolean()) reject("invalid_value", where + " must be true or false.", {field.name});
      return raw.extract<bool>();
  }
  return {};
}

FilterTerm parseTerm(const std::string& field, const Var& spec) {
  static const std::regex fieldPattern(R"([a-z][a-z0-9_]{0,62})");
  if (!std::regex_match(field, fieldPattern))
    reject("unknown_field", "Filter field '" + field + "' does not exist.", {field});
  if (!isObject(spec)) {
    if (isArray(spec) || spec.isEmpty())
      reject("invalid_filter",
             "Filter on '" + field + "' must be a value or an operator object such as {\"prefix\": \"Mü\"}.");
    return FilterTerm{field, Operator::Equals, {spec}};
  }
  auto o = spec.extract<Object::Ptr>();
  std::vector<std::string> names;
  o->getNames(names);
  const std::set<std::string> known = {"prefix", "from", "to", "in", "phonetic"};
  for (const auto& n : names)
    if (!known.count(n))
      reject("unknown_operator",
             "Unknown filter operator '" + n + "' on '" + field + "'; use prefix, from/to, in or phonetic.",
             {field});
  const bool range = o->has("from") || o->has("to");
  if (names.empty() || (range && names.size() != static_cast<std::size_t>(o->has("from") + o->has("to"))) ||
      (!range && names.size() != 1))
    reject("invalid_filter",
           "Filter on '" + field + "' must use exactly one operator (from/to count as one).", {field});
  if (range) return FilterTerm{field, Operator::Range, {o->get("from"), o->get("to")}};
  if (o->has("prefix")) return FilterTerm{field, Operator::Prefix, {o->get("prefix")}};
  if (o->has("phonetic")) return FilterTerm{field, Operator::Phonetic, {o->get("phonetic")}};
  Var list = o->get("in");
  if (!isArray(list)) reject("invalid_filter", "'in' on '" + field + "' must be a list of values.", {field});
  auto a = list.extract<Array::Ptr>();
  if (a->size() == 0 || a->size() > 1000)
    reject("invalid_filter", "'in' on '" + field + "' must list 1 to 1000 values.", {field});
  FilterTerm term{field, Operator::In, {}};
  for (std::size_t i = 0; i < a->size(); ++i) term.values.push_back(a->get(static_cast<unsigned>(i)));
  return term;
}

}  // namespace

std::size_t utf8Length(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void checkText(const std::string& text, const std::string& what) {
  if (!regfed::audit::isStorableText(text))
    reject("invalid_text", what + " must be UTF-8 text without NUL characters.");
}

void checkPurpose(const std::string& purpose, const std::string& caseRef) {
  checkText(purpose, "The purpose");
  checkText(caseRef, "The case reference");
  if (purpose.empty())
    reject("missing_purpose",
           "Every data request needs a purpose (Anlass), e.g. \"Bearbeitung Online-Antrag\".");
  const auto n = utf8Length(purpose);
  if (n < 3 || n > 500) reject("invalid_purpose", "The purpose must be 3 to 500 characters long.");
  if (caseRef.empty())
    reject("missing_case_ref", "Every data request needs a case reference (Aktenzeichen or application id).");
  if (utf8Length(caseRef) > 100)
    reject("invalid_case_ref", "The case reference must be at most 100 characters long.");
}

void checkMandate(const std::optional<std::string>& mandate) {
  if (mandate) checkText(*mandate, "The mandate id");
  if (mandate && (mandate->empty() || mandate->size() > 100))
    reject("invalid_mandate", "The mandate id must be 1 to 100 characters long.");
}

void parseQuery(const std::string& body, QueryRequest& out, const CaseDefaults& defaults) {
  Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(body);
  } catch (const Poco::Exception&) {
    throw RequestError{Failure::Malformed, "malformed_json", "The request body is not valid JSON.", {}};
  }
  if (!isObject(parsed))
    throw RequestError{Failure::Malformed, "malformed_json", "The request body must be a JSON object.", {}};
  auto o = parsed.extract<Object::Ptr>();
  std::vector<std::string> names;
  o->getNames(names);
  const std::set<std::string> known = {"register", "municipalities", "filter",  "fields",
                                       "limit",    "purpose",        "case_ref", "mandate", "timeout_ms"};
  for (const auto& n : names) {
    if (n == "emergency") refuseEmergencyFlag();
    if (!known.count(n)) reject("unknown_parameter", "Unknown request parameter '" + n + "'.");
  }

  // Read what the audit event needs first, so a refused request is still recorded with it.
  if (o->has("purpose")) out.purpose = requireString(o, "purpose");
  if (o->has("case_ref")) out.caseRef = requireString(o, "case_ref");
  if (o->has("mandate") && !o->get("mandate").isEmpty()) out.mandate = requireString(o, "mandate");
  if (!o->has("register")) reject("missing_register", "Name the register to query, e.g. \"melderegister\".");
  out.registerName = requireString(o, "register");
  if (out.registerName.empty() || out.registerName.size() > 64)
    reject("unknown_register", "Register name must be 1 to 64 characters.");

  if (o->has("municipalities")) {
    Var m = o->get("municipalities");
    if (!isArray(m)) reject("invalid_type", "'municipalities' must be a list of 8-digit AGS or [\"*\"].");
    auto a = m.extract<Array::Ptr>();
    if (a->size() == 0 || a->size() > 100)
      reject("invalid_municipalities", "'municipalities' must list 1 to 100 entries.");
    for (std::size_t i = 0; i < a->size(); ++i) {
      Var v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) reject("invalid_type", "'municipalities' must be a list of strings.");
      std::string ags = v.extract<std::string>();
      if (ags == "*" && a->size() == 1) {
        out.municipalities = {"*"};
        break;
      }
      if (!isAgs(ags))
        reject("invalid_municipalities", "'" + ags + "' is not an 8-digit AGS (use [\"*\"] alone for all).");
      if (std::find(out.municipalities.begin(), out.municipalities.end(), ags) == out.municipalities.end())
        out.municipalities.push_back(ags);
    }
  }

  if (o->has("filter")) {
    Var f = o->get("filter");
    if (!isObject(f)) reject("invalid_type", "'filter' must be an object of field conditions.");
    auto filter = f.extract<Object::Ptr>();
    if (filter->size() > kMaxFieldsPerRegister)
      reject("too_many_conditions", "'filter' has " + std::to_string(filter->size()) +
                                        " conditions; a register has at most " +
                                        std::to_string(kMaxFieldsPerRegister) + " fields.");
    std::vector<std::string> fieldNames;
    filter->getNames(fieldNames);
    for (const auto& n : fieldNames) out.filter.push_back(parseTerm(n, filter->get(n)));
    out.criteria = canonicalJson(f);
  } else {
    out.criteria = "{}";
  }

  if (o->has("fields")) {
    Var f = o->get("fields");
    if (!isArray(f)) reject("invalid_type", "'fields' must be a list of field names.");
    auto a = f.extract<Array::Ptr>();
    if (a->size() == 0)
      reject("invalid_fields", "'fields' must name at least one field (leave it out for all).");
    // Checked before anything else looks at the names: a list longer than any register cannot make sense.
    if (a->size() > kMaxFieldsPerRegister)
      reject("too_many_fields", "'fields' lists " + std::to_string(a->size()) +
                                    " names; a register has at most " +
                                    std::to_string(kMaxFieldsPerRegister) + " fields.");
    std::vector<std::string> fields;
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < a->size(); ++i) {
      Var v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) reject("invalid_type", "'fields' must be a list of strings.");
      std::string name = v.extract<std::string>();
      if (seen.insert(name).second) fields.push_back(std::move(name));
    }
    out.fields = std::move(fields);
  }

  if (o->has("limit")) {
    out.limit = requireInteger(o, "limit");
    if (out.limit < 1 || out.limit > 1000)
      reject("invalid_limit", "'limit' must be between 1 and 1000 (got " + std::to_string(out.limit) + ").");
  }
  if (o->has("timeout_ms")) {
    out.timeoutMs = requireInteger(o, "timeout_ms");
    if (out.timeoutMs < 1 || out.timeoutMs > 30000)
      reject("invalid_timeout", "'timeout_ms' must be between 1 and 30000.");
  }
  if (out.caseRef.empty() && defaults)
    if (auto d = defaults(out.mandate, out.municipalities)) {
      out.caseRef = d->caseRef;
      if (out.purpose.empty()) out.purpose = d->purpose;
    }
  checkPurpose(out.purpose, out.caseRef);
  checkMandate(out.mandate);
}

void refuseEmergencyFlag() {
  reject("emergency_needs_mandate",
         "Emergency access rests on an emergency mandate both municipalities approved in advance: activate it "
         "with POST /v1/mandates/{id}/activate and a reason, then name it like any mandate (\"mandate\" in "
         "a query, Regfed-Mandate for one record).");
}

std::vector<std::string> parseFieldList(const std::string& commaSeparated) {
  std::vector<std::string> list;
  std::unordered_set<std::string> seen;
  std::size_t start = 0;
  while (start <= commaSeparated.size()) {
    std::size_t end = commaSeparated.find(',', start);
    if (end == std::string::npos) end = commaSeparated.size();
    std::string item = commaSeparated.substr(start, end - start);
    if (!item.empty() && seen.insert(item).second) {
      if (list.size() == kMaxFieldsPerRegister)
        reject("too_many_fields",
               "'fields' names more than " + std::to_string(kMaxFieldsPerRegister) + " fields.");
      list.push_back(std::move(item));
    }
    start = end + 1;
  }
  if (list.empty()) reject("invalid_fields", "'fields' must name at least one field.");
  return list;
}

RecordRequest readRecordRequest(const std::string& rawAgs, const std::string& rawRegister,
                                const std::string& rawId, const std::string& rawQuery,
                                const std::function<std::optional<std::string>(const std::string&)>& header) {
  RecordRequest r;
  auto keep = [&r](const RequestError& e) {
    if (!r.problem) r.problem = e;
  };
  auto decoded = [&](const std::string& raw, const std::string& what) -> std::string {
    auto text = percentDecode(raw);
    if (!text) {
      keep(RequestError{Failure::Invalid, "invalid_text", what + " has a malformed percent-encoding (%XX).", {}});
      return raw;
    }
    return *text;
  };
  r.ags = decoded(rawAgs, "The municipality in the path");
  r.registerName = decoded(rawRegister, "The register in the path");
  r.id = decoded(rawId, "The record id");
  const auto parameters = rawQueryParameters(rawQuery);
  if (auto it = parameters.find("fields"); it != parameters.end()) {
    try {
      r.fields = parseFieldList(decoded(it->second, "The 'fields' parameter"));
    } catch (const RequestError& e) {
      keep(e);
    }
  }
  if (auto purpose = header("Regfed-Purpose")) r.purpose = decoded(*purpose, "The Regfed-Purpose header");
  if (auto caseRef = header("Regfed-Case-Ref")) r.caseRef = *caseRef;
  if (auto mandate = header("Regfed-Mandate")) r.mandate = *mandate;
  if (header("Regfed-Emergency")) {
    try {
      refuseEmergencyFlag();
    } catch (const RequestError& e) {
      keep(e);
    }
  }
  // Text that PostgreSQL cannot store must not reach the audit event unmarked; checked after decoding.
  try {
    checkText(r.id, "The record id");
  } catch (const RequestError& e) {
    keep(e);
  }
  return r;
}

void checkFieldNames(const std::vector<std::string>& names,
                     const std::vector<regfed::sdk::FieldSpec>& schema) {
  std::unordered_set<std::string> known;
  for (const auto& f : schema) known.insert(f.name);
  std::vector<std::string> unknown;
  for (const auto& n : names)
    if (!known.count(n)) unknown.push_back(n);
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    reject("unknown_field", "Unknown field(s): " + list + ".", unknown);
  }
}

std::vector<regfed::sdk::Condition> typeFilter(const std::vector<FilterTerm>& filter,
                                               const std::vector<regfed::sdk::FieldSpec>& schema) {
  std::vector<regfed::sdk::Condition> out;
  for (const auto& term : filter) {
    auto it = std::find_if(schema.begin(), schema.end(), [&](const auto& f) { return f.name == term.field; });
    if (it == schema.end())
      reject("unknown_field", "Filter field '" + term.field + "' does not exist.", {term.field});
    const auto& field = *it;
    if ((term.op == Operator::Prefix || term.op == Operator::Phonetic) && field.type != FieldType::String)
      reject("operator_not_applicable",
             std::string("Operator '") + regfed::sdk::operatorName(term.op) + "' needs a text field; '" +
                 field.name + "' is a " + regfed::sdk::fieldTypeName(field.type) + ".",
             {field.name});
    regfed::sdk::Condition c{field.name, term.op, {}};
    for (const auto& raw : term.values) {
      if (term.op == Operator::Range && raw.isEmpty()) {
        c.values.emplace_back();
        continue;
      }
      c.values.push_back(typedValue(field, raw));
    }
    if (term.op == Operator::Range && c.values.size() == 2 &&
        !std::holds_alternative<std::monostate>(c.values[0]) &&
        !std::holds_alternative<std::monostate>(c.values[1]) &&
        regfed::sdk::compareValues(c.values[0], c.values[1]) > 0)
      reject("invalid_filter", "Range on '" + field.name + "' has 'from' after 'to'.", {field.name});
    if (term.op == Operator::Phonetic && utf8Length(std::get<std::string>(c.values[0])) > 100)
      reject("invalid_value", "A phonetic search takes a name of at most 100 characters ('" + field.name + "').",
             {field.name});
    if ((term.op == Operator::Prefix || term.op == Operator::Phonetic) &&
        std::get<std::string>(c.values[0]).empty())
      reject("invalid_filter",
             std::string("Operator '") + regfed::sdk::operatorName(term.op) + "' on '" + field.name +
                 "' needs a non-empty text.",
             {field.name});
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace regfed::core
