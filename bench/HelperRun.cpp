#include "HelperRun.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

namespace regfed::bench {

using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

void HelperTally::add(const HelperTally& o) {
  claimMs.insert(claimMs.end(), o.claimMs.begin(), o.claimMs.end());
  listMs.insert(listMs.end(), o.listMs.begin(), o.listMs.end());
  approveMs.insert(approveMs.end(), o.approveMs.begin(), o.approveMs.end());
  won += o.won;
  heldByOther += o.heldByOther;
  notOpen += o.notOpen;
  allTaken += o.allTaken;
  failures += o.failures;
  if (firstFailure.empty()) firstFailure = o.firstFailure;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

HelperRun runHelpers(const HelperRunOptions& o, const InboxFactory& make, CpuMeter& meter) {
  const auto helpers = static_cast<std::size_t>(o.helpers);
  std::vector<HelperTally> tallies(helpers);
  // The inboxes outlive their threads until the CPU is read: a closed connection's backend takes its CPU
  // along.
  std::vector<std::unique_ptr<Inbox>> inboxes(helpers);
  std::vector<Clock::time_point> finished(helpers);
  std::atomic<int> ready{0}, done{0}, emptied{0};
  std::atomic<long long> failures{0};
  std::atomic<bool> go{false}, abort{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < helpers; ++t)
    threads.emplace_back([&, t] {
      HelperTally& tally = tallies[t];
      auto fail = [&](const std::string& what) {
        ++tally.failures;
        if (tally.firstFailure.empty()) tally.firstFailure = what;
        if (++failures > 100) abort = true;
      };
      InboxPage page;
      try {
        inboxes[t] = make(static_cast<int>(t));
        // Warm-up, not timed: the connection, the node's token cache, prepared statements.
        if (!inboxes[t]->page(o.page, page)) fail(inboxes[t]->error());
      } catch (const std::exception& e) {
        fail(e.what());
      }
      if (tally.failures) abort = true;
      ++ready;
      while (!go && !abort) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      Inbox* inbox = inboxes[t].get();
      std::mt19937 rng(static_cast<unsigned>(7919 * (t + 1)));
      while (!abort) {
        auto start = Clock::now();
        const bool listed = inbox->page(o.page, page);
        tally.listMs.push_back(msSince(start));
        if (!listed) {
          fail(inbox->error());
          continue;
        }
        if (page.shown == 0) {
          ++emptied;
          break;
        }
        if (page.unclaimed.empty()) {  // the last items, all held by helpers who are about to decide them
          ++tally.allTaken;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        const std::string id = page.unclaimed[rng() % page.unclaimed.size()];
        start = Clock::now();
        const ClaimAnswer answer = inbox->claim(id);
        tally.claimMs.push_back(msSince(start));
        if (answer == ClaimAnswer::Won) {
          ++tally.won;
          start = Clock::now();
          if (!inbox->approve(id)) fail(inbox->error());
          tally.approveMs.push_back(msSince(start));
        } else if (answer == ClaimAnswer::HeldByOther) {
          ++tally.heldByOther;
        } else if (answer == ClaimAnswer::NotOpen) {
          ++tally.notOpen;
        } else {
          fail(inbox->error());
        }
      }
      finished[t] = Clock::now();
      ++done;
    });
  while (ready < o.helpers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  meter.start();
  const auto started = Clock::now();
  go = true;
  while (done < o.helpers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() - started > std::chrono::seconds(o.timeoutSeconds)) abort = true;
  }
  for (auto& th : threads) th.join();
  HelperRun run;
  run.cpu = meter.read();
  inboxes.clear();
  for (const auto& t : tallies) run.tally.add(t);
  run.seconds =
      std::chrono::duration<double>(*std::max_element(finished.begin(), finished.end()) - started).count();
  run.emptied = emptied == o.helpers;
  return run;
}

}  // namespace regfed::bench
