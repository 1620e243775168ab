#include "ProcedureHost.h"

#include <Poco/Path.h>

#include "Log.h"
#include "Metrics.h"

namespace regfed::core {

using namespace regfed::sdk;

ProcedureEntry::ProcedureEntry(ProcedureConfig config)
    : config_(std::move(config)), id_(config_.ags + "/" + config_.name) {}

std::string ProcedureEntry::problem() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return problem_;
}

ProcedureDescription ProcedureEntry::description() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return description_;
}

ProcedureHost::ProcedureHost(const Config& config, host::AdapterLoader& loader, Metrics* metrics)
    : config_(config), loader_(loader), metrics_(metrics) {
  for (const auto& p : config.procedures) procedures_.push_back(std::make_unique<ProcedureEntry>(p));
}

ProcedureHost::~ProcedureHost() {
  stop();
  procedures_.clear();  // before the loader (owned by AdapterHost, destroyed later) unloads their code
}

std::vector<std::string> ProcedureHost::start() {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < procedures_.size(); ++i) {
    const std::string& adapter = procedures_[i]->config().adapter;
    const host::LoadedModule* module = loader_.module(adapter);
    if (!module || module->kind != host::ModuleKind::Procedure)
      problems.push_back("procedures[" + std::to_string(i) + "].adapter: no plugin in " + config_.pluginDir +
                         " provides the procedure adapter '" + adapter + "'" +
                         (module ? " ('" + adapter + "' is a register adapter)" : ""));
  }
  if (!problems.empty()) return problems;
  for (auto& entry : procedures_) open(*entry);
  return problems;
}

void ProcedureHost::open(ProcedureEntry& entry) {
  std::shared_ptr<ProcedureAdapter> adapter;
  Status status;
  try {
    adapter = std::shared_ptr<ProcedureAdapter>(loader_.createProcedure(entry.config().adapter).release());
    OpenRequest request;
    request.registerId = entry.id();
    request.options = entry.config().options;
    request.baseDirectory = Poco::Path(config_.file).parent().toString();
    status = adapter->open(request);
  } catch (const std::exception& e) {
    status = Status::error(StatusCode::Internal, std::string("adapter threw during open: ") + e.what());
  } catch (...) {
    status = Status::error(StatusCode::Internal, "adapter threw during open");
  }
  std::lock_guard<std::mutex> lock(entry.mutex_);
  if (status.ok()) {
    entry.description_ = adapter->describe();
    entry.adapter_ = adapter;
    entry.problem_.clear();
    entry.up_ = true;
    log::info("procedure " + entry.id() + " opened (adapter " + entry.config().adapter + ")");
  } else {
    entry.problem_ = status.message;
    entry.up_ = false;
    log::warn("procedure " + entry.id() + " is unavailable: " + status.message + " (retrying in the background)");
  }
  if (metrics_) metrics_->setProcedureUp(entry.id(), status.ok());
}

void ProcedureHost::checkHealth(ProcedureEntry& entry) {
  std::shared_ptr<ProcedureAdapter> adapter;
  {
    std::lock_guard<std::mutex> lock(entry.mutex_);
    adapter = entry.adapter_;
  }
  if (!adapter) {
    open(entry);
    return;
  }
  Health health;
  try {
    health = adapter->health();
  } catch (const std::exception& e) {
    health = Health{false, std::string("health check threw: ") + e.what()};
  }
  const bool was = entry.up_.exchange(health.healthy);
  {
    std::lock_guard<std::mutex> lock(entry.mutex_);
    entry.problem_ = health.healthy ? "" : health.detail;
  }
  if (was != health.healthy)
    health.healthy ? log::info("procedure " + entry.id() + " is healthy again")
                   : log::warn("procedure " + entry.id() + " is unhealthy: " + health.detail);
  if (metrics_) metrics_->setProcedureUp(entry.id(), health.healthy);
}

void ProcedureHost::startMonitor(std::chrono::milliseconds interval) {
  monitor_.start(interval, [this] {
    for (auto& entry : procedures_) checkHealth(*entry);
  });
}

void ProcedureHost::stop() { monitor_.stop(); }

ProcedureEntry* ProcedureHost::find(const std::string& ags, const std::string& name) {
  for (auto& p : procedures_)
    if (p->config().ags == ags && p->config().name == name) return p.get();
  return nullptr;
}

// Unlike a register's answer, a late answer is kept: a claim or a decision the backend made stands, and the
// caller must learn of it.
template <class Call>
Status ProcedureHost::contain(ProcedureEntry& entry, Call call) {
  std::shared_ptr<ProcedureAdapter> adapter;
  {
    std::lock_guard<std::mutex> lock(entry.mutex_);
    adapter = entry.adapter_;
  }
  if (!adapter)
    return Status::error(StatusCode::Unavailable, "procedure " + entry.id() + " is not available: " + entry.problem());
  Status status;
  try {
    status = call(*adapter);
  } catch (const std::exception& e) {
    status = Status::error(StatusCode::Internal, std::string("adapter failed: ") + e.what());
  } catch (...) {
    status = Status::error(StatusCode::Internal, "adapter failed with an unknown exception");
  }
  if (!status.ok() && (status.code == StatusCode::Unavailable || status.code == StatusCode::Internal))
    log::warn("procedure " + entry.id() + ": " + status.message);
  return status;
}

Status ProcedureHost::list(ProcedureEntry& p, const ListItemsRequest& request, ListItemsResult& result) {
  return contain(p, [&](ProcedureAdapter& a) { return a.list(request, result); });
}

Status ProcedureHost::get(ProcedureEntry& p, const ItemRequest& request, std::optional<WorkItem>& item) {
  return contain(p, [&](ProcedureAdapter& a) { return a.get(request, item); });
}

Status ProcedureHost::claim(ProcedureEntry& p, const ClaimRequest& request, ClaimResult& result) {
  return contain(p, [&](ProcedureAdapter& a) { return a.claim(request, result); });
}

Status ProcedureHost::release(ProcedureEntry& p, const ReleaseRequest& request, ChangeOutcome& outcome) {
  return contain(p, [&](ProcedureAdapter& a) { return a.release(request, outcome); });
}

Status ProcedureHost::complete(ProcedureEntry& p, const CompleteRequest& request, ChangeOutcome& outcome) {
  return contain(p, [&](ProcedureAdapter& a) { return a.complete(request, outcome); });
}

}  // namespace regfed::core
