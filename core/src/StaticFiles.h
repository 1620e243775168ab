#pragma once
// The web pages (web/dpo, later web/helfer) as the node serves them: plain files under a fixed folder, looked up
// by a path of safe segments only, with a content security policy that allows nothing but the node itself.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace regfed::core {

/// A file to answer with.
struct StaticFile {
  std::string contentType;
  std::string body;
};

/// The file for `urlPath` (e.g. "/dpo/", "/dpo/app.js") under `webDir`, or nullopt when there is none: only
/// the folders in `sites`, only segments of [A-Za-z0-9._-] that do not start with a dot, only regular files
/// with a known type; "/site/" means "/site/index.html".
std::optional<StaticFile> findStaticFile(const std::string& webDir, const std::vector<std::string>& sites,
                                         const std::string& urlPath);

/// Headers every web page answer carries (content security policy and friends).
const std::vector<std::pair<std::string, std::string>>& webPageHeaders();

}  // namespace regfed::core
