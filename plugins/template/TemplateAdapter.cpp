// Template adapter: serves a register from a tab-separated export file (first line: column names). Copy this
// file to start an adapter for your own Fachverfahren; it shows every call of the contract and its error
// handling.
//
// Options: "path" (the .tsv file, relative to the config's folder).

#include <regfed/sdk/Export.h>
#include <regfed/sdk/Match.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace regfed::adapters::tmpl {

using namespace regfed::sdk;

class TemplateAdapter : public RegisterAdapter {
 public:
  Status open(const OpenRequest& request) override {
    auto path = findOption(request.options, "path");
    if (!path) return Status::error(StatusCode::InvalidArgument, "option 'path' is required");
    std::string file = (!path->empty() && (*path)[0] == '/') ? *path : request.baseDirectory + "/" + *path;
    std::ifstream in(file);
    if (!in) return Status::error(StatusCode::Unavailable, "cannot read " + file);
    std::string line;
    if (!std::getline(in, line)) return Status::error(StatusCode::InvalidArgument, file + " is empty");
    std::vector<std::string> header = split(line);
    fields_ = request.fields;
    columnOf_.clear();
    for (const auto& f : fields_) {
      const std::string& source = f.source.empty() ? f.name : f.source;
      auto it = std::find(header.begin(), header.end(), source);
      if (it == header.end())
        return Status::error(StatusCode::InvalidArgument, "column '" + source + "' of field '" + f.name +
                                                              "' is not in the header of " + file);
      columnOf_[f.name] = static_cast<std::size_t>(it - header.begin());
    }
    if (!columnOf_.count(request.idField))
      return Status::error(StatusCode::InvalidArgument,
                           "id field '" + request.idField + "' is not configured");
    idField_ = request.idField;
    int lineNo = 1;
    while (std::getline(in, line)) {
      ++lineNo;
      if (line.empty()) continue;
      std::vector<std::string> cells = split(line);
      if (cells.size() != header.size())
        return Status::error(StatusCode::InvalidArgument, file + " line " + std::to_string(lineNo) +
                                                              ": expected " + std::to_string(header.size()) +
                                                              " columns");
      std::map<std::string, Value> record;
      for (const auto& f : fields_) {
        const std::string& cell = cells[columnOf_[f.name]];
        Value v;
        if (!toValue(f.type, cell, v))
          return Status::error(StatusCode::InvalidArgument, file + " line " + std::to_string(lineNo) +
                                                                ": bad value for field '" + f.name + "'");
        record[f.name] = v;
      }
      const std::string id = std::get<std::string>(record[idField_]);
      records_[id] = std::move(record);
    }
    return Status::success();
  }

  Description describe() const override {
    Description d;
    d.fields = fields_;
    d.capabilities.get = true;
    d.capabilities.search = true;
    d.capabilities.operators = {Operator::Equals, Operator::Prefix, Operator::Range, Operator::In};
    return d;
  }

  Status get(const GetRequest& request, GetResult& result) override {
    auto it = records_.find(request.id);
    if (it == records_.end()) return Status::success();
    result.row = project(it->second, request.fields);
    return Status::success();
  }

  Status search(const SearchRequest& request, SearchResult& result) override {
    for (const auto& c : request.conditions)
      if (!columnOf_.count(c.field))
        return Status::error(StatusCode::InvalidArgument, "unknown field '" + c.field + "'");
    for (const auto& [id, record] : records_) {
      bool all = true;
      for (const auto& c : request.conditions)
        if (!matches(c, record.at(c.field))) {
          all = false;
          break;
        }
      if (!all) continue;
      if (static_cast<std::int64_t>(result.rows.size()) == request.limit) {
        result.truncated = true;
        break;
      }
      result.rows.push_back(project(record, request.fields));
    }
    return Status::success();
  }

  Health health() override { return Health{true, std::to_string(records_.size()) + " records loaded"}; }

 private:
  static std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) out.push_back(cell);
    if (!line.empty() && line.back() == '\t') out.emplace_back();
    return out;
  }

  static bool toValue(FieldType type, const std::string& cell, Value& out) {
    if (cell.empty()) {
      out = std::monostate{};
      return true;
    }
    switch (type) {
      case FieldType::Integer:
        try {
          std::size_t used = 0;
          out = static_cast<std::int64_t>(std::stoll(cell, &used));
          return used == cell.size();
        } catch (...) {
          return false;
        }
      case FieldType::Boolean:
        if (cell == "true") {
          out = true;
          return true;
        }
        if (cell == "false") {
          out = false;
          return true;
        }
        return false;
      default:
        out = cell;
        return true;
    }
  }

  Row project(const std::map<std::string, Value>& record, const std::vector<std::string>& fields) const {
    Row row;
    row.reserve(fields.size());
    for (const auto& f : fields) {
      auto it = record.find(f);
      row.push_back(it == record.end() ? Value{} : it->second);
    }
    return row;
  }

  std::vector<FieldSpec> fields_;
  std::map<std::string, std::size_t> columnOf_;
  std::string idField_;
  std::map<std::string, std::map<std::string, Value>>
      records_;  // read-only after open(): safe for many readers
};

}  // namespace regfed::adapters::tmpl

REGFED_EXPORT_ADAPTER(regfed::adapters::tmpl::TemplateAdapter, "template",
                      "Template adapter: a register from a tab-separated export file")
