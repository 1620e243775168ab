// The conformance kit against this adapter: the template reads a tab-separated file, so the provider writes
// the kit's data set as one. Change provision() to load the data set into whatever your adapter reads.
#define BOOST_TEST_MODULE my_adapter_conformance
#include <regfed/sdk/Types.h>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

namespace sdk = regfed::sdk;

namespace {

std::string text(const sdk::Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "";
}

}  // namespace

struct MyProvider {
  static std::string modulePath() { return MY_ADAPTER_MODULE; }
  static std::string adapterName() { return "template"; }  // the name your module exports
  static sdk::OpenRequest provision(const std::vector<sdk::FieldSpec>& fields,
                                    const std::vector<sdk::Row>& rows) {
    const std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::ofstream out(dir + "/my-adapter-conformance.tsv");
    for (std::size_t i = 0; i < fields.size(); ++i)
      out << (i ? "\t" : "") << (fields[i].source.empty() ? fields[i].name : fields[i].source);
    out << "\n";
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "\t" : "") << text(row[i]);
      out << "\n";
    }
    return sdk::OpenRequest{
        "15088220/conformance", "id", fields, {{"path", "my-adapter-conformance.tsv"}}, dir};
  }
};

using RegfedConformanceProviders = boost::mpl::list<MyProvider>;
#include <regfed/sdk/conformance/AdapterConformance.h>
