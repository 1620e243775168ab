#pragma once
// The data request of POST /v1/query and GET …/records/{id}: parsing and validation with API error codes.

#include <Poco/Dynamic/Var.h>
#include <regfed/sdk/Types.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "Answer.h"

namespace regfed::core {


/// One filter term as written by the client, before it is typed against a register's schema.
struct FilterTerm {
  std::string field;                       ///< Field name.
  regfed::sdk::Operator op;                ///< Operator.
  std::vector<Poco::Dynamic::Var> values;  ///< Raw values (Range: from, to; empty Var when absent).
};

/// A parsed data request.
struct QueryRequest {
  std::string registerName;                        ///< Register asked for.
  std::vector<std::string> municipalities;         ///< AGS list, or {"*"}; empty: the caller's own.
  std::vector<FilterTerm> filter;                  ///< Conditions, combined with AND.
  std::optional<std::vector<std::string>> fields;  ///< Projection; nullopt: all the caller may see.
  std::int64_t limit = 100;                        ///< 1..1000.
  std::string purpose;                             ///< 3..500 characters.
  std::string caseRef;                             ///< 1..100 characters.
  std::optional<std::string> mandate;              ///< Mandate id.
  std::int64_t timeoutMs = 3000;                   ///< Deadline for the whole request.
  std::optional<std::string> criteria;             ///< Canonical JSON of the filter, for the audit.
};

/// Most names a `fields` list or a filter may hold: no register has more fields (the config enforces it).
constexpr std::size_t kMaxFieldsPerRegister = 256;

/// A GET of one record: GET /v1/registers/{ags}/{register}/records/{id}?fields=a,b with the headers
/// Regfed-Purpose (URL-encoded UTF-8), Regfed-Case-Ref, Regfed-Mandate.
struct RecordRequest {
  std::string ags;                                 ///< Owning municipality from the path.
  std::string registerName;                        ///< Register from the path.
  std::string id;                                  ///< Record id from the path, decoded.
  std::optional<std::vector<std::string>> fields;  ///< `fields` query parameter: distinct names.
  std::string purpose;                             ///< Regfed-Purpose header, decoded.
  std::string caseRef;                             ///< Regfed-Case-Ref header.
  std::optional<std::string> mandate;              ///< Regfed-Mandate header.
  std::optional<RequestError> problem;             ///< The first part that could not be read, if any.
};

/// Reads a record request from the path's segments as they arrived (still percent-encoded: ags, register,
/// id), the raw query string, and a header lookup (nullopt when absent). Nothing throws: a malformed part
/// becomes `problem`, and everything readable is kept so the refusal is audited with it.
RecordRequest readRecordRequest(const std::string& rawAgs, const std::string& rawRegister,
                                const std::string& rawId, const std::string& rawQuery,
                                const std::function<std::optional<std::string>(const std::string&)>& header);

/// A case reference and purpose a data request without them takes over (from the work item its person holds).
struct CaseDefault {
  std::string caseRef;
  std::string purpose;
};
/// Finds the default for a request naming `mandate` (or none) to `municipalities` (as given; empty: the caller's
/// own); empty function or nullopt: no default.
using CaseDefaults = std::function<std::optional<CaseDefault>(const std::optional<std::string>& mandate,
                                                              const std::vector<std::string>& municipalities)>;

/// Parses a POST /v1/query body into `out`; throws RequestError. What was read before the error stays in
/// `out`, so the audit event of a refused request still says what was asked. A body without `case_ref`
/// takes the case reference (and, without `purpose`, the purpose) from `defaults`.
void parseQuery(const std::string& body, QueryRequest& out, const CaseDefaults& defaults = {});

/// Checks purpose and case reference (required for every data request); throws RequestError 422.
void checkPurpose(const std::string& purpose, const std::string& caseRef);

/// Throws RequestError 422 `emergency_needs_mandate`: emergency access is no longer a request flag.
[[noreturn]] void refuseEmergencyFlag();

/// Checks a mandate id's shape; throws RequestError 422.
void checkMandate(const std::optional<std::string>& mandate);

/// Types the filter against a register's fields; throws RequestError 422 for unknown fields, operators that
/// do not fit the field type, and values of the wrong type.
std::vector<regfed::sdk::Condition> typeFilter(const std::vector<FilterTerm>& filter,
                                               const std::vector<regfed::sdk::FieldSpec>& schema);

/// Splits a comma-separated `fields` parameter into distinct names, in order; throws RequestError 422 when it
/// names none or more than a register can have.
std::vector<std::string> parseFieldList(const std::string& commaSeparated);

/// Checks that every name is a field of the schema; throws RequestError 422 `unknown_field`.
void checkFieldNames(const std::vector<std::string>& names,
                     const std::vector<regfed::sdk::FieldSpec>& schema);

/// Throws RequestError 422 `invalid_text` when `text` contains a NUL character (PostgreSQL cannot store it).
void checkText(const std::string& text, const std::string& what);

/// Counts UTF-8 code points.
std::size_t utf8Length(const std::string& text);

}  // namespace regfed::core
