// Published releases: flow tables made public under differential privacy, and the
// privacy budget they spend.
//
// A release covers one closed month of one currency and flow class, grouped by payer and
// payee over public partition lists (districts, sectors or programmes named in the
// node's configuration, never taken from the data). A transfer with a resident who has
// not consented to research use is left out. The protected unit is the payer
// account: each payer's contribution is bounded (at most `max_cells` cells, the ones it
// put most into, and in each at most `max_count` transfers and `max_amount` of money),
// then the node adds integer noise (kyoso/crypto or node/, not here: the ledger draws no
// random number) and publishes the result through a PublishRelease command. Applying it
// charges its epsilon to the month's privacy budget and refuses a release that would
// pass the budget; a release, once made, is stored and read back unchanged.
//
// Epsilon is counted in thousandths (1000 = 1.0) so the budget is exact integer
// arithmetic on every replica.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kyoso/ledger/flows.h"

namespace kyoso::ledger {

using ReleaseId = std::string;
inline constexpr size_t kReleaseIdMax = 64;
inline constexpr size_t kReleasePartitionsMax = 64;  // Per side.

struct ReleaseBounds {
  uint32_t max_cells = 4;       // Cells one payer may add to.
  uint32_t max_count = 50;      // Transfers one payer may add to a cell.
  Amount max_amount = 500'000;  // Money one payer may add to a cell (minor units).
  friend bool operator==(const ReleaseBounds&, const ReleaseBounds&) = default;
};

// What a release is of.
struct ReleaseSpec {
  CurrencyCode currency;
  int32_t month = 0;  // The day number of the month's first day.
  FlowClass flow_class = FlowClass::kPayment;
  GroupBy payer_group = GroupBy::kDistrict;
  GroupBy payee_group = GroupBy::kSector;
  std::vector<std::string> payer_partitions;  // Public lists; a payer outside them is left out.
  std::vector<std::string> payee_partitions;
  ReleaseBounds bounds;
  friend bool operator==(const ReleaseSpec&, const ReleaseSpec&) = default;
};

// A cell's figures once every payer's contribution is bounded: exact, never published.
struct BoundedCell {
  uint64_t count = 0;
  Amount sum = 0;
  friend bool operator==(const BoundedCell&, const BoundedCell&) = default;
};

// The bounded figures of a spec: one cell per (payer partition, payee partition), payer
// partitions major; and the payers that contributed, sorted.
struct BoundedTable {
  std::vector<BoundedCell> cells;
  std::vector<AccountId> contributors;
};

// A published cell: noisy figures and the half-width of their 95% intervals (the noise
// only; the bounds may also have cut what a payer added).
struct ReleaseCell {
  int64_t count = 0;
  int64_t sum = 0;
  friend bool operator==(const ReleaseCell&, const ReleaseCell&) = default;
};

struct PublishRelease {
  ReleaseId id;
  ReleaseSpec spec;
  uint32_t epsilon_milli = 0;  // What this release spends (half on counts, half on sums).
  uint32_t budget_milli = 0;   // The month's budget in the publishing node's configuration.
  uint64_t count_margin = 0;   // 95% interval half-widths, the same for every cell.
  uint64_t sum_margin = 0;
  std::vector<ReleaseCell> cells;       // As BoundedTable::cells.
  std::vector<AccountId> contributors;  // Payers the release includes, sorted.
  friend bool operator==(const PublishRelease&, const PublishRelease&) = default;
};

// A stored release: what was published, and when.
struct Release {
  PublishRelease release;
  TimeNs published_at = 0;
  uint32_t spent_after_milli = 0;  // The month's budget spent once it was published.
  friend bool operator==(const Release&, const Release&) = default;
};

// What the noise must hide: the L1 sensitivity of the counts and of the sums.
uint64_t CountSensitivity(const ReleaseBounds& bounds);
uint64_t SumSensitivity(const ReleaseBounds& bounds);

}  // namespace kyoso::ledger
