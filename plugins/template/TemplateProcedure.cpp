// Template procedure adapter: an inbox of work items held in memory, loaded from a JSON-lines file. Copy this
// file to connect regfed to your own Fachverfahren; it shows every call of the ProcedureAdapter contract, the
// claim rules and the error handling. The state lives in this process only (a restart forgets claims and
// decisions), which is fine for a start and for tests, not for production: there, let your backend decide
// claims atomically, as adapters/antraege does with one UPDATE.
//
// Options: "path" (required; the .jsonl file, relative to the config's folder). One item per line:
//   {"id": "OA-1", "kind": "Wohnsitzanmeldung", "title": "Wohnsitzanmeldung – Müller, Anna",
//    "received": "2026-03-01T08:00:00Z", "status": "open",
//    "applicant": [{"name": "familienname", "label": "Familienname", "value": "Müller"}],
//    "references": [{"register": "melderegister", "id": "MER-000123", "label": "Antragsteller/in"}],
//    "attachments": [{"name": "a.pdf", "media_type": "application/pdf", "size_bytes": 1234, "sha256": "…"}],
//    "history": [{"at": "2026-03-01T08:00:00Z", "status": "open", "by": "antragsteller", "note": ""}]}
// Times are RFC 3339 in UTC to the second ("…Z"); the arrays may be left out. Parsed with POCO JSON
// (libpoco-dev, which Export.h needs anyway).

#include <Poco/JSON/Parser.h>
#include <regfed/sdk/Export.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>

namespace regfed::adapters::tmpl {

using namespace regfed::sdk;
using Clock = std::chrono::system_clock;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

constexpr std::int64_t kMaxListLimit = 500;
constexpr std::size_t kMaxNoteCharacters = 2000;

const std::vector<std::string>& statuses() {
  static const std::vector<std::string> all = {"open", "needs_info", "approved", "rejected"};
  return all;
}

std::string rfc3339(Clock::time_point t) {
  const std::time_t seconds = Clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

std::size_t utf8Characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A text member, "" when absent.
std::string member(const Object::Ptr& o, const std::string& key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}

// Calls `each` for every object of the array `key` (absent: none).
template <class Each>
void forEachObject(const Object::Ptr& o, const std::string& key, Each each) {
  Array::Ptr list = o->has(key) ? o->getArray(key) : nullptr;
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) each(list->getObject(static_cast<unsigned>(i)));
}

WorkItem parseItem(const Object::Ptr& o) {
  WorkItem item;
  item.summary = {member(o, "id"),       member(o, "kind"),   member(o, "title"),
                  member(o, "received"), member(o, "status"), std::nullopt};
  forEachObject(o, "applicant", [&](const Object::Ptr& f) {
    item.applicant.push_back({member(f, "name"), member(f, "label"), member(f, "value")});
  });
  forEachObject(o, "references", [&](const Object::Ptr& r) {
    item.references.push_back({member(r, "register"), member(r, "id"), member(r, "label")});
  });
  forEachObject(o, "attachments", [&](const Object::Ptr& a) {
    item.attachments.push_back({member(a, "name"), member(a, "media_type"),
                                a->has("size_bytes") ? a->getValue<std::int64_t>("size_bytes") : 0,
                                member(a, "sha256")});
  });
  forEachObject(o, "history", [&](const Object::Ptr& h) {
    item.history.push_back({member(h, "at"), member(h, "status"), member(h, "by"), member(h, "note")});
  });
  return item;
}

// "" when the item is acceptable, else what is wrong with it.
std::string problemOf(const WorkItem& item) {
  static const std::regex utc(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  const auto& s = item.summary;
  if (s.id.empty()) return "missing \"id\"";
  if (std::find(statuses().begin(), statuses().end(), s.status) == statuses().end())
    return "\"status\" must be one of open, needs_info, approved, rejected";
  if (!std::regex_match(s.received, utc))
    return "\"received\" must be RFC 3339 in UTC, e.g. 2026-03-01T08:00:00Z";
  return "";
}

}  // namespace

class TemplateProcedure : public ProcedureAdapter {
 public:
  Status open(const OpenRequest& request) override {
    std::vector<std::string> problems;
    validateOptions(request.options, problems);
    if (!problems.empty()) return Status::error(StatusCode::InvalidArgument, problems.front());
    const std::string path = *findOption(request.options, "path");
    const std::string file = path[0] == '/' ? path : request.baseDirectory + "/" + path;
    std::ifstream in(file);
    if (!in) return Status::error(StatusCode::Unavailable, "cannot read " + file);
    std::vector<Stored> loaded;
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string problem;
      try {
        loaded.push_back(Stored{parseItem(Poco::JSON::Parser().parse(line).extract<Object::Ptr>()), {}});
        problem = problemOf(loaded.back().item);
      } catch (const std::exception&) {
        problem = "not a JSON object with the item's members";
      }
      if (!problem.empty())
        return Status::error(StatusCode::InvalidArgument,
                             file + " line " + std::to_string(lineNo) + ": " + problem);
    }
    return adopt(std::move(loaded), file);
  }

