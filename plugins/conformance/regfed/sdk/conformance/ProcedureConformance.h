#pragma once
// The procedure conformance kit: Boost.Test cases every procedure adapter must pass (SDK 1.1). An adapter's
// test provides one or more providers and includes this header:
//
//   struct MyProvider {
//     static std::string modulePath();   // the built .so
//     static std::string adapterName();  // name the module exports
//     // Makes the backend hold exactly `items` (no claims, the history as listed), replacing whatever an
//     // earlier call left; returns the request that opens an adapter on them. Called once per test case.
//     static regfed::sdk::OpenRequest provision(const std::vector<regfed::sdk::WorkItem>& items);
//   };
//   using RegfedProcedureProviders = boost::mpl::list<MyProvider>;
//   #include <regfed/sdk/conformance/ProcedureConformance.h>
//
// The data set (ProcedureWorkItems.h) has items in every status, received times that order differently from
// the ids and tie, an id with SQL and LIKE metacharacters, umlauts and quotes, and items without references
// or attachments. The cases check the claim rules of ProcedureAdapter.h: one winner among concurrent claims,
// renewal, lapse, release and completion only by the holder.

#include <AdapterLoader.h>
#include <regfed/sdk/conformance/ProcedureWorkItems.h>

#include <algorithm>
#include <atomic>
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace regfed::sdk::conformance {

/// Loads the provider's module once per process and opens a fresh adapter on a freshly provisioned data set.
template <class Provider>
struct ProcedureFixture {
  ProcedureFixture() {
    adapter = create();
    request = Provider::provision(workItems());
    Status status = adapter->open(request);
    BOOST_REQUIRE_MESSAGE(status.ok(), "open failed: " << status.message);
  }

  static std::unique_ptr<ProcedureAdapter> create() {
    static std::unique_ptr<host::AdapterLoader> loader = [] {
      auto l = std::make_unique<host::AdapterLoader>();
      l->load(Provider::modulePath());
      return l;
    }();
    auto created = loader->createProcedure(Provider::adapterName());
    BOOST_REQUIRE(created);
    return created;
  }

  ClaimResult claim(const std::string& id, const std::string& holder, std::int64_t leaseSeconds = 60) {
    ClaimResult result;
    Status status = adapter->claim(ClaimRequest{id, holder, leaseSeconds, 0}, result);
    BOOST_REQUIRE_MESSAGE(status.ok(), "claim of " << id << " failed: " << status.message);
    return result;
  }

  ChangeOutcome release(const std::string& id, const std::string& holder) {
    ChangeOutcome outcome = ChangeOutcome::NotFound;
    Status status = adapter->release(ReleaseRequest{id, holder, 0}, outcome);
    BOOST_REQUIRE_MESSAGE(status.ok(), "release of " << id << " failed: " << status.message);
    return outcome;
  }

  ChangeOutcome complete(const std::string& id, const std::string& holder, Decision decision,
                         const std::string& note = "") {
    ChangeOutcome outcome = ChangeOutcome::NotFound;
    Status status = adapter->complete(CompleteRequest{id, holder, decision, note, 0}, outcome);
    BOOST_REQUIRE_MESSAGE(status.ok(), "complete of " << id << " failed: " << status.message);
    return outcome;
  }

  WorkItem get(const std::string& id) {
    std::optional<WorkItem> item;
    Status status = adapter->get(ItemRequest{id, 0}, item);
    BOOST_REQUIRE_MESSAGE(status.ok(), "get of " << id << " failed: " << status.message);
    BOOST_REQUIRE_MESSAGE(item.has_value(), "item " << id << " not found");
    return *item;
  }

  /// Every item of a status, page by page, checking `more` on the way.
  std::vector<WorkItemSummary> listAll(const std::string& status, std::int64_t limit = 500) {
    std::vector<WorkItemSummary> all;
    ListItemsRequest request{status, limit, "", 0};
    for (int pages = 0; pages < 1000; ++pages) {
      ListItemsResult page;
      Status s = adapter->list(request, page);
      BOOST_REQUIRE_MESSAGE(s.ok(), "list failed: " << s.message);
      BOOST_TEST(static_cast<std::int64_t>(page.items.size()) <= limit);
      if (page.more)
        BOOST_TEST(static_cast<std::int64_t>(page.items.size()) == limit, "a short page with more");
      all.insert(all.end(), page.items.begin(), page.items.end());
      if (!page.more || page.items.empty()) return all;
      request.after = page.items.back().id;
    }
    BOOST_FAIL("list never ended");
    return all;
  }

  std::vector<std::string> listIds(const std::string& status, std::int64_t limit = 500) {
    std::vector<std::string> ids;
    for (const auto& s : listAll(status, limit)) ids.push_back(s.id);
    return ids;
  }

  std::unique_ptr<ProcedureAdapter> adapter;
  OpenRequest request;
};

}  // namespace regfed::sdk::conformance

