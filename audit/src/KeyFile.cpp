#include "KeyFile.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace regfed::audit {

void writePrivateKeyFile(const std::string& path, EVP_PKEY* key) {
  std::string temporary = path + ".new-XXXXXX";
  const int fd = ::mkstemp(temporary.data());  // mode 0600
  if (fd < 0) throw std::runtime_error("cannot create key file " + path + ": " + std::strerror(errno));
  FILE* f = ::fdopen(fd, "w");
  if (!f) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write key file " + path);
  }
  const bool written = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
                       std::fflush(f) == 0 && ::fsync(fd) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write key file " + path + ": " + why);
  }
  // The rename itself is durable once the folder is.
  const auto slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace regfed::audit
