#pragma once
// The helpers' loop of claim_bench: one thread per helper, each with an Inbox of its own, reads a page of
// open items, claims one of those nobody holds (a random one, so that the helpers do not all fight for the
// oldest), approves it when the claim was won, and goes on until the inbox is empty. Every call is timed.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CpuMeter.h"
#include "Inbox.h"

namespace regfed::bench {

/// What the helpers did and how long each call took.
struct HelperTally {
  std::vector<double> claimMs, listMs, approveMs;  ///< Latency of every call, in milliseconds.
  long long won = 0;                               ///< Claims answered 200 (each then approved).
  long long heldByOther = 0;                       ///< 409 already_claimed.
  long long notOpen = 0;     ///< 409 item_not_open (decided between the page and the claim).
  long long allTaken = 0;    ///< Pages whose items were all held by others (the helper waited 1 ms).
  long long failures = 0;    ///< Calls that failed otherwise.
  std::string firstFailure;  ///< What the first failure said.

  /// Claims lost to another helper: every 409.
  long long lost() const { return heldByOther + notOpen; }
  /// Adds another helper's figures.
  void add(const HelperTally& other);
};

/// One run of all helpers over one inbox.
struct HelperRun {
  HelperTally tally;
  double seconds = 0;    ///< Wall time from the start until the last helper found the inbox empty.
  bool emptied = false;  ///< Every helper found the inbox empty (no time-out, no abort).
  CpuUse cpu;            ///< CPU used during the run.

  /// Successful claims per second of wall time.
  double claimsPerSecond() const { return static_cast<double>(tally.won) / seconds; }
};

/// How many helpers, how large a page, and when to give up.
struct HelperRunOptions {
  int helpers = 16;
  int page = 20;
  int timeoutSeconds = 120;
};

/// Makes helper number `helper`'s inbox (called in that helper's thread).
using InboxFactory = std::function<std::unique_ptr<Inbox>(int helper)>;

/// Runs the helpers until the inbox is empty. The clock (and `meter`) starts once every helper has connected
/// and read one page; more than 100 failed calls, or the time-out, end the run early.
HelperRun runHelpers(const HelperRunOptions& options, const InboxFactory& make, CpuMeter& meter);

/// The p-quantile (0..1) of `values` (0 when empty).
double percentile(std::vector<double> values, double p);

}  // namespace regfed::bench
