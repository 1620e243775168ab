#include "Json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <regfed/audit/AuditEvent.h>

#include <algorithm>
#include <cstdio>

namespace regfed::core {

using regfed::audit::appendJsonString;

void JsonWriter::separate() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::beginObject() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(const std::string& name) {
  separate();
  appendJsonString(out_, name);
  out_ += ':';
  afterKey_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& text) {
  separate();
  appendJsonString(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(const regfed::sdk::Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return value(*s);
  if (auto* i = std::get_if<std::int64_t>(&v)) return value(*i);
  if (auto* b = std::get_if<bool>(&v)) return value(*b);
  return null();
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(const std::string& json) {
  separate();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::strings(const std::vector<std::string>& list) {
  beginArray();
  for (const auto& s : list) value(s);
  return endArray();
}

namespace {

void canonical(const Poco::Dynamic::Var& v, std::string& out) {
  if (v.isEmpty()) {
    out += "null";
  } else if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    std::vector<std::string> names;
    o->getNames(names);
    std::sort(names.begin(), names.end());
    out += '{';
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i) out += ',';
      appendJsonString(out, names[i]);
      out += ':';
      canonical(o->get(names[i]), out);
    }
    out += '}';
  } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto a = v.extract<Poco::JSON::Array::Ptr>();
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) out += ',';
      canonical(a->get(static_cast<unsigned>(i)), out);
    }
    out += ']';
  } else if (v.isBoolean()) {
    out += v.extract<bool>() ? "true" : "false";
  } else if (v.isInteger()) {
    out += v.toString();
  } else if (v.isNumeric()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v.convert<double>());
    out += buf;
  } else {
    appendJsonString(out, v.toString());
  }
}

}  // namespace

std::string canonicalJson(const Poco::Dynamic::Var& value) {
  std::string out;
  canonical(value, out);
  return out;
}

std::string jsonStringOrNull(const std::string& text) {
  if (text.empty()) return "null";
  std::string out;
  appendJsonString(out, text);
  return out;
}

std::string errorBody(const std::string& code, const std::string& message, const std::string& requestId,
                      const std::vector<std::string>& fields, const std::string& details) {
  JsonWriter w;
  w.beginObject().key("error").beginObject();
  w.key("code").value(code).key("message").value(message).key("request_id").value(requestId);
  if (!fields.empty()) w.key("fields").strings(fields);
  if (!details.empty()) w.key("details").raw(details);
  w.endObject().endObject();
  return w.str();
}

}  // namespace regfed::core
