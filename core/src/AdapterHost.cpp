#include "AdapterHost.h"

#include <Poco/Path.h>

#include "Log.h"
#include "Metrics.h"

namespace regfed::core {

using namespace regfed::sdk;

namespace {

const char* statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::Ok:
      return "ok";
    case StatusCode::InvalidArgument:
      return "invalid_argument";
    case StatusCode::Unsupported:
      return "unsupported";
    case StatusCode::Unavailable:
      return "unavailable";
    case StatusCode::Timeout:
      return "timeout";
    case StatusCode::Internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace

RegisterEntry::RegisterEntry(RegisterConfig config)
    : config_(std::move(config)), id_(config_.ags + "/" + config_.name) {
  for (const auto& f : config_.fields) fieldIndex_[f.name] = f;
}

const FieldSpec* RegisterEntry::field(const std::string& name) const {
  auto it = fieldIndex_.find(name);
  return it == fieldIndex_.end() ? nullptr : &it->second;
}

std::string RegisterEntry::problem() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return problem_;
}

Capabilities RegisterEntry::capabilities() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return capabilities_;
}

AdapterHost::AdapterHost(const Config& config, Metrics* metrics) : config_(config), metrics_(metrics) {
  for (const auto& r : config.registers) registers_.push_back(std::make_unique<RegisterEntry>(r));
}

AdapterHost::~AdapterHost() {
  stop();
  // Adapters must be destroyed before the loader unloads their code.
  registers_.clear();
}

std::vector<std::string> AdapterHost::start() {
  std::vector<std::string> problems = loader_.loadDirectory(config_.pluginDir);
  for (std::size_t i = 0; i < registers_.size(); ++i)
    if (!loader_.modules().count(registers_[i]->config().adapter))
      problems.push_back("registers[" + std::to_string(i) + "].adapter: no plugin in " + config_.pluginDir +
                         " provides adapter '" + registers_[i]->config().adapter + "'");
  if (!problems.empty()) return problems;
  for (auto& entry : registers_) open(*entry);
  return problems;
}

void AdapterHost::open(RegisterEntry& entry) {
  std::shared_ptr<RegisterAdapter> adapter;
  Status status;
  try {
    adapter = std::shared_ptr<RegisterAdapter>(loader_.create(entry.config().adapter).release());
    OpenRequest request;
    request.registerId = entry.id();
    request.idField = entry.config().idField;
    request.fields = entry.config().fields;
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
    entry.capabilities_ = adapter->describe().capabilities;
    entry.adapter_ = adapter;
    entry.problem_.clear();
    entry.up_ = true;
    log::info("register " + entry.id() + " opened (adapter " + entry.config().adapter + ")");
  } else {
    entry.problem_ = status.message;
    entry.up_ = false;
    log::warn("register " + entry.id() + " is unavailable: " + status.message +
              " (retrying in the background)");
  }
  if (metrics_) metrics_->setRegisterUp(entry.id(), status.ok());
}

void AdapterHost::checkHealth(RegisterEntry& entry) {
  std::shared_ptr<RegisterAdapter> adapter;
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
  if (was != health.healthy) {
    if (health.healthy)
      log::info("register " + entry.id() + " is healthy again");
    else
      log::warn("register " + entry.id() + " is unhealthy: " + health.detail);
  }
  if (metrics_) metrics_->setRegisterUp(entry.id(), health.healthy);
}

void AdapterHost::startMonitor(std::chrono::milliseconds interval) {
  monitor_.start(interval, [this] {
    for (auto& entry : registers_) checkHealth(*entry);
  });
}

void AdapterHost::stop() { monitor_.stop(); }

RegisterEntry* AdapterHost::find(const std::string& ags, const std::string& name) {
  for (auto& r : registers_)
    if (r->config().ags == ags && r->config().name == name) return r.get();
  return nullptr;
}

std::vector<RegisterEntry*> AdapterHost::withName(const std::string& name) {
  std::vector<RegisterEntry*> out;
  for (auto& r : registers_)
    if (r->config().name == name) out.push_back(r.get());
  return out;
}

template <class Call>
Status AdapterHost::contain(RegisterEntry& entry, std::int64_t timeoutMs, Call call) {
  std::shared_ptr<RegisterAdapter> adapter;
  {
    std::lock_guard<std::mutex> lock(entry.mutex_);
    adapter = entry.adapter_;
  }
  Status status;
  if (!adapter) {
    status = Status::error(StatusCode::Unavailable,
                           "register " + entry.id() + " is not available: " + entry.problem());
  } else {
    const auto started = std::chrono::steady_clock::now();
    try {
      status = call(*adapter);
    } catch (const std::exception& e) {
      status = Status::error(StatusCode::Internal, std::string("adapter failed: ") + e.what());
    } catch (...) {
      status = Status::error(StatusCode::Internal, "adapter failed with an unknown exception");
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    // An answer after the deadline is discarded: the caller has been told "timeout" by then.
    if (status.ok() && elapsed > timeoutMs)
      status = Status::error(StatusCode::Timeout, "register " + entry.id() + " answered after " +
                                                      std::to_string(elapsed) + " ms (limit " +
                                                      std::to_string(timeoutMs) + " ms)");
  }
  if (!status.ok()) {
    if (metrics_) metrics_->pluginError(entry.id(), statusCodeName(status.code));
    if (status.code == StatusCode::Unavailable || status.code == StatusCode::Internal)
      log::warn("register " + entry.id() + ": " + status.message);
  }
  return status;
}

Status AdapterHost::get(RegisterEntry& entry, const GetRequest& request, GetResult& result) {
  return contain(entry, request.timeoutMs, [&](RegisterAdapter& a) { return a.get(request, result); });
}

Status AdapterHost::search(RegisterEntry& entry, const SearchRequest& request, SearchResult& result) {
  return contain(entry, request.timeoutMs, [&](RegisterAdapter& a) { return a.search(request, result); });
}

}  // namespace regfed::core