  ProcedureDescription describe() const override {
    ProcedureDescription d;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& s : items_)
      if (std::find(d.kinds.begin(), d.kinds.end(), s.item.summary.kind) == d.kinds.end())
        d.kinds.push_back(s.item.summary.kind);
    d.capabilities.claim = true;
    d.capabilities.attachments = true;
    return d;
  }

  Status list(const ListItemsRequest& request, ListItemsResult& result) override {
    if (std::find(statuses().begin(), statuses().end(), request.status) == statuses().end())
      return Status::error(StatusCode::InvalidArgument,
                           "status must be one of open, needs_info, approved, rejected");
    if (request.limit < 1 || request.limit > kMaxListLimit)
      return Status::error(StatusCode::InvalidArgument,
                           "limit must be from 1 to " + std::to_string(kMaxListLimit));
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t start = 0;
    if (!request.after.empty()) {
      auto it = index_.find(request.after);
      if (it == index_.end())
        return Status::error(StatusCode::InvalidArgument, "there is no item to continue after");
      start = it->second + 1;  // items_ is in list order, so the page continues right after the anchor
    }
    ListItemsResult page;
    const Clock::time_point now = Clock::now();
    for (std::size_t i = start; i < items_.size(); ++i) {
      if (items_[i].item.summary.status != request.status) continue;
      if (static_cast<std::int64_t>(page.items.size()) == request.limit) {
        page.more = true;
        break;
      }
      page.items.push_back(summaryOf(items_[i], now));
    }
    result = std::move(page);
    return Status::success();
  }

  Status get(const ItemRequest& request, std::optional<WorkItem>& item) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Stored* s = find(request.id);
    if (!s) return Status::success();
    WorkItem copy = s->item;
    copy.summary = summaryOf(*s, Clock::now());
    item = std::move(copy);
    return Status::success();
  }

  Status claim(const ClaimRequest& request, ClaimResult& result) override {
    if (request.holder.empty()) return Status::error(StatusCode::InvalidArgument, "holder must not be empty");
    if (request.leaseSeconds < 1)
      return Status::error(StatusCode::InvalidArgument, "leaseSeconds must be positive");
    std::lock_guard<std::mutex> lock(mutex_);
    Stored* s = find(request.id);
    if (!s) return done(result, ClaimOutcome::NotFound, {});
    if (s->item.summary.status != "open") return done(result, ClaimOutcome::NotOpen, {});
    const Clock::time_point now = Clock::now();
    const bool live = s->claim && s->claim->expires >= now;
    if (live && s->claim->claim.holder != request.holder)
      return done(result, ClaimOutcome::HeldByOther, s->claim->claim);
    const Clock::time_point expires = now + std::chrono::seconds(request.leaseSeconds);
    if (live) {
      s->claim->expires = expires;
      s->claim->claim.expires = rfc3339(expires);
      return done(result, ClaimOutcome::Renewed, s->claim->claim);
    }
    s->claim = Held{Claim{request.holder, rfc3339(now), rfc3339(expires)}, expires};
    s->item.history.push_back({rfc3339(now), "claimed", request.holder, ""});
    return done(result, ClaimOutcome::Claimed, s->claim->claim);
  }

  Status release(const ReleaseRequest& request, ChangeOutcome& outcome) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Stored* s = find(request.id);
    // A lapsed claim of the same holder may still be released: nobody else has taken it.
    if (refused(s, request.holder, false, outcome)) return Status::success();
    s->claim.reset();
    s->item.history.push_back({rfc3339(Clock::now()), "released", request.holder, ""});
    outcome = ChangeOutcome::Done;
    return Status::success();
  }

  Status complete(const CompleteRequest& request, ChangeOutcome& outcome) override {
    if (utf8Characters(request.note) > kMaxNoteCharacters)
      return Status::error(StatusCode::InvalidArgument,
                           "the note has more than " + std::to_string(kMaxNoteCharacters) + " characters");
    std::lock_guard<std::mutex> lock(mutex_);
    Stored* s = find(request.id);
    if (refused(s, request.holder, true, outcome)) return Status::success();
    s->claim.reset();
    s->item.summary.status = decisionName(request.decision);
    s->item.history.push_back({rfc3339(Clock::now()), s->item.summary.status, request.holder, request.note});
    outcome = ChangeOutcome::Done;
    return Status::success();
  }

  Health health() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return Health{true, std::to_string(items_.size()) + " items in memory"};
  }

  void validateOptions(const std::vector<Option>& options,
                       std::vector<std::string>& problems) const override {
    for (const auto& o : options)
      if (o.key != "path") problems.push_back("option '" + o.key + "' is not known (known: path)");
    auto path = findOption(options, "path");
    if (!path || path->empty()) problems.push_back("option 'path' is required: the JSON-lines file of items");
  }

 private:
  struct Held {
    Claim claim;
    Clock::time_point expires;
  };
  struct Stored {
    WorkItem item;  // summary.claim unused: the claim is `claim`, shown only while it has not lapsed
    std::optional<Held> claim;
  };

  // Takes over the loaded items in list order (received, then id).
  Status adopt(std::vector<Stored> loaded, const std::string& file) {
    std::sort(loaded.begin(), loaded.end(), [](const Stored& a, const Stored& b) {
      return std::tie(a.item.summary.received, a.item.summary.id) <
             std::tie(b.item.summary.received, b.item.summary.id);
    });
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < loaded.size(); ++i)
      if (!index.emplace(loaded[i].item.summary.id, i).second)
        return Status::error(StatusCode::InvalidArgument,
                             file + ": duplicate id '" + loaded[i].item.summary.id + "'");
    std::lock_guard<std::mutex> lock(mutex_);
    items_ = std::move(loaded);
    index_ = std::move(index);
    return Status::success();
  }

  Stored* find(const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &items_[it->second];
  }

  static WorkItemSummary summaryOf(const Stored& s, Clock::time_point now) {
    WorkItemSummary summary = s.item.summary;
    if (s.claim && s.claim->expires >= now) summary.claim = s.claim->claim;
    return summary;
  }

  static Status done(ClaimResult& result, ClaimOutcome outcome, Claim claim) {
    result = ClaimResult{outcome, std::move(claim)};
    return Status::success();
  }

  // True (with `outcome` saying why) when `holder` may not release or complete the item; completing needs a
  // claim that has not lapsed.
  static bool refused(const Stored* s, const std::string& holder, bool needLive, ChangeOutcome& outcome) {
    if (!s)
      outcome = ChangeOutcome::NotFound;
    else if (s->item.summary.status != "open")
      outcome = ChangeOutcome::NotOpen;
    else if (!s->claim || s->claim->claim.holder != holder || (needLive && s->claim->expires < Clock::now()))
      outcome = ChangeOutcome::NotHeld;
    else
      return false;
    return true;
  }

  mutable std::mutex mutex_;
  std::vector<Stored> items_;                 // in list order
  std::map<std::string, std::size_t> index_;  // id -> position in items_
};

}  // namespace regfed::adapters::tmpl

REGFED_EXPORT_PROCEDURE(regfed::adapters::tmpl::TemplateProcedure, "template_procedure",
                        "Template procedure adapter: an in-memory inbox of items from a JSON-lines file")
