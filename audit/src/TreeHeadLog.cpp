#include <fcntl.h>
#include <regfed/audit/AuditStore.h>
#include <regfed/audit/TreeHeadLog.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

namespace regfed::audit {

void TreeHeadLog::append(const TreeHead& head) const {
  const std::string line = "v1 " + head.node + " " + std::to_string(head.size) + " " + toHex(head.root) +
                           " " + head.time + " " + head.keyId + " " + bytesToHex(head.signature) + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open tree head file " + path_);
  const bool ok =
      ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write tree head file " + path_);
}

std::vector<TreeHead> TreeHeadLog::read(const std::string& node) const {
  std::vector<TreeHead> out;
  std::ifstream in(path_);
  if (!in) return out;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string version, rootHex, sigHex;
    TreeHead h;
    if (!(fields >> version >> h.node >> h.size >> rootHex >> h.time >> h.keyId >> sigHex) ||
        version != "v1" || !fromHex(rootHex, h.root) || !hexToBytes(sigHex, h.signature))
      throw std::runtime_error("tree head file " + path_ + " line " + std::to_string(lineNo) +
                               " is malformed");
    if (h.node == node) out.push_back(std::move(h));
  }
  return mergeHeads({}, out);
}

std::vector<TreeHead> mergeHeads(const std::vector<TreeHead>& database, const std::vector<TreeHead>& file) {
  std::map<std::int64_t, TreeHead> bySize;
  for (const auto* list : {&database, &file})
    for (const auto& h : *list) {
      auto [it, inserted] = bySize.emplace(h.size, h);
      if (!inserted && (it->second.root != h.root || it->second.time != h.time))
        throw IntegrityError("two different signed tree heads for size " + std::to_string(h.size) +
                             " (database and head file disagree)");
    }
  std::vector<TreeHead> out;
  for (auto& [size, h] : bySize) out.push_back(std::move(h));
  return out;
}

}  // namespace regfed::audit
