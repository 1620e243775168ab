// libFuzzer target: the jsonl adapter's input file, loaded by the real module (as the node loads it) and
// searched with every operator.
#include <AdapterLoader.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "FuzzSupport.h"

using namespace regfed::sdk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static host::AdapterLoader loader;
  static const bool loaded = [] {
    loader.load(std::string(REGFED_PLUGIN_DIR) + "/regfed-adapter-jsonl.so");
    return true;
  }();
  (void)loaded;
  static const std::string dir = regfed::fuzz::tempDir();
  {
    std::ofstream out(dir + "/register.jsonl", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto adapter = loader.create("jsonl");
  OpenRequest open;
  open.baseDirectory = dir;
  open.options = {{"path", "register.jsonl"}};
  open.fields = {{"id", FieldType::String, Classification::Intern, ""},
                 {"name", FieldType::String, Classification::Vertraulich, ""},
                 {"born", FieldType::Date, Classification::Vertraulich, ""},
                 {"count", FieldType::Integer, Classification::Intern, ""},
                 {"blocked", FieldType::Boolean, Classification::Vertraulich, ""}};
  open.idField = "id";
  if (!adapter->open(open).ok()) return 0;
  const std::vector<std::string> all = {"id", "name", "born", "count", "blocked"};
  for (const auto& conditions : std::vector<std::vector<Condition>>{
           {},
           {{"name", Operator::Prefix, {std::string("M")}}},
           {{"born", Operator::Range, {std::string("1980-01-01"), Value{}}}},
           {{"count", Operator::In, {std::int64_t{1}, std::int64_t{2}}}},
           {{"blocked", Operator::Equals, {false}}}}) {
    SearchRequest search{conditions, all, 100, 1000};
    SearchResult result;
    adapter->search(search, result);
  }
  GetResult got;
  adapter->get(GetRequest{"1", all, 1000}, got);
  return 0;
}