BOOST_AUTO_TEST_SUITE(procedure_conformance)

using regfed::sdk::conformance::canonical;
using regfed::sdk::conformance::outcomeName;
using regfed::sdk::conformance::ProcedureFixture;
using regfed::sdk::conformance::workItem;
using regfed::sdk::conformance::workItemIds;
namespace psdk = regfed::sdk;

BOOST_AUTO_TEST_CASE_TEMPLATE(describes_capabilities_before_open_and_kinds_after, P,
                              RegfedProcedureProviders) {
  auto unopened = ProcedureFixture<P>::create();
  BOOST_TEST(unopened->describe().capabilities.claim);
  ProcedureFixture<P> fx;
  const auto description = fx.adapter->describe();
  BOOST_TEST(description.capabilities.claim);
  BOOST_TEST(description.capabilities.attachments);
  for (const auto& w : regfed::sdk::conformance::workItems()) {
    const auto& kinds = description.kinds;
    BOOST_TEST((std::find(kinds.begin(), kinds.end(), w.summary.kind) != kinds.end()),
               "kind " << w.summary.kind << " missing from describe()");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(validate_options_names_problems_without_opening, P, RegfedProcedureProviders) {
  auto unopened = ProcedureFixture<P>::create();
  std::vector<std::string> problems;
  unopened->validateOptions({}, problems);
  BOOST_TEST(!problems.empty(), "empty options accepted");
  for (const auto& p : problems) BOOST_TEST(p.find("option") != std::string::npos, p);
  ProcedureFixture<P> fx;
  problems.clear();
  unopened->validateOptions(fx.request.options, problems);
  BOOST_TEST(problems.empty(),
             "the provisioned options are refused: " << (problems.empty() ? "" : problems[0]));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(list_pages_without_gaps_or_repeats, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const auto expected = workItemIds("open");
  for (std::int64_t limit : {1, 2, 5, 11, 12, 13, 500}) {
    BOOST_TEST((fx.listIds("open", limit) == expected), "limit " << limit);
  }
  psdk::ListItemsResult page;
  BOOST_REQUIRE(fx.adapter->list({"open", 5, "", 0}, page).ok());
  BOOST_TEST(page.items.size() == 5u);
  BOOST_TEST(page.more);
  psdk::ListItemsResult last;
  BOOST_REQUIRE(fx.adapter->list({"open", 5, expected[expected.size() - 2], 0}, last).ok());
  BOOST_REQUIRE(last.items.size() == 1u);
  BOOST_TEST(last.items[0].id == expected.back());
  BOOST_TEST(!last.more);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(list_filters_by_status_and_shows_summaries, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  for (const char* status : {"open", "needs_info", "approved", "rejected"}) {
    const auto items = fx.listAll(status);
    std::vector<std::string> ids;
    for (const auto& s : items) {
      ids.push_back(s.id);
      const auto expected = workItem(s.id).summary;
      BOOST_TEST(s.kind == expected.kind);
      BOOST_TEST(s.title == expected.title);
      BOOST_TEST(s.received == expected.received);
      BOOST_TEST(s.status == status);
      BOOST_TEST(!s.claim.has_value());
    }
    BOOST_TEST((ids == workItemIds(status)), "status " << status);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(list_refuses_bad_requests, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const std::vector<psdk::ListItemsRequest> bad = {{"closed", 10, "", 0},
                                                   {"", 10, "", 0},
                                                   {"open", 0, "", 0},
                                                   {"open", 501, "", 0},
                                                   {"open", 10, "OA-NONE", 0}};
  for (const auto& request : bad) {
    psdk::ListItemsResult result;
    const psdk::Status status = fx.adapter->list(request, result);
    BOOST_TEST(
        static_cast<int>(status.code) == static_cast<int>(psdk::StatusCode::InvalidArgument),
        "status '" << request.status << "' limit " << request.limit << " after '" << request.after << "'");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(get_returns_everything_and_nothing_for_unknown_ids, P,
                              RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  for (const auto& w : regfed::sdk::conformance::workItems())
    BOOST_TEST(canonical(fx.get(w.summary.id)) == canonical(w));
  for (const char* id : {"OA-NONE", "", "OA-K-0001' OR '1'='1", "OA-K-000%", "OA-K-000_", "oa-k-0001"}) {
    std::optional<psdk::WorkItem> item;
    BOOST_REQUIRE(fx.adapter->get({id, 0}, item).ok());
    BOOST_TEST(!item.has_value(), "id '" << id << "' found an item");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sixteen_concurrent_claims_have_one_winner, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  constexpr int kThreads = 16;
  std::vector<psdk::ClaimResult> results(kThreads);
  std::vector<psdk::Status> statuses(kThreads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ++ready;
      while (!go) std::this_thread::yield();
      statuses[t] =
          fx.adapter->claim({"OA-K-0008", "helfer" + std::to_string(t) + "@15088205", 600, 0}, results[t]);
    });
  while (ready < kThreads) std::this_thread::yield();
  go = true;
  for (auto& th : threads) th.join();
  std::string winner;
  int claimed = 0, heldByOther = 0;
  for (int t = 0; t < kThreads; ++t) {
    BOOST_REQUIRE_MESSAGE(statuses[t].ok(), "claim failed: " << statuses[t].message);
    if (results[t].outcome == psdk::ClaimOutcome::Claimed) {
      ++claimed;
      winner = "helfer" + std::to_string(t) + "@15088205";
      BOOST_TEST(results[t].claim.holder == winner);
    }
    heldByOther += results[t].outcome == psdk::ClaimOutcome::HeldByOther;
  }
  BOOST_REQUIRE(claimed == 1);
  BOOST_TEST(heldByOther == kThreads - 1);
  for (int t = 0; t < kThreads; ++t)
    if (results[t].outcome == psdk::ClaimOutcome::HeldByOther) {
      BOOST_TEST(results[t].claim.holder == winner);
      BOOST_TEST(!results[t].claim.expires.empty());
    }
  const auto summary = fx.get("OA-K-0008").summary;
  BOOST_REQUIRE(summary.claim.has_value());
  BOOST_TEST(summary.claim->holder == winner);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_holder_renews_others_are_told_who_holds, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const auto first = fx.claim("OA-K-0001", "anna@15088220", 60);
  BOOST_TEST(outcomeName(first.outcome) == std::string("Claimed"));
  BOOST_TEST(first.claim.holder == "anna@15088220");
  BOOST_TEST(!first.claim.since.empty());
  BOOST_TEST(first.claim.expires > first.claim.since);
  const auto renewed = fx.claim("OA-K-0001", "anna@15088220", 120);
  BOOST_TEST(outcomeName(renewed.outcome) == std::string("Renewed"));
  BOOST_TEST(renewed.claim.holder == "anna@15088220");
  BOOST_TEST(renewed.claim.since == first.claim.since);
  BOOST_TEST(renewed.claim.expires > first.claim.expires);
  const auto other = fx.claim("OA-K-0001", "bernd@15088205", 60);
  BOOST_TEST(outcomeName(other.outcome) == std::string("HeldByOther"));
  BOOST_TEST(other.claim.holder == "anna@15088220");
  BOOST_TEST(other.claim.expires == renewed.claim.expires);
  const auto listed = fx.listAll("open");
  auto it = std::find_if(listed.begin(), listed.end(),
                         [](const psdk::WorkItemSummary& s) { return s.id == "OA-K-0001"; });
  BOOST_REQUIRE(it != listed.end());
  BOOST_REQUIRE(it->claim.has_value());
  BOOST_TEST(it->claim->holder == "anna@15088220");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_lapsed_claim_counts_as_none, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  BOOST_REQUIRE(fx.claim("OA-K-0009", "anna@15088220", 1).outcome == psdk::ClaimOutcome::Claimed);
  BOOST_REQUIRE(fx.claim("OA-K-0010", "anna@15088220", 1).outcome == psdk::ClaimOutcome::Claimed);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  BOOST_TEST(!fx.get("OA-K-0009").summary.claim.has_value());
  for (const auto& s : fx.listAll("open"))
    BOOST_TEST(!s.claim.has_value(), s.id << " still shows a lapsed claim");
  BOOST_TEST(outcomeName(fx.complete("OA-K-0009", "anna@15088220", psdk::Decision::Approved)) ==
             std::string("NotHeld"));
  const auto taken = fx.claim("OA-K-0009", "bernd@15088205", 60);
  BOOST_TEST(outcomeName(taken.outcome) == std::string("Claimed"));
  BOOST_TEST(taken.claim.holder == "bernd@15088205");
  BOOST_TEST(outcomeName(fx.release("OA-K-0009", "anna@15088220")) == std::string("NotHeld"));
  // Nobody took the other item: its lapsed holder may still release it.
  BOOST_TEST(outcomeName(fx.release("OA-K-0010", "anna@15088220")) == std::string("Done"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(only_the_holder_releases, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  BOOST_REQUIRE(fx.claim("OA-K-0011", "anna@15088220").outcome == psdk::ClaimOutcome::Claimed);
  BOOST_TEST(outcomeName(fx.release("OA-K-0011", "bernd@15088205")) == std::string("NotHeld"));
  BOOST_TEST(outcomeName(fx.release("OA-K-0011", "anna@15088220")) == std::string("Done"));
  BOOST_TEST(!fx.get("OA-K-0011").summary.claim.has_value());
  BOOST_TEST(outcomeName(fx.claim("OA-K-0011", "bernd@15088205").outcome) == std::string("Claimed"));
  BOOST_TEST(outcomeName(fx.release("OA-K-0012", "anna@15088220")) == std::string("NotHeld"));
  BOOST_TEST(outcomeName(fx.release("OA-K-0015", "anna@15088220")) == std::string("NotOpen"));
  BOOST_TEST(outcomeName(fx.release("OA-NONE", "anna@15088220")) == std::string("NotFound"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_holder_completes_and_the_item_ends, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const std::string id = "OA-K-0'%_";
  const std::size_t before = fx.get(id).history.size();
  BOOST_TEST(outcomeName(fx.complete(id, "anna@15088220", psdk::Decision::Approved)) ==
             std::string("NotHeld"));
  BOOST_REQUIRE(fx.claim(id, "anna@15088220").outcome == psdk::ClaimOutcome::Claimed);
  BOOST_TEST(outcomeName(fx.complete(id, "bernd@15088205", psdk::Decision::Approved)) ==
             std::string("NotHeld"));
  BOOST_TEST(outcomeName(fx.complete(id, "anna@15088220", psdk::Decision::Approved,
                                     "Unterlagen vollständig.")) == std::string("Done"));
  const auto done = fx.get(id);
  BOOST_TEST(done.summary.status == "approved");
  BOOST_TEST(!done.summary.claim.has_value());
  BOOST_REQUIRE(done.history.size() > before);
  BOOST_TEST(done.history.back().status == "approved");
  BOOST_TEST(done.history.back().by == "anna@15088220");
  BOOST_TEST(done.history.back().note == "Unterlagen vollständig.");
  // Nothing else of the item changed, and the earlier history is kept.
  auto expected = workItem(id);
  expected.summary.status = "approved";
  auto unchanged = done;
  unchanged.history.resize(expected.history.size());
  BOOST_TEST(canonical(unchanged) == canonical(expected));
  const auto open = fx.listIds("open");
  BOOST_TEST((std::find(open.begin(), open.end(), id) == open.end()));
  const auto approved = fx.listIds("approved");
  BOOST_TEST((std::find(approved.begin(), approved.end(), id) != approved.end()));
  BOOST_TEST(outcomeName(fx.complete(id, "anna@15088220", psdk::Decision::Rejected)) ==
             std::string("NotOpen"));
  BOOST_TEST(outcomeName(fx.claim(id, "bernd@15088205").outcome) == std::string("NotOpen"));
  BOOST_TEST(outcomeName(fx.complete("OA-NONE", "anna@15088220", psdk::Decision::Approved)) ==
             std::string("NotFound"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(rejected_and_needs_info_leave_the_open_list, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  BOOST_REQUIRE(fx.claim("OA-K-0005", "anna@15088220").outcome == psdk::ClaimOutcome::Claimed);
  BOOST_TEST(outcomeName(fx.complete("OA-K-0005", "anna@15088220", psdk::Decision::NeedsInfo,
                                     "Bitte den Personalausweis nachreichen.")) == std::string("Done"));
  BOOST_REQUIRE(fx.claim("OA-K-0006", "anna@15088220").outcome == psdk::ClaimOutcome::Claimed);
  BOOST_TEST(outcomeName(fx.complete("OA-K-0006", "anna@15088220", psdk::Decision::Rejected)) ==
             std::string("Done"));
  auto expectedOpen = workItemIds("open");
  expectedOpen.erase(
      std::remove_if(expectedOpen.begin(), expectedOpen.end(),
                     [](const std::string& id) { return id == "OA-K-0005" || id == "OA-K-0006"; }),
      expectedOpen.end());
  BOOST_TEST((fx.listIds("open", 3) == expectedOpen));
  const auto parked = fx.listIds("needs_info");
  BOOST_TEST((std::find(parked.begin(), parked.end(), "OA-K-0005") != parked.end()));
  BOOST_TEST(fx.get("OA-K-0005").summary.status == "needs_info");
  BOOST_TEST(fx.get("OA-K-0006").summary.status == "rejected");
  BOOST_TEST(outcomeName(fx.claim("OA-K-0005", "anna@15088220").outcome) == std::string("NotOpen"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(claim_refuses_bad_requests_and_reports_missing_items, P,
                              RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  psdk::ClaimResult result;
  BOOST_TEST(static_cast<int>(fx.adapter->claim({"OA-K-0003", "", 60, 0}, result).code) ==
             static_cast<int>(psdk::StatusCode::InvalidArgument));
  BOOST_TEST(static_cast<int>(fx.adapter->claim({"OA-K-0003", "anna@15088220", 0, 0}, result).code) ==
             static_cast<int>(psdk::StatusCode::InvalidArgument));
  BOOST_TEST(outcomeName(fx.claim("OA-NONE", "anna@15088220").outcome) == std::string("NotFound"));
  BOOST_TEST(outcomeName(fx.claim("OA-K-0015", "anna@15088220").outcome) == std::string("NotOpen"));
  BOOST_TEST(outcomeName(fx.claim("OA-K-0013", "anna@15088220").outcome) == std::string("NotOpen"));
  BOOST_TEST(!fx.get("OA-K-0003").summary.claim.has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_long_note_with_umlauts_and_quotes_round_trips, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const std::string note = regfed::sdk::conformance::awkwardNote(2000);
  BOOST_REQUIRE(fx.claim("OA-K-0007", "anna@15088220").outcome == psdk::ClaimOutcome::Claimed);
  psdk::ChangeOutcome outcome = psdk::ChangeOutcome::NotFound;
  const psdk::Status tooLong = fx.adapter->complete({"OA-K-0007", "anna@15088220", psdk::Decision::Rejected,
                                                     regfed::sdk::conformance::awkwardNote(2001), 0},
                                                    outcome);
  BOOST_TEST(static_cast<int>(tooLong.code) == static_cast<int>(psdk::StatusCode::InvalidArgument));
  BOOST_TEST(fx.get("OA-K-0007").summary.status == "open");
  BOOST_TEST(outcomeName(fx.complete("OA-K-0007", "anna@15088220", psdk::Decision::Rejected, note)) ==
             std::string("Done"));
  BOOST_TEST(fx.get("OA-K-0007").history.back().note == note);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reports_a_healthy_backend, P, RegfedProcedureProviders) {
  ProcedureFixture<P> fx;
  const psdk::Health health = fx.adapter->health();
  BOOST_TEST(health.healthy, health.detail);
}

BOOST_AUTO_TEST_SUITE_END()
