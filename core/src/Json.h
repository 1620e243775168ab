#pragma once
// Small JSON helpers: an ordered writer for responses (cheaper than building POCO objects on the hot path)
// and the canonical form of parsed JSON used for audit criteria.

#include <Poco/Dynamic/Var.h>
#include <regfed/sdk/Types.h>

#include <string>
#include <vector>

namespace regfed::core {

/// Writes JSON text in the order of calls; commas are placed automatically.
class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  /// Starts a member; the next call writes its value.
  JsonWriter& key(const std::string& name);
  JsonWriter& value(const std::string& text);
  JsonWriter& value(const char* text) { return value(std::string(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(const regfed::sdk::Value& v);
  JsonWriter& null();
  /// Inserts already-serialised JSON.
  JsonWriter& raw(const std::string& json);
  /// Writes a list of strings.
  JsonWriter& strings(const std::vector<std::string>& list);
  /// The text so far.
  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;
  bool afterKey_ = false;
};

/// `text` as a JSON string literal, or `null` when it is empty.
std::string jsonStringOrNull(const std::string& text);

/// Canonical JSON of a parsed value: object keys sorted by bytes, no white space.
std::string canonicalJson(const Poco::Dynamic::Var& value);

/// `{"error":{"code":…,"message":…,"request_id":…}}`, plus a list of field names and a `details` object
/// (serialised JSON) when given.
std::string errorBody(const std::string& code, const std::string& message, const std::string& requestId,
                      const std::vector<std::string>& fields = {}, const std::string& details = "");

}  // namespace regfed::core
