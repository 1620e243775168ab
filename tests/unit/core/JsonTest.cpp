#include <Poco/JSON/Parser.h>

#include <boost/test/unit_test.hpp>

#include "Json.h"
#include "Log.h"

using namespace regfed::core;

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(writer_places_commas_and_escapes) {
  JsonWriter w;
  w.beginObject().key("a").value("x\"y").key("b").beginArray().value(1).value(true).null().endArray();
  w.key("c").value(regfed::sdk::Value{std::string("Müller")}).key("d").strings({"p", "q"}).endObject();
  BOOST_TEST(w.str() == R"({"a":"x\"y","b":[1,true,null],"c":"Müller","d":["p","q"]})");
}

BOOST_AUTO_TEST_CASE(canonical_json_sorts_keys_at_every_level) {
  Poco::JSON::Parser parser;
  auto v = parser.parse(R"({"z":1,"a":{"y":[true,null,"s"],"b":-5},"m":"ä"})");
  BOOST_TEST(canonicalJson(v) == R"({"a":{"b":-5,"y":[true,null,"s"]},"m":"ä","z":1})");
}

BOOST_AUTO_TEST_CASE(error_body_has_code_message_and_request_id) {
  BOOST_TEST(
      errorBody("unknown_field", "Unknown field(s): x.", "rid", {"x"}) ==
      R"({"error":{"code":"unknown_field","message":"Unknown field(s): x.","request_id":"rid","fields":["x"]}})");
}

BOOST_AUTO_TEST_CASE(log_messages_cannot_forge_lines) {
  BOOST_TEST(regfed::core::log::printable("reason\n2026-11-26T00:00:00Z INFO  fake") ==
             "reason\\x0a2026-11-26T00:00:00Z INFO  fake");
  BOOST_TEST(regfed::core::log::printable("Müller\t\x1b[31m") == "Müller\\x09\\x1b[31m");
}

BOOST_AUTO_TEST_SUITE_END()
