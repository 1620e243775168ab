#include <regfed/audit/AuditEvent.h>
#include <regfed/audit/MerkleTree.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace regfed::audit {

namespace {

// Whether one of eight bytes needs escaping in a JSON string: below 0x20, '"' or '\\' (exact, bytes of UTF-8
// sequences have the high bit set and never match).
bool needsEscape(std::uint64_t x) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const std::uint64_t control = (x - kOnes * 0x20) & ~x & kHighs;
  const std::uint64_t q = x ^ (kOnes * '"'), b = x ^ (kOnes * '\\');
  return (control | ((q - kOnes) & ~q & kHighs) | ((b - kOnes) & ~b & kHighs)) != 0;
}

}  // namespace

void appendJsonString(std::string& out, const std::string& text) {
  out += '"';
  // Runs of characters that need no escaping are copied at once, found eight bytes at a time (the verifier
  // hashes millions of events).
  const char* run = text.data();
  const char* const end = run + text.size();
  for (const char* p = run; p < end;) {
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if (!needsEscape(word)) {
        p += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(*p++);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(run, static_cast<std::size_t>(p - 1 - run));
    run = p;
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
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(run, static_cast<std::size_t>(end - run));
  out += '"';
}

namespace {

class CanonicalObject {
 public:
  explicit CanonicalObject(std::string& out) : out_(out) { out_ += '{'; }
  ~CanonicalObject() { out_ += '}'; }
  void key(const char* name) {  // names are plain ASCII: nothing to escape
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
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
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, static_cast<std::size_t>(end - digits));
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

void personalFormInto(const AuditEvent& e, std::string& out) {
  out.clear();
  CanonicalObject o(out);
  o.text("actor", e.actor);
  o.optionalText("case_ref", e.caseRef);
  o.optionalText("correlation_id", e.correlationId);
  o.rawJson("criteria", e.criteria);
  o.optionalText("purpose", e.purpose);
  o.list("subjects", e.subjects);
  o.list("withheld", e.withheld);
}

std::string personalForm(const AuditEvent& e) {
  std::string out;
  out.reserve(256);
  personalFormInto(e, out);
  return out;
}

std::string personalDigest(const AuditEvent& e) {
  if (!e.personalDigest.empty()) return e.personalDigest;
  const Hash h = sha256Of(personalForm(e));
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

void canonicalFormInto(const AuditEvent& e, std::string& out) {
  out.clear();
  if (e.format >= 5) {
    // The personal part enters as its digest: clearing it under retention leaves this form computable.
    Hash computed;
    const unsigned char* digest = reinterpret_cast<const unsigned char*>(e.personalDigest.data());
    if (e.personalDigest.size() != computed.size()) {
      thread_local std::string personal;
      personalFormInto(e, personal);
      computed = sha256Of(personal);
      digest = computed.data();
    }
    CanonicalObject o(out);
    o.text("action", e.action);
    o.text("actor_ags", e.actorAgs);
    o.text("decision", e.decision);
    o.boolean("emergency", e.emergency);
    o.list("fields", e.fields);
    o.optionalText("mandate", e.mandate);
    o.text("node", e.node);
    o.optionalText("owner_ags", e.ownerAgs);
    o.optionalText("peer", e.peer);
    o.key("personal");
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < computed.size(); ++i) {
      out += hex[digest[i] >> 4];
      out += hex[digest[i] & 15];
    }
    out += '"';
    o.text("reason", e.reason);
    o.optionalText("register", e.registerName);
    o.text("request_id", e.requestId);
    o.number("result_count", e.resultCount);
    o.list("roles", e.roles);
    o.number("seq", e.seq);
    o.text("time", e.time);
    o.number("v", e.format);
    return;
  }
  // Keys in byte order; adding a field means a new "v".
  CanonicalObject o(out);
  o.text("action", e.action);
  o.text("actor", e.actor);
  o.text("actor_ags", e.actorAgs);
  o.optionalText("case_ref", e.caseRef);
  if (e.format >= 3) o.optionalText("correlation_id", e.correlationId);
  o.rawJson("criteria", e.criteria);
  o.text("decision", e.decision);
  o.boolean("emergency", e.emergency);
  o.list("fields", e.fields);
  o.optionalText("mandate", e.mandate);
  o.text("node", e.node);
  o.optionalText("owner_ags", e.ownerAgs);
  if (e.format >= 4) o.optionalText("peer", e.peer);
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

std::string canonicalForm(const AuditEvent& e) {
  std::string out;
  out.reserve(512);
  canonicalFormInto(e, out);
  return out;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (not NUL), or 0 when it is not one.
std::size_t validSequence(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  std::size_t len;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

template <class Visit>
void eachText(AuditEvent& e, Visit visit) {
  for (std::string* s :
       {&e.node, &e.time, &e.requestId, &e.actor, &e.actorAgs, &e.action, &e.decision, &e.reason})
    visit(*s);
  for (auto* s : {&e.ownerAgs, &e.registerName, &e.purpose, &e.caseRef, &e.mandate, &e.criteria,
                  &e.correlationId, &e.peer})
    if (*s) visit(**s);
  for (auto* l : {&e.roles, &e.subjects, &e.fields, &e.withheld})
    for (auto& s : *l) visit(s);
}

}  // namespace

bool isStorableText(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = validSequence(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string storableText(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = validSequence(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, len);
      i += len;
    }
  }
  return out;
}

bool hasUnstorableText(const AuditEvent& event) {
  bool bad = false;
  eachText(const_cast<AuditEvent&>(event), [&](std::string& s) { bad = bad || !isStorableText(s); });
  return bad;
}

void makeStorable(AuditEvent& event) {
  eachText(event, [](std::string& s) {
    if (!isStorableText(s)) s = storableText(s);
  });
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
