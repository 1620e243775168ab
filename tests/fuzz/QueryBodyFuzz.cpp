// libFuzzer target: the body of POST /v1/query, as an authenticated client sends it — parsed, typed against the
// demo Melderegister's schema, and decided by the policy for a helper under a mandate.
#include <cstddef>
#include <cstdint>
#include <string>

#include "DataRequest.h"
#include "FuzzSupport.h"
#include "Policy.h"

using namespace regfed::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = regfed::fuzz::meldeSchema();
  QueryRequest request;
  try {
    parseQuery(std::string(reinterpret_cast<const char*>(data), size), request);
    if (request.fields) checkFieldNames(*request.fields, schema);
    const auto conditions = typeFilter(request.filter, schema);
    AccessRequest access;
    access.ownerAgs = "15088220";
    access.registerName = request.registerName;
    access.fields = request.fields;
    for (const auto& c : conditions) access.filter.push_back({c.field, c.op});
    access.mandate = request.mandate;
    const Mandate m = regfed::fuzz::mandate();
    Principal helper;
    helper.id = "lena.wagner";
    helper.ags = "15088205";
    helper.roles = {"helper"};
    RegisterRules rules{schema, "id", regfed::fuzz::meldeCriteria()};
    decide(helper, access, rules, PolicyContext{m.validFrom, &m, false, false});
  } catch (const RequestError&) {
  }
  return 0;
}
