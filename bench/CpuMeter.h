#pragma once
// CPU time used by the parts of a benchmark run on one machine: the node process, the PostgreSQL server (its
// postmaster and every backend), and the benchmark program itself — from /proc, so it sees where the time of
// a phase went when all three share the cores.

#include <sys/types.h>

#include <map>

namespace regfed::bench {

/// CPU seconds (user + system) used between CpuMeter::start() and CpuMeter::read().
struct CpuUse {
  double node = 0;      ///< The node process, all its threads.
  double postgres = 0;  ///< The PostgreSQL server's processes.
  double self = 0;      ///< The benchmark program (its helper threads).
};

class CpuMeter {
 public:
  /// `node` may be 0 (no node in this phase); `postmaster` is the PostgreSQL server's main process.
  CpuMeter(pid_t node, pid_t postmaster) : node_(node), postmaster_(postmaster) {}
  /// Takes the starting figures.
  void start();
  /// CPU used since start(). A backend that ended in between is not counted (the helpers' are not among
  /// them).
  CpuUse read() const;

  /// The parent process of `pid` (0 when unknown).
  static pid_t parentOf(pid_t pid);

 private:
  std::map<pid_t, double> postgresNow() const;

  pid_t node_, postmaster_;
  double node0_ = 0, self0_ = 0;
  std::map<pid_t, double> postgres0_;
};

}  // namespace regfed::bench
