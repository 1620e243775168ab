#pragma once
// A copy of every signed tree head in an append-only file on the node's host, outside the database. A
// database superuser who deletes the newest events together with their heads leaves a shorter log that is
// consistent in itself; the file still holds the heads that covered the deleted events, so verification
// catches it.
//
// One head per line: "v1 <node> <size> <root hex> <time> <key id> <signature hex>".

#include <regfed/audit/TreeHead.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::audit {

/// Reads and appends the head file.
class TreeHeadLog {
 public:
  explicit TreeHeadLog(std::string path) : path_(std::move(path)) {}

  /// Appends one head and flushes it to disk (fsync); throws std::runtime_error.
  void append(const TreeHead& head) const;

  /// Heads of `node` in the file, by size; a missing file is empty. Throws std::runtime_error naming the line
  /// of a malformed entry.
  std::vector<TreeHead> read(const std::string& node) const;

  /// The file.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Merges heads from the database and the file by size; throws IntegrityError when both hold different heads
/// for the same size.
std::vector<TreeHead> mergeHeads(const std::vector<TreeHead>& database, const std::vector<TreeHead>& file);

}  // namespace regfed::audit
