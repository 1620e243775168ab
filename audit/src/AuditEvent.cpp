#include <regfed/audit/AuditEvent.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace regfed::audit {

void appendJsonString(std::string& out, const std::string& text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

namespace {

class CanonicalObject {
 public:
  explicit CanonicalObject(std::string& out) : out_(out) { out_ += '{'; }
  ~CanonicalObject() { out_ += '}'; }
  void key(const char* name) {
    if (!first_) out_ += ',';
    first_ = false;
    appendJsonString(out_, name);
    out_ += ':';
  }
  void text(const char* name, const std::string& value) {
    key(name);
    appendJsonString(out_, value);
  }
  void optionalText(const char* name, const std::optional<std::string>& value) {
    key(name);
    if (value)
      appendJsonString(out_, *value);
    else
      out_ += "null";
  }
  void rawJson(const char* name, const std::optional<std::string>& json) {
    key(name);
    out_ += json ? *json : "null";
  }
  void number(const char* name, std::int64_t value) {
    key(name);
    out_ += std::to_string(value);
  }
  void boolean(const char* name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  void list(const char* name, const std::vector<std::string>& values) {
    key(name);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out_ += ',';
      appendJsonString(out_, values[i]);
    }
    out_ += ']';
  }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string canonicalForm(const AuditEvent& e) {
  std::string out;
  out.reserve(512);
  {
    // Keys in byte order; adding a field means a new "v".
    CanonicalObject o(out);
    o.text("action", e.action);
    o.text("actor", e.actor);
    o.text("actor_ags", e.actorAgs);
    o.optionalText("case_ref", e.caseRef);
    o.rawJson("criteria", e.criteria);
    o.text("decision", e.decision);
    o.boolean("emergency", e.emergency);
    o.list("fields", e.fields);
    o.optionalText("mandate", e.mandate);
    o.text("node", e.node);
    o.optionalText("owner_ags", e.ownerAgs);
    o.optionalText("purpose", e.purpose);
    o.text("reason", e.reason);
    o.optionalText("register", e.registerName);
    o.text("request_id", e.requestId);
    o.number("result_count", e.resultCount);
    o.list("roles", e.roles);
    o.number("seq", e.seq);
    o.list("subjects", e.subjects);
    o.text("time", e.time);
    o.number("v", e.format);
    if (e.format >= 2) o.list("withheld", e.withheld);
  }
  return out;
}

bool containsNul(const AuditEvent& e) {
  auto bad = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  auto badOpt = [&](const std::optional<std::string>& s) { return s && bad(*s); };
  auto badList = [&](const std::vector<std::string>& l) {
    for (const auto& s : l)
      if (bad(s)) return true;
    return false;
  };
  return bad(e.node) || bad(e.time) || bad(e.requestId) || bad(e.actor) || bad(e.actorAgs) || bad(e.action) ||
         bad(e.decision) || bad(e.reason) || badOpt(e.ownerAgs) || badOpt(e.registerName) || badOpt(e.purpose) ||
         badOpt(e.caseRef) || badOpt(e.mandate) || badOpt(e.criteria) || badList(e.roles) ||
         badList(e.subjects) || badList(e.fields) || badList(e.withheld);
}

void replaceNul(AuditEvent& e) {
  auto fix = [](std::string& s) {
    for (std::size_t at = s.find('\0'); at != std::string::npos; at = s.find('\0', at + 3))
      s.replace(at, 1, "\xEF\xBF\xBD");
  };
  auto fixOpt = [&](std::optional<std::string>& s) {
    if (s) fix(*s);
  };
  auto fixList = [&](std::vector<std::string>& l) {
    for (auto& s : l) fix(s);
  };
  for (std::string* s : {&e.node, &e.time, &e.requestId, &e.actor, &e.actorAgs, &e.action, &e.decision, &e.reason})
    fix(*s);
  for (auto* s : {&e.ownerAgs, &e.registerName, &e.purpose, &e.caseRef, &e.mandate, &e.criteria}) fixOpt(*s);
  for (auto* l : {&e.roles, &e.subjects, &e.fields, &e.withheld}) fixList(*l);
}

std::string utcNow() {
  const auto now = std::chrono::system_clock::now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros % 1000000));
  return buf;
}

}  // namespace regfed::audit
