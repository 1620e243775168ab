#pragma once
// Private key files of the audit trail (the tree-head signing key, the witness key).

#include <openssl/types.h>

#include <string>

namespace regfed::audit {

/// Writes `key` as PEM to `path`, whole or not at all: into a new file of mode 0600 beside it, flushed to disk, then
/// renamed over `path` (a symbolic link there is replaced, not followed). A crash never leaves a truncated key that a
/// later start would take for the node's, and the key is never readable by others, whatever the umask. Throws
/// std::runtime_error naming the file.
void writePrivateKeyFile(const std::string& path, EVP_PKEY* key);

}  // namespace regfed::audit
