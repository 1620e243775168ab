#pragma once
// The data request of POST /v1/query and GET …/records/{id}: parsing and validation with API error codes.

#include <Poco/Dynamic/Var.h>
#include <regfed/sdk/Types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::core {

/// A request refused before it reaches the policy: HTTP status, code, plain message.
struct RequestError {
  int status;                       ///< 400, 413 or 422.
  std::string code;                 ///< snake_case.
  std::string message;              ///< Plain sentence.
  std::vector<std::string> fields;  ///< Field names concerned, if any.
};

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
  std::optional<std::string> emergencyReason;      ///< `emergency.reason` of a responder's request.
};

/// Parses a POST /v1/query body into `out`; throws RequestError. What was read before the error stays in
/// `out`, so the audit event of a refused request still says what was asked.
void parseQuery(const std::string& body, QueryRequest& out);

/// Checks purpose and case reference (required for every data request); throws RequestError 422.
void checkPurpose(const std::string& purpose, const std::string& caseRef);

/// Checks an emergency reason (3..500 characters); throws RequestError 422.
void checkEmergencyReason(const std::optional<std::string>& reason);

/// Checks a mandate id's shape; throws RequestError 422.
void checkMandate(const std::optional<std::string>& mandate);

/// Types the filter against a register's fields; throws RequestError 422 for unknown fields, operators that
/// do not fit the field type, and values of the wrong type.
std::vector<regfed::sdk::Condition> typeFilter(const std::vector<FilterTerm>& filter,
                                               const std::vector<regfed::sdk::FieldSpec>& schema);

/// Checks that every name is a field of the schema; throws RequestError 422 `unknown_field`.
void checkFieldNames(const std::vector<std::string>& names,
                     const std::vector<regfed::sdk::FieldSpec>& schema);

/// Throws RequestError 422 `invalid_text` when `text` contains a NUL character (PostgreSQL cannot store it).
void checkText(const std::string& text, const std::string& what);

/// Counts UTF-8 code points.
std::size_t utf8Length(const std::string& text);

}  // namespace regfed::core
