#pragma once
// What the fuzz targets share: the demo Melderegister's schema and §38 criteria (read from schemas/demo, the
// one definition), an approved mandate, and a scratch folder.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <regfed/sdk/Types.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "Mandate.h"

namespace regfed::fuzz {

inline Poco::Dynamic::Var readJson(const std::string& name) {
  std::ifstream in(std::string(REGFED_SOURCE_DIR) + "/schemas/demo/" + name);
  std::stringstream text;
  text << in.rdbuf();
  Poco::JSON::Parser parser;
  return parser.parse(text.str());
}

inline std::vector<regfed::sdk::FieldSpec> meldeSchema() {
  using namespace regfed::sdk;
  std::vector<FieldSpec> out;
  auto fields = readJson("melderegister.fields.json").extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < fields->size(); ++i) {
    auto f = fields->getObject(static_cast<unsigned>(i));
    const std::string type = f->getValue<std::string>("type"), cls = f->getValue<std::string>("classification");
    out.push_back({f->getValue<std::string>("name"),
                   type == "date"      ? FieldType::Date
                   : type == "integer" ? FieldType::Integer
                   : type == "boolean" ? FieldType::Boolean
                                       : FieldType::String,
                   cls == "intern"        ? Classification::Intern
                   : cls == "vertraulich" ? Classification::Vertraulich
                                          : Classification::StrengVertraulich,
                   ""});
  }
  return out;
}

inline std::vector<std::vector<std::string>> meldeCriteria() {
  std::vector<std::vector<std::string>> out;
  auto sets = readJson("melderegister.criteria.json").extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < sets->size(); ++i) {
    auto set = sets->getArray(static_cast<unsigned>(i));
    out.emplace_back();
    for (std::size_t j = 0; j < set->size(); ++j) out.back().push_back(set->getElement<std::string>(static_cast<unsigned>(j)));
  }
  return out;
}

inline regfed::core::Mandate mandate() {
  regfed::core::Mandate m;
  m.id = "M-2026-0001";
  m.ownerAgs = "15088220";
  m.helperAgs = "15088205";
  m.helpers = {"lena.wagner"};
  m.registers = {"melderegister"};
  m.operations = {"get", "search"};
  m.fields = {"familienname", "vornamen", "ort", "anschrift", "geburtsdatum"};
  m.validFrom = 20790;
  m.validUntil = 20799;
  m.ownerApprovedBy = "mer.admin";
  m.helperApprovedBy = "leu.admin";
  return m;
}

/// A new folder below $TMPDIR (scripts/fuzz.sh points it into the build folder and cleans up).
inline std::string tempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/regfed-fuzz.XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed in " + pattern);
  return pattern;
}

}  // namespace regfed::fuzz
