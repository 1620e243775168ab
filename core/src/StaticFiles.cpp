#include "StaticFiles.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace regfed::core {

namespace {

bool safeSegment(const std::string& s) {
  if (s.empty() || s[0] == '.' || s.size() > 100) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

const char* typeOf(const std::string& name) {
  static const std::vector<std::pair<const char*, const char*>> types = {
      {".html", "text/html; charset=utf-8"},      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},                   {".png", "image/png"},
      {".ico", "image/x-icon"},                    {".json", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : types) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return type;
  }
  return nullptr;
}

}  // namespace

std::optional<StaticFile> findStaticFile(const std::string& webDir, const std::vector<std::string>& sites,
                                         const std::string& urlPath) {
  std::vector<std::string> segments;
  std::string current;
  for (std::size_t i = 1; i <= urlPath.size(); ++i) {
    if (i == urlPath.size() || urlPath[i] == '/') {
      segments.push_back(current);
      current.clear();
    } else {
      current += urlPath[i];
    }
  }
  if (urlPath.empty() || urlPath[0] != '/' || segments.empty()) return std::nullopt;
  if (segments.back().empty()) segments.back() = "index.html";  // "/dpo/" → "/dpo/index.html"
  bool known = false;
  for (const auto& site : sites) known = known || segments[0] == site;
  if (!known || segments.size() < 2) return std::nullopt;
  std::string path = webDir;
  for (const auto& s : segments) {
    if (!safeSegment(s)) return std::nullopt;
    path += "/" + s;
  }
  const char* type = typeOf(segments.back());
  struct stat info {};
  if (!type || ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > (8 << 20))
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  return StaticFile{type, body.str()};
}

const std::vector<std::pair<std::string, std::string>>& webPageHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"}};
  return headers;
}

}  // namespace regfed::core
