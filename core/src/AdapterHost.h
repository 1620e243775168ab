#pragma once
// Loads adapter plugins and opens one adapter per configured register. Contains plugin failure: exceptions,
// error statuses and overruns become per-register results; a register that cannot open is retried in the
// background while the node serves the others.

#include <AdapterLoader.h>
#include <regfed/sdk/RegisterAdapter.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "Config.h"
#include "PeriodicTask.h"

namespace regfed::core {

class Metrics;

/// One configured register and its adapter instance.
class RegisterEntry {
 public:
  explicit RegisterEntry(RegisterConfig config);
  /// "AGS/name".
  const std::string& id() const { return id_; }
  /// Its configuration.
  const RegisterConfig& config() const { return config_; }
  /// Field by name, or null.
  const regfed::sdk::FieldSpec* field(const std::string& name) const;
  /// Whether the adapter is open and answered its last health check.
  bool up() const { return up_.load(); }
  /// Why it is down, when it is.
  std::string problem() const;
  /// Capabilities reported by the adapter (valid once opened).
  regfed::sdk::Capabilities capabilities() const;

 private:
  friend class AdapterHost;
  RegisterConfig config_;
  std::string id_;
  std::map<std::string, regfed::sdk::FieldSpec> fieldIndex_;
  std::shared_ptr<regfed::sdk::RegisterAdapter> adapter_;  // shared: callers keep it alive across a reopen
  regfed::sdk::Capabilities capabilities_;
  std::atomic<bool> up_{false};
  mutable std::mutex mutex_;
  std::string problem_;
};

/// Owns the plugin loader and all registers of the node.
class AdapterHost {
 public:
  AdapterHost(const Config& config, Metrics* metrics);
  ~AdapterHost();

  /// Loads the plugins and opens every register; returns configuration problems (unknown adapter, bad plugin)
  /// that should stop the node. A register whose backend is down is not a problem here: it is retried.
  std::vector<std::string> start();
  /// Starts background health checks and reopening (every `interval`).
  void startMonitor(std::chrono::milliseconds interval);
  /// Stops the background thread.
  void stop();

  /// The register `ags/name`, or null.
  RegisterEntry* find(const std::string& ags, const std::string& name);
  /// All registers with this name, by AGS.
  std::vector<RegisterEntry*> withName(const std::string& name);
  /// All registers.
  const std::vector<std::unique_ptr<RegisterEntry>>& registers() const { return registers_; }
  /// The plugin loader (for `regfed plugin check` and `config check`).
  regfed::sdk::host::AdapterLoader& loader() { return loader_; }

  /// Calls get on the register's adapter, containing exceptions and overruns.
  regfed::sdk::Status get(RegisterEntry& entry, const regfed::sdk::GetRequest& request,
                          regfed::sdk::GetResult& result);
  /// Calls search on the register's adapter, containing exceptions and overruns.
  regfed::sdk::Status search(RegisterEntry& entry, const regfed::sdk::SearchRequest& request,
                             regfed::sdk::SearchResult& result);

 private:
  void open(RegisterEntry& entry);
  void checkHealth(RegisterEntry& entry);
  template <class Call>
  regfed::sdk::Status contain(RegisterEntry& entry, std::int64_t timeoutMs, Call call);

  const Config& config_;
  Metrics* metrics_;
  regfed::sdk::host::AdapterLoader loader_;
  std::vector<std::unique_ptr<RegisterEntry>> registers_;
  PeriodicTask monitor_;
};

}  // namespace regfed::core
