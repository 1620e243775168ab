#pragma once
// Reading the JSON bodies of state changes (mandates, activations, reviews): a parse that never throws anything
// but a StateConflict with a code the client can act on.

#include <Poco/JSON/Object.h>

#include <string>

namespace regfed::core {

/// Parses a JSON object body; throws StateConflict 400 `malformed_json`.
Poco::JSON::Object::Ptr parseObjectBody(const std::string& body);

/// A required string member, storable as text; throws StateConflict 422 (`missing_<key>`, `invalid_type`,
/// `invalid_text`).
std::string bodyText(const Poco::JSON::Object::Ptr& o, const std::string& key);

/// A required text member of 3..`maxLength` characters; throws StateConflict 422 (also `invalid_<key>`).
std::string requiredText(const Poco::JSON::Object::Ptr& o, const std::string& key, std::size_t maxLength);

}  // namespace regfed::core
