// The canonical form is what gets hashed: it must be exact, stable and unambiguous.
#include <regfed/audit/AuditEvent.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <functional>

using namespace regfed::audit;

BOOST_AUTO_TEST_SUITE(audit_event)

BOOST_AUTO_TEST_CASE(canonical_form_is_sorted_compact_and_exact) {
  AuditEvent e;
  e.seq = 7;
  e.node = "n1";
  e.time = "2026-11-26T20:31:05.123456Z";
  e.requestId = "r-1";
  e.actor = "anna";
  e.actorAgs = "15088220";
  e.roles = {"clerk"};
  e.action = "search";
  e.ownerAgs = "15088220";
  e.registerName = "melderegister";
  e.purpose = "Prüfung \"Antrag\"";
  e.caseRef = "ANT-1";
  e.criteria = R"({"familienname":"Müller"})";
  e.subjects = {"MER-1", "MER-2"};
  e.fields = {"id", "familienname"};
  e.resultCount = 2;
  e.decision = "allow";
  e.reason = "own_municipality";
  e.format = 1;  // events written before withheld records were logged must hash exactly as they did
  BOOST_TEST(canonicalForm(e) ==
             R"({"action":"search","actor":"anna","actor_ags":"15088220","case_ref":"ANT-1",)"
             R"("criteria":{"familienname":"Müller"},"decision":"allow","emergency":false,)"
             R"("fields":["id","familienname"],"mandate":null,"node":"n1","owner_ags":"15088220",)"
             R"("purpose":"Prüfung \"Antrag\"","reason":"own_municipality","register":"melderegister",)"
             R"("request_id":"r-1","result_count":2,"roles":["clerk"],"seq":7,"subjects":["MER-1","MER-2"],)"
             R"("time":"2026-11-26T20:31:05.123456Z","v":1})");
  e.format = 2;
  e.withheld = {"MER-3"};
  const std::string v2 = canonicalForm(e);
  const std::string tail = R"(Z","v":2,"withheld":["MER-3"]})";
  BOOST_TEST(v2.substr(v2.size() - tail.size()) == tail);
  BOOST_TEST(v2.find("correlation_id") == std::string::npos, "format 2 hashes exactly as before");
  // Format 3 adds the client's correlation id, in key order after case_ref.
  e.format = 3;
  e.correlationId = "client-trace-1";
  const std::string v3 = canonicalForm(e);
  BOOST_TEST(
      v3.find(R"("case_ref":"ANT-1","correlation_id":"client-trace-1","criteria":)") != std::string::npos,
      v3);
  e.correlationId.reset();
  BOOST_TEST(canonicalForm(e).find(R"("correlation_id":null)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped_so_fields_cannot_run_into_each_other) {
  std::string out;
  appendJsonString(out, std::string("a\"b\\c\n\t\x01", 8));
  BOOST_TEST(out == "\"a\\\"b\\\\c\\n\\t\\u0001\"");
}

BOOST_AUTO_TEST_CASE(escaping_eight_bytes_at_a_time_matches_escaping_each_byte) {
  // appendJsonString skips eight bytes at once when none needs escaping: every byte value at every position
  // of strings around that width must come out as a byte-by-byte escaper writes it.
  auto reference = [](const std::string& text) {
    std::string out = "\"";
    for (const unsigned char c : text) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        const char* named = c == '\n'   ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                            : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f"
                                        : nullptr;
        if (named) {
          out += named;
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        }
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  for (std::size_t length : {1u, 7u, 8u, 9u, 16u, 17u, 23u})
    for (std::size_t at = 0; at < length; ++at)
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(length, 'x');
        text[at] = static_cast<char>(byte);
        std::string out;
        appendJsonString(out, text);
        BOOST_TEST(out == reference(text), "byte " << byte << " at " << at << " of " << length);
      }
}

BOOST_AUTO_TEST_CASE(every_field_changes_the_canonical_form) {
  AuditEvent base;
  base.decision = "allow";
  const std::string original = canonicalForm(base);
  std::vector<std::function<void(AuditEvent&)>> edits = {[](AuditEvent& e) { e.seq = 2; },
                                                         [](AuditEvent& e) { e.actor = "x"; },
                                                         [](AuditEvent& e) { e.actorAgs = "x"; },
                                                         [](AuditEvent& e) { e.caseRef = "x"; },
                                                         [](AuditEvent& e) { e.criteria = "{}"; },
                                                         [](AuditEvent& e) { e.decision = "deny"; },
                                                         [](AuditEvent& e) { e.emergency = true; },
                                                         [](AuditEvent& e) { e.fields = {"x"}; },
                                                         [](AuditEvent& e) { e.mandate = "x"; },
                                                         [](AuditEvent& e) { e.node = "x"; },
                                                         [](AuditEvent& e) { e.ownerAgs = "x"; },
                                                         [](AuditEvent& e) { e.purpose = "x"; },
                                                         [](AuditEvent& e) { e.reason = "x"; },
                                                         [](AuditEvent& e) { e.registerName = "x"; },
                                                         [](AuditEvent& e) { e.requestId = "x"; },
                                                         [](AuditEvent& e) { e.resultCount = 1; },
                                                         [](AuditEvent& e) { e.roles = {"x"}; },
                                                         [](AuditEvent& e) { e.subjects = {"x"}; },
                                                         [](AuditEvent& e) { e.time = "x"; },
                                                         [](AuditEvent& e) { e.action = "x"; },
                                                         [](AuditEvent& e) { e.withheld = {"x"}; },
                                                         [](AuditEvent& e) { e.format = 1; },
                                                         [](AuditEvent& e) { e.correlationId = "x"; }};
  for (std::size_t i = 0; i < edits.size(); ++i) {
    AuditEvent changed = base;
    edits[i](changed);
    BOOST_TEST(canonicalForm(changed) != original, "edit " << i);
  }
}

BOOST_AUTO_TEST_CASE(storable_text_is_utf8_without_nul) {
  for (const char* ok : {"", "Müller", "Weiß €", "\xF0\x9F\x98\x80"}) BOOST_TEST(isStorableText(ok), ok);
  const std::vector<std::string> bad = {std::string("a\0b", 3),
                                        "\xFF",
                                        "\xC0\xAF" /* overlong '/' */,
                                        "\xED\xA0\x80" /* surrogate */,
                                        "\xF4\x90\x80\x80" /* > U+10FFFF */,
                                        "\xE2\x82" /* truncated */};
  for (const auto& b : bad) {
    BOOST_TEST(!isStorableText(b));
    BOOST_TEST(isStorableText(storableText(b)));
  }
  BOOST_TEST(storableText(std::string("M\xFFller")) ==
             "M\xEF\xBF\xBD"
             "ller");
  BOOST_TEST(storableText("Müller") == "Müller");
}

BOOST_AUTO_TEST_CASE(utc_now_has_microseconds_and_zulu) {
  const std::string t = utcNow();
  BOOST_TEST(t.size() == 27u);
  BOOST_TEST(t[10] == 'T');
  BOOST_TEST(t.back() == 'Z');
}

BOOST_AUTO_TEST_SUITE_END()
