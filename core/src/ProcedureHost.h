#pragma once
// Opens one procedure adapter per configured procedure (from the plugins AdapterHost loaded) and contains its
// failures like AdapterHost does for registers: an exception or an error status becomes a per-call status, a
// procedure that cannot open is retried in the background while the node serves everything else.

#include <AdapterLoader.h>
#include <regfed/sdk/ProcedureAdapter.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Config.h"
#include "PeriodicTask.h"

namespace regfed::core {

class Metrics;

/// One configured procedure and its adapter instance.
class ProcedureEntry {
 public:
  explicit ProcedureEntry(ProcedureConfig config);
  /// "AGS/name".
  const std::string& id() const { return id_; }
  const ProcedureConfig& config() const { return config_; }
  /// Whether the adapter is open and answered its last health check.
  bool up() const { return up_.load(); }
  /// Why it is down, when it is.
  std::string problem() const;
  /// What the adapter reported (kinds, decisions); valid once opened.
  regfed::sdk::ProcedureDescription description() const;

 private:
  friend class ProcedureHost;
  ProcedureConfig config_;
  std::string id_;
  std::shared_ptr<regfed::sdk::ProcedureAdapter> adapter_;  // shared: a call in flight survives a reopen
  regfed::sdk::ProcedureDescription description_;
  std::atomic<bool> up_{false};
  mutable std::mutex mutex_;
  std::string problem_;
};

/// The node's procedures.
class ProcedureHost {
 public:
  ProcedureHost(const Config& config, regfed::sdk::host::AdapterLoader& loader, Metrics* metrics);
  ~ProcedureHost();

  /// Opens every procedure; returns configuration problems (no such procedure adapter) that stop the node.
  std::vector<std::string> start();
  /// Health checks and reopening every `interval`.
  void startMonitor(std::chrono::milliseconds interval);
  void stop();

  /// The procedure `ags/name`, or null.
  ProcedureEntry* find(const std::string& ags, const std::string& name);
  const std::vector<std::unique_ptr<ProcedureEntry>>& procedures() const { return procedures_; }

  regfed::sdk::Status list(ProcedureEntry& p, const regfed::sdk::ListItemsRequest& request,
                           regfed::sdk::ListItemsResult& result);
  regfed::sdk::Status get(ProcedureEntry& p, const regfed::sdk::ItemRequest& request,
                          std::optional<regfed::sdk::WorkItem>& item);
  regfed::sdk::Status claim(ProcedureEntry& p, const regfed::sdk::ClaimRequest& request,
                            regfed::sdk::ClaimResult& result);
  regfed::sdk::Status release(ProcedureEntry& p, const regfed::sdk::ReleaseRequest& request,
                              regfed::sdk::ChangeOutcome& outcome);
  regfed::sdk::Status complete(ProcedureEntry& p, const regfed::sdk::CompleteRequest& request,
                               regfed::sdk::ChangeOutcome& outcome);

 private:
  void open(ProcedureEntry& entry);
  void checkHealth(ProcedureEntry& entry);
  template <class Call>
  regfed::sdk::Status contain(ProcedureEntry& entry, Call call);

  const Config& config_;
  regfed::sdk::host::AdapterLoader& loader_;
  Metrics* metrics_;
  std::vector<std::unique_ptr<ProcedureEntry>> procedures_;
  PeriodicTask monitor_;
};

}  // namespace regfed::core
