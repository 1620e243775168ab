#include "CpuMeter.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace regfed::bench {

namespace {

// The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): [0] state,
// [1] ppid, …, [11] utime, [12] stime, in clock ticks.
bool statFields(pid_t pid, pid_t& parent, double& cpuSeconds) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto end = text.rfind(')');
  if (end == std::string::npos) return false;
  std::istringstream fields(text.substr(end + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 0; i <= 12 && fields >> field; ++i) {
    if (i == 1) parent = static_cast<pid_t>(std::atol(field.c_str()));
    if (i == 11) utime = std::atoll(field.c_str());
    if (i == 12) stime = std::atoll(field.c_str());
  }
  cpuSeconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return true;
}

double cpuOf(pid_t pid) {
  pid_t parent = 0;
  double seconds = 0;
  return pid > 0 && statFields(pid, parent, seconds) ? seconds : 0;
}

}  // namespace

pid_t CpuMeter::parentOf(pid_t pid) {
  pid_t parent = 0;
  double seconds = 0;
  return statFields(pid, parent, seconds) ? parent : 0;
}

std::map<pid_t, double> CpuMeter::postgresNow() const {
  std::map<pid_t, double> out;
  if (postmaster_ <= 0) return out;
  out[postmaster_] = cpuOf(postmaster_);
  if (DIR* proc = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(std::atol(entry->d_name));
      pid_t parent = 0;
      double seconds = 0;
      if (pid > 0 && statFields(pid, parent, seconds) && parent == postmaster_) out[pid] = seconds;
    }
    ::closedir(proc);
  }
  return out;
}

void CpuMeter::start() {
  node0_ = cpuOf(node_);
  self0_ = cpuOf(::getpid());
  postgres0_ = postgresNow();
}

CpuUse CpuMeter::read() const {
  CpuUse use;
  use.node = node_ > 0 ? cpuOf(node_) - node0_ : 0;
  use.self = cpuOf(::getpid()) - self0_;
  for (const auto& [pid, seconds] : postgresNow()) {
    auto before = postgres0_.find(pid);
    use.postgres += seconds - (before == postgres0_.end() ? 0 : before->second);
  }
  return use;
}

}  // namespace regfed::bench
