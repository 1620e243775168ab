// jsonl adapter: a register read from a JSON-lines file (one object per line) and indexed in memory. Meant
// for small registers and the demo; the file is read once at open.
//
// Options: "path" (file, relative to the config's folder).

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <regfed/sdk/Export.h>
#include <regfed/sdk/Match.h>

#include <fstream>
#include <map>
#include <regex>
#include <unordered_map>

namespace regfed::adapters::jsonl {

using namespace regfed::sdk;

class JsonlAdapter : public RegisterAdapter {
 public:
  Status open(const OpenRequest& request) override {
    auto path = findOption(request.options, "path");
    if (!path || path->empty())
      return Status::error(StatusCode::InvalidArgument, "option 'path' is required");
    const std::string file = (*path)[0] == '/' ? *path : request.baseDirectory + "/" + *path;
    std::ifstream in(file);
    if (!in) return Status::error(StatusCode::Unavailable, "cannot read " + file);
    fields_ = request.fields;
    fieldIndex_.clear();
    for (std::size_t i = 0; i < fields_.size(); ++i) fieldIndex_[fields_[i].name] = i;
    auto idIt = fieldIndex_.find(request.idField);
    if (idIt == fieldIndex_.end())
      return Status::error(StatusCode::InvalidArgument,
                           "id field '" + request.idField + "' is not configured");
    const std::size_t idColumn = idIt->second;

    std::string line;
    std::size_t lineNo = 0;
    Poco::JSON::Parser parser;
    while (std::getline(in, line)) {
      ++lineNo;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = file + " line " + std::to_string(lineNo);
      Poco::JSON::Object::Ptr object;
      try {
        parser.reset();
        object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
      } catch (const std::exception&) {
        return Status::error(StatusCode::InvalidArgument, where + ": not a JSON object");
      }
      Row row(fields_.size());
      for (std::size_t i = 0; i < fields_.size(); ++i) {
        const FieldSpec& f = fields_[i];
        const std::string& key = f.source.empty() ? f.name : f.source;
        std::string problem;
        if (!convert(f.type, object->get(key), row[i], problem))
          return Status::error(StatusCode::InvalidArgument, where + ": field '" + key + "' " + problem);
      }
      auto* id = std::get_if<std::string>(&row[idColumn]);
      if (id == nullptr || id->empty())
        return Status::error(StatusCode::InvalidArgument, where + ": missing id '" + request.idField + "'");
      if (!byId_.emplace(*id, rows_.size()).second)
        return Status::error(StatusCode::InvalidArgument, where + ": duplicate id '" + *id + "'");
      rows_.push_back(std::move(row));
    }
    // Searches walk records in id order, so results are stable across runs.
    order_.clear();
    for (const auto& [id, index] : byId_) order_.push_back(index);
    return Status::success();
  }

  Description describe() const override {
    Description d;
    d.fields = fields_;
    d.capabilities.get = true;
    d.capabilities.search = true;
    d.capabilities.operators = {Operator::Equals, Operator::Prefix, Operator::Range, Operator::In,
                                Operator::Phonetic};
    d.capabilities.maxLimit = 100000;
    return d;
  }

  Status get(const GetRequest& request, GetResult& result) override {
    std::vector<std::size_t> columns;
    if (Status s = resolve(request.fields, columns); !s.ok()) return s;
    auto it = byId_.find(request.id);
    if (it != byId_.end()) result.row = project(rows_[it->second], columns);
    return Status::success();
  }

  Status search(const SearchRequest& request, SearchResult& result) override {
    std::vector<std::size_t> columns;
    if (Status s = resolve(request.fields, columns); !s.ok()) return s;
    std::vector<std::pair<const Condition*, std::size_t>> conditions;
    for (const auto& c : request.conditions) {
      auto it = fieldIndex_.find(c.field);
      if (it == fieldIndex_.end())
        return Status::error(StatusCode::InvalidArgument, "unknown field '" + c.field + "'");
      conditions.emplace_back(&c, it->second);
    }
    for (std::size_t index : order_) {
      const Row& row = rows_[index];
      bool all = true;
      for (const auto& [c, column] : conditions)
        if (!matches(*c, row[column])) {
          all = false;
          break;
        }
      if (!all) continue;
      if (static_cast<std::int64_t>(result.rows.size()) >= request.limit) {
        result.truncated = true;
        break;
      }
      result.rows.push_back(project(row, columns));
    }
    return Status::success();
  }

  Health health() override { return Health{true, std::to_string(rows_.size()) + " records in memory"}; }

 private:
  static bool convert(FieldType type, const Poco::Dynamic::Var& in, Value& out, std::string& problem) {
    if (in.isEmpty()) {
      out = std::monostate{};
      return true;
    }
    switch (type) {
      case FieldType::String:
        if (!in.isString()) {
          problem = "must be a string";
          return false;
        }
        out = in.extract<std::string>();
        return true;
      case FieldType::Date: {
        static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
        if (!in.isString() || !std::regex_match(in.extract<std::string>(), date)) {
          problem = "must be a date YYYY-MM-DD";
          return false;
        }
        out = in.extract<std::string>();
        return true;
      }
      case FieldType::Integer:
        if (!in.isInteger()) {
          problem = "must be an integer";
          return false;
        }
        out = static_cast<std::int64_t>(in.convert<Poco::Int64>());
        return true;
      case FieldType::Boolean:
        if (!in.isBoolean()) {
          problem = "must be true or false";
          return false;
        }
        out = in.extract<bool>();
        return true;
    }
    return false;
  }

  Status resolve(const std::vector<std::string>& fields, std::vector<std::size_t>& columns) const {
    columns.reserve(fields.size());
    for (const auto& f : fields) {
      auto it = fieldIndex_.find(f);
      if (it == fieldIndex_.end())
        return Status::error(StatusCode::InvalidArgument, "unknown field '" + f + "'");
      columns.push_back(it->second);
    }
    return Status::success();
  }

  static Row project(const Row& row, const std::vector<std::size_t>& columns) {
    Row out;
    out.reserve(columns.size());
    for (std::size_t c : columns) out.push_back(row[c]);
    return out;
  }

  // Read-only after open(), so concurrent get/search need no locking.
  std::vector<FieldSpec> fields_;
  std::unordered_map<std::string, std::size_t> fieldIndex_;
  std::vector<Row> rows_;
  std::map<std::string, std::size_t> byId_;
  std::vector<std::size_t> order_;
};

}  // namespace regfed::adapters::jsonl

REGFED_EXPORT_ADAPTER(regfed::adapters::jsonl::JsonlAdapter, "jsonl",
                      "Register from a JSON-lines file, indexed in memory")
