#include "SystemdNotify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace regfed::core {

bool notifySystemd(const std::string& state) {
  const char* socketPath = std::getenv("NOTIFY_SOCKET");
  if (!socketPath || !*socketPath) return false;
  const std::string path = socketPath;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A path, or an abstract name written with a leading '@' (systemd's convention).
  if ((path[0] != '/' && path[0] != '@') || path.size() >= sizeof address.sun_path)
    throw std::runtime_error("NOTIFY_SOCKET is neither a socket path nor an abstract name: " + path);
  std::memcpy(address.sun_path, path.data(), path.size());
  if (path[0] == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("cannot open a socket for systemd: ") + std::strerror(errno));
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  const int error = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size()))
    throw std::runtime_error("cannot tell systemd (" + path + "): " + std::strerror(error));
  return true;
}

}  // namespace regfed::core
