#pragma once
// Runs a function every `interval` on its own thread until stopped (health checks, refreshes).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace regfed::core {

/// A background loop; stop() (or destruction) wakes it at once and joins.
class PeriodicTask {
 public:
  PeriodicTask() = default;
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask() { stop(); }

  /// Calls `work` every `interval`, first after one interval.
  void start(std::chrono::milliseconds interval, std::function<void()> work) {
    thread_ = std::thread([this, interval, work = std::move(work)] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        lock.unlock();
        work();
        lock.lock();
      }
    });
  }

  /// Stops the loop and waits for a running call to finish.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace regfed::core
