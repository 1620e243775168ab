#pragma once
// A regfed node started by a benchmark: `regfed serve` on a config, its stderr in a log file, stopped with
// SIGTERM. The node also gets SIGTERM when the benchmark dies first, so no node outlives its run.

#include <sys/types.h>

#include <string>

namespace regfed::bench {

class BenchNode {
 public:
  /// Starts the node and waits (up to 60 s) until it serves; throws with the log's end when it does not.
  BenchNode(const std::string& regfedBinary, const std::string& configPath, const std::string& logPath);
  ~BenchNode();
  BenchNode(const BenchNode&) = delete;
  BenchNode& operator=(const BenchNode&) = delete;

  /// The HTTP address the node reported, e.g. "http://127.0.0.1:41234".
  const std::string& url() const { return url_; }
  /// Its port.
  int port() const { return port_; }
  /// The node's process id.
  pid_t pid() const { return pid_; }
  /// Sends SIGTERM and waits; returns the exit status (0: a clean stop).
  int stop();

 private:
  std::string logTail() const;

  std::string logPath_, url_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace regfed::bench
