#include "SqlBuilder.h"

#include <regex>
#include <stdexcept>

namespace regfed::adapters::sql {

using namespace regfed::sdk;

bool isValidIdentifier(const std::string& identifier) {
  static const std::regex pattern(R"([A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?)");
  return std::regex_match(identifier, pattern);
}

std::string quoteIdentifier(const std::string& identifier) {
  std::string out = "\"";
  for (char c : identifier) out += (c == '.') ? std::string("\".\"") : std::string(1, c);
  return out + "\"";
}

std::string parameterText(const Value& value) {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return "";
}

std::string arrayLiteral(const std::vector<Value>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (std::holds_alternative<std::monostate>(values[i])) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : parameterText(values[i])) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

SqlBuilder::SqlBuilder(std::string table, std::map<std::string, FieldSpec> fields, std::string idField)
    : table_(std::move(table)), fields_(std::move(fields)), idField_(std::move(idField)) {}

std::string SqlBuilder::column(const std::string& field) const {
  auto it = fields_.find(field);
  if (it == fields_.end()) throw std::invalid_argument("unknown field '" + field + "'");
  return quoteIdentifier(it->second.source.empty() ? it->second.name : it->second.source);
}

std::string SqlBuilder::selectList(const std::vector<std::string>& projection) const {
  std::string list;
  for (const auto& f : projection) list += (list.empty() ? "" : ", ") + column(f);
  return list.empty() ? column(idField_) : list;
}

Statement SqlBuilder::get(const std::vector<std::string>& projection, const std::string& id) const {
  return {"SELECT " + selectList(projection) + " FROM " + quoteIdentifier(table_) + " WHERE " +
              column(idField_) + " = $1",
          {id}};
}

Statement SqlBuilder::search(const SearchRequest& request) const {
  Statement st;
  std::string where;
  auto param = [&st](std::string value) {
    st.parameters.push_back(std::move(value));
    return "$" + std::to_string(st.parameters.size());
  };
  auto add = [&where](const std::string& clause) { where += (where.empty() ? " WHERE " : " AND ") + clause; };
  for (const auto& c : request.conditions) {
    const std::string col = column(c.field);
    const bool text = fields_.at(c.field).type == FieldType::String;
    // Byte order for text comparisons, so results do not depend on the database's collation.
    const std::string cmpCol = text ? col + " COLLATE \"C\"" : col;
    switch (c.op) {
      case Operator::Equals:
        add(col + " = " + param(parameterText(c.values.at(0))));
        break;
      case Operator::Prefix: {
        std::string pattern;
        for (char ch : parameterText(c.values.at(0))) {
          if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
          pattern += ch;
        }
        add(col + " LIKE " + param(pattern + "%") + " ESCAPE '\\'");
        break;
      }
      case Operator::Range:
        if (c.values.size() > 0 && !std::holds_alternative<std::monostate>(c.values[0]))
          add(cmpCol + " >= " + param(parameterText(c.values[0])));
        if (c.values.size() > 1 && !std::holds_alternative<std::monostate>(c.values[1]))
          add(cmpCol + " <= " + param(parameterText(c.values[1])));
        if (c.values.size() < 2 || (std::holds_alternative<std::monostate>(c.values[0]) &&
                                    std::holds_alternative<std::monostate>(c.values[1])))
          add(col + " IS NOT NULL");
        break;
      case Operator::In:
        add(col + " = ANY(" + param(arrayLiteral(c.values)) + ")");
        break;
      case Operator::Phonetic:
        throw std::invalid_argument("operator 'phonetic' is not supported by the sql adapter");
    }
  }
  st.sql = "SELECT " + selectList(request.fields) + " FROM " + quoteIdentifier(table_) + where +
           " ORDER BY " + column(idField_) + " LIMIT " + std::to_string(request.limit + 1);
  return st;
}

std::string SqlBuilder::probe() const {
  std::vector<std::string> all;
  for (const auto& [name, spec] : fields_) all.push_back(name);
  return "SELECT " + selectList(all) + " FROM " + quoteIdentifier(table_) + " WHERE false";
}

}  // namespace regfed::adapters::sql
