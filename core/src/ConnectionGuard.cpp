#include "ConnectionGuard.h"

#include <sys/socket.h>
#include <unistd.h>

#include "Log.h"
#include "Metrics.h"

namespace regfed::core {

using Clock = std::chrono::steady_clock;

/// One connection being served, known to the watchdog. `fd` is a duplicate of the socket's descriptor, owned
/// here: the watchdog can shut the socket down without ever touching a descriptor number that POCO may have
/// closed and the kernel handed to another connection.
struct ConnectionGuard::Served {
  ConnectionGuard* guard;
  int fd;
  Phase phase = Phase::AwaitingRequest;
  Clock::time_point deadline;
  int shutdown = -1;  // how it was shut down so far: -1 not at all, SHUT_RD or SHUT_RDWR
};

namespace {

thread_local ConnectionGuard::Served* current = nullptr;

const char* phaseName(ConnectionGuard::Phase phase) {
  switch (phase) {
    case ConnectionGuard::Phase::AwaitingRequest:
      return "header";
    case ConnectionGuard::Phase::ReadingBody:
      return "body";
    case ConnectionGuard::Phase::Responding:
      return "response";
    case ConnectionGuard::Phase::Handling:
      break;
  }
  return "handling";
}

}  // namespace

ConnectionGuard::ConnectionGuard(const HttpLimits& limits, int maxThreads, Metrics* metrics)
    : limits_(limits), totalCap_(maxThreads + limits.maxQueued), metrics_(metrics) {
  watchdog_.start(std::chrono::milliseconds(100), [this] { watch(); });
}

ConnectionGuard::~ConnectionGuard() { watchdog_.stop(); }

std::string ConnectionGuard::clientKey(const Poco::Net::StreamSocket& socket) {
  Poco::Net::IPAddress host = socket.peerAddress().host();
  if (host.family() == Poco::Net::IPAddress::IPv6) {
    if (host.isIPv4Mapped()) return host.toString().substr(7);  // ::ffff:a.b.c.d counts as a.b.c.d
    // One IPv6 client usually holds a whole /64: count it as one.
    return (host & Poco::Net::IPAddress(64, Poco::Net::IPAddress::IPv6)).toString() + "/64";
  }
  return host.toString();
}

bool ConnectionGuard::accept(const Poco::Net::StreamSocket& socket) {
  std::string key;
  try {
    key = clientKey(socket);
  } catch (const Poco::Exception&) {
    return false;  // gone already
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const char* refused = nullptr;
  if (total_ >= totalCap_)
    refused = "node";
  else if (perClient_[key] >= limits_.connectionsPerClient)
    refused = "client";
  if (refused) {
    if (perClient_[key] == 0) perClient_.erase(key);
    if (metrics_) metrics_->connectionRefused(refused);
    return false;
  }
  ++perClient_[key];
  ++total_;
  pending_[static_cast<int>(socket.impl()->sockfd())] = Pending{key, Clock::now()};
  if (metrics_) metrics_->setOpenConnections(total_);
  return true;
}

std::string ConnectionGuard::started(const Poco::Net::StreamSocket& socket) {
  const int fd = static_cast<int>(socket.impl()->sockfd());
  const int watched = ::dup(fd);
  if (watched < 0) {
    // Out of descriptors: a connection the watchdog cannot watch is not served.
    ::shutdown(fd, SHUT_RDWR);
    log::warn("cannot watch a connection (out of file descriptors); closing it");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Pending pending{"", Clock::now()};
  auto it = pending_.find(fd);
  if (it != pending_.end()) {
    pending = std::move(it->second);
    pending_.erase(it);
  }
  auto* served = new Served{this, watched, Phase::AwaitingRequest,
                            pending.acceptedAt + std::chrono::milliseconds(limits_.headerTimeoutMs)};
  served_.insert(served);
  current = served;
  return pending.key;
}

void ConnectionGuard::finished(const std::string& key) {
  Served* served = current;
  current = nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  if (served) {
    served_.erase(served);
    if (served->fd >= 0) ::close(served->fd);
    delete served;
  }
  auto it = perClient_.find(key);
  if (it != perClient_.end() && --it->second <= 0) perClient_.erase(it);
  --total_;
  if (metrics_) metrics_->setOpenConnections(total_);
}

void ConnectionGuard::enter(Phase phase) {
  Served* served = current;
  if (!served) return;
  ConnectionGuard& guard = *served->guard;
  std::int64_t ms = 0;
  switch (phase) {
    case Phase::AwaitingRequest:
      // The next request on a kept-alive connection: idle time first, then the header.
      ms = guard.limits_.idleTimeoutMs + guard.limits_.headerTimeoutMs;
      break;
    case Phase::ReadingBody:
      ms = guard.limits_.bodyTimeoutMs;
      break;
    case Phase::Responding:
      ms = guard.limits_.bodyTimeoutMs;
      break;
    case Phase::Handling:
      break;
  }
  std::lock_guard<std::mutex> lock(guard.mutex_);
  served->phase = phase;
  served->deadline = Clock::now() + std::chrono::milliseconds(ms);
}

int ConnectionGuard::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

std::size_t ConnectionGuard::serving() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return served_.size();
}

void ConnectionGuard::shutdownAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Served* served : served_)
    if (served->fd >= 0 && served->shutdown != SHUT_RDWR) {
      ::shutdown(served->fd, SHUT_RDWR);
      served->shutdown = SHUT_RDWR;
    }
}

void ConnectionGuard::watch() {
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  for (Served* served : served_) {
    if (served->phase == Phase::Handling || now < served->deadline || served->fd < 0) continue;
    // Reading side only while a request is read, so a 400/408 can still be written; both sides once the
    // response itself is stuck (a connection shut for reading earlier is shut for writing now).
    const int how = served->phase == Phase::Responding ? SHUT_RDWR : SHUT_RD;
    if (served->shutdown == SHUT_RDWR || served->shutdown == how) continue;
    ::shutdown(served->fd, how);
    served->shutdown = how;
    if (metrics_) metrics_->connectionTimedOut(phaseName(served->phase));
  }
}

}  // namespace regfed::core
