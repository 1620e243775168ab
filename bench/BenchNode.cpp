#include "BenchNode.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace regfed::bench {

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

BenchNode::BenchNode(const std::string& regfedBinary, const std::string& configPath,
                     const std::string& logPath)
    : logPath_(logPath) {
  const std::string ready = logPath + ".ready";
  ::unlink(ready.c_str());
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the benchmark died before prctl
    const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    ::execl(regfedBinary.c_str(), regfedBinary.c_str(), "serve", "--config", configPath.c_str(),
            "--ready-file", ready.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::ifstream(ready).peek() == std::ifstream::traits_type::eof()) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      stopped_ = true;
      throw std::runtime_error("the node exited during start:\n" + logTail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("the node did not start within 60 s:\n" + logTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string text = readFile(ready);
  url_ = text.substr(0, text.find('\n'));
  port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
}

BenchNode::~BenchNode() { stop(); }

int BenchNode::stop() {
  if (stopped_) return 0;
  stopped_ = true;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string BenchNode::logTail() const {
  const std::string log = readFile(logPath_);
  return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
}

}  // namespace regfed::bench
