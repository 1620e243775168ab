#include "JsonBody.h"

#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditEvent.h>

#include "DataRequest.h"
#include "Database.h"

namespace regfed::core {

Poco::JSON::Object::Ptr parseObjectBody(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(body);
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) return v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  throw StateConflict(Failure::Malformed, "malformed_json", "The request body must be a JSON object.");
}

std::string bodyText(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->get(key).isEmpty())
    throw StateConflict(Failure::Invalid, "missing_" + key, "'" + key + "' is required.");
  if (!o->get(key).isString()) throw StateConflict(Failure::Invalid, "invalid_type", "'" + key + "' must be a string.");
  const std::string value = o->get(key).toString();
  if (!regfed::audit::isStorableText(value))
    throw StateConflict(Failure::Invalid, "invalid_text", "'" + key + "' must be UTF-8 text without NUL.");
  return value;
}

std::string requiredText(const Poco::JSON::Object::Ptr& o, const std::string& key, std::size_t maxLength) {
  const std::string value = bodyText(o, key);
  if (utf8Length(value) < 3 || utf8Length(value) > maxLength)
    throw StateConflict(Failure::Invalid, "invalid_" + key,
                        "'" + key + "' must be 3 to " + std::to_string(maxLength) + " characters long.");
  return value;
}

}  // namespace regfed::core
