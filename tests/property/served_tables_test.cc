// The flow tables of a small synthetic town as GetFlowTable serves them
// (kyoso/ledger/served_tables.h), audited as a reader would attack them
// (tests/support/disclosure_audit.h): a month, its days and weeks, each under all 16
// groupings, tied by every sum a reader knows. No primarily suppressed cell may be fixed.
// Served without protecting groupings together, the first town exposes dozens.
#include "kyoso/ledger/served_tables.h"

#include <gtest/gtest.h>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "support/disclosure_audit.h"
#include "support/synthetic_town.h"

namespace kyoso::testing {
namespace {

using namespace ledger;

constexpr TimeNs kMarch = 1'772'323'200LL * 1'000'000'000;  // 2026-03-01, a Sunday.
constexpr int kDays = 3;                                    // Of flows: March 1 to 3.
// Thresholds a town this small mixes shown and hidden cells under.
const DisclosureRules kRules{3, 3, 85};

class ServedTablesTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    ledger_ = std::move(Ledger::Open(&store_)).value();
    SyntheticTown town({.residents = 120,
                        .merchants = 16,
                        .producers = 6,
                        .districts = 3,
                        .transfers = 4'000,
                        .transfers_per_batch = 100,
                        .start = kMarch,
                        .span = kDays * kNsPerDay,
                        .seed = GetParam()});
    Batch batch;
    while (town.Next(&batch)) ASSERT_TRUE(ledger_->Apply(batch).ok());
    // April begins: March and its days are closed.
    TransferRequest issue;
    issue.id = TransferId{1, 1};
    issue.kind = TransferKind::kIssue;
    issue.from = "iss:bunji";
    issue.to = SyntheticTown::Resident(0);
    issue.amount = 1;
    ASSERT_TRUE(ledger_->Apply(Batch{batch.index + 1, kMarch + 31 * kNsPerDay, {issue}}).ok());
  }

  // Adds the 16 served tables of `period` to `audited`; their first index.
  size_t AddServed(const Period& period) {
    FlowQuery query;
    query.currency = kTownCurrency;
    query.period = period;
    auto tables = ServedGroupings(*ledger_, query, kRules);
    EXPECT_TRUE(tables.ok()) << tables.status().ToString();
    const size_t first = audited_.size();
    if (tables.ok()) audited_.insert(audited_.end(), tables->begin(), tables->end());
    return first;
  }

  // Each grouping's table at `whole` is the sum of its tables at `parts`.
  void TieSplits(size_t whole, const std::vector<size_t>& parts) {
    for (size_t g = 0; g < 16; ++g) {
      PeriodSplit split{whole + g, {}};
      for (size_t part : parts) split.parts.push_back(part + g);
      splits_.push_back(std::move(split));
    }
  }

  MemoryStore store_;
  std::unique_ptr<Ledger> ledger_;
  std::vector<ProtectedTable> audited_;
  std::vector<PeriodSplit> splits_;
};

TEST_P(ServedTablesTest, AMonthItsDaysAndWeeksUnderEveryGroupingExposeNoSuppressedCell) {
  const int32_t first_day = PeriodOf(PeriodKind::kDay, kMarch).start_day;
  const size_t month = AddServed(PeriodOf(PeriodKind::kMonth, kMarch));
  std::vector<size_t> days;
  for (int32_t d = first_day; d < first_day + kDays; ++d) {
    days.push_back(AddServed({PeriodKind::kDay, d}));
  }
  TieSplits(month, days);  // The month's other days have no flows.
  // March 1 ends the week of February 23; March 2 and 3 begin the next.
  TieSplits(AddServed(PeriodOf(PeriodKind::kWeek, kMarch)), {days[0]});
  TieSplits(AddServed(PeriodOf(PeriodKind::kWeek, kMarch + kNsPerDay)), {days[1], days[2]});

  size_t primary = 0, released = 0;
  for (const ProtectedTable& table : audited_) {
    for (const ProtectedCell& cell : table.cells) {
      primary += cell.suppression == Suppression::kPrimary ? 1 : 0;
      released += cell.released() ? 1 : 0;
    }
  }
  ASSERT_GT(primary, 0u);   // The audit has something to find,
  ASSERT_GT(released, 0u);  // and the tables something to show.
  EXPECT_EQ(ExposedCells(audited_, splits_), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Towns, ServedTablesTest, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace kyoso::testing
