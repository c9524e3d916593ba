// The flow tables of a synthetic town (tests/support/synthetic_town.h) agree with its
// transfers counted one by one: every grouping on either side, every class, programme
// filters: for the current month and day and the last month (kept in memory), and for
// older months, weeks and days read back from the store.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "support/env.h"
#include "support/synthetic_town.h"

namespace kyoso::testing {
namespace {

using namespace ledger;

constexpr GroupBy kGroupings[] = {GroupBy::kKind, GroupBy::kSector, GroupBy::kDistrict,
                                  GroupBy::kProgram};

std::string GroupOf(GroupBy group_by, const Account& account, const std::string& program) {
  switch (group_by) {
    case GroupBy::kKind:
      return std::string(AccountKindPrefix(account.kind));
    case GroupBy::kSector:
      return account.sector.empty() ? "none" : account.sector;
    case GroupBy::kDistrict:
      return account.district.empty() ? "none" : account.district;
    case GroupBy::kProgram:
      return program.empty() ? "free" : program;
  }
  return "?";
}

// A cell counted the slow way.
struct Tally {
  uint64_t count = 0;
  Wide sum = 0;
  std::map<std::string, Wide> payers;
  std::map<std::string, Wide> payees;
};

std::pair<Wide, Wide> TopTwo(const std::map<std::string, Wide>& sums) {
  std::vector<Wide> all;
  for (const auto& [who, sum] : sums) all.push_back(sum);
  std::sort(all.rbegin(), all.rend());
  all.resize(std::max<size_t>(all.size(), 2), 0);
  return {all[0], all[1]};
}

class TownFlowsTest : public ::testing::Test {
 protected:
  static constexpr TimeNs kMarch = 1'772'323'200LL * 1'000'000'000;
  // KYOSO_TOWN_TRANSFERS (default 30,000) sizes the town: ops/test --asan asks fewer.
  const TownShape kShape{
      .residents = 300,
      .merchants = 30,
      .producers = 10,
      .districts = 4,
      .transfers = static_cast<int64_t>(EnvNumberOr("KYOSO_TOWN_TRANSFERS", 30'000)),
      .transfers_per_batch = 200,
      .seed = 11};

  void SetUp() override {
    ledger_ = std::move(Ledger::Open(&store_)).value();
    SyntheticTown town(kShape);
    Batch batch;
    while (town.Next(&batch)) {
      auto applied = ledger_->Apply(batch);
      ASSERT_TRUE(applied.ok()) << applied.status().ToString();
      for (const CommandResult& result : applied->results)
        failed_ += result.code != ResultCode::kOk;
      last_index_ = batch.index;
      last_time_ = batch.timestamp;
    }
  }

  // Every transfer that took effect, as the ledger recorded it.
  std::vector<TransferRecord> Records() const {
    std::vector<TransferRecord> records;
    int64_t made = kShape.residents + kShape.merchants + kShape.producers + kShape.transfers;
    for (int64_t n = 1; n <= made; ++n) {  // The town numbers its transfers from 1.
      auto found = ledger_->FindTransfer(TransferId{0x746f776e, static_cast<uint64_t>(n)});
      EXPECT_TRUE(found.ok());
      if (found.ok() && found->has_value() && (*found)->seq != 0) records.push_back(**found);
    }
    return records;
  }

  std::vector<FlowCell> Expected(const std::vector<TransferRecord>& records, const FlowQuery& q) {
    std::map<std::pair<std::string, std::string>, Tally> tallies;
    for (const TransferRecord& record : records) {
      Period period = PeriodOf(q.period.kind, record.timestamp);
      if (!(period == q.period) || record.currency != q.currency) continue;
      const Account& from = *ledger_->FindAccount(record.request.from);
      const Account& to = *ledger_->FindAccount(record.request.to);
      const Account& issuer = *ledger_->FindAccount("iss:bunji");
      ForEachFlow(record, [&](FlowClass flow_class, std::string_view program, Amount amount,
                              FlowLeg leg) {
        const Account& payer = leg == FlowLeg::kCashBack ? issuer : from;
        const Account& payee = leg == FlowLeg::kCashBack ? from : to;
        std::string money(program);
        if (flow_class != q.flow_class || (q.program && *q.program != money)) return;
        Tally& tally =
            tallies[{GroupOf(q.payer_group, payer, money), GroupOf(q.payee_group, payee, money)}];
        tally.count += 1;
        tally.sum += amount;
        tally.payers[payer.id] += amount;
        tally.payees[payee.id] += amount;
      });
    }
    std::vector<FlowCell> cells;
    for (const auto& [groups, tally] : tallies) {
      auto [payer1, payer2] = TopTwo(tally.payers);
      auto [payee1, payee2] = TopTwo(tally.payees);
      cells.push_back(FlowCell{groups.first,
                               groups.second,
                               tally.count,
                               tally.sum,
                               tally.payers.size(),
                               tally.payees.size(),
                               {payer1, payer2},
                               {payee1, payee2}});
    }
    return cells;
  }

  // Compares every grouping and class of `period`; returns how many cells were compared.
  size_t CompareAll(const std::vector<TransferRecord>& records, Period period) {
    size_t compared = 0;
    for (int c = 0; c < kFlowClassCount; ++c) {
      for (GroupBy payer : kGroupings) {
        for (GroupBy payee : kGroupings) {
          FlowQuery query{kTownCurrency, period, static_cast<FlowClass>(c), payer, payee, {}};
          compared += Compare(records, query);
        }
      }
    }
    for (const char* program : {"", "fresh-food", "volunteer", "recycle"}) {
      FlowQuery query{kTownCurrency,      period,           FlowClass::kPayment,
                      GroupBy::kDistrict, GroupBy::kSector, program};
      compared += Compare(records, query);
    }
    return compared;
  }

  size_t Compare(const std::vector<TransferRecord>& records, const FlowQuery& query) {
    auto table = ledger_->Flows(query);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    if (!table.ok()) return 0;
    std::vector<FlowCell> expected = Expected(records, query);
    EXPECT_EQ(table->cells, expected)
        << FlowClassName(query.flow_class) << " " << GroupByName(query.payer_group) << " -> "
        << GroupByName(query.payee_group) << " " << PeriodKindName(query.period.kind) << " "
        << DayText(query.period.start_day) << " programme " << query.program.value_or("(any)");
    return expected.size();
  }

  // One flow at `at` (the first of a month moves the ledger's current month on).
  void FlowAt(TimeNs at) {
    TransferRequest issue;
    issue.id = TransferId{1, last_index_};
    issue.kind = TransferKind::kIssue;
    issue.from = "iss:bunji";
    issue.to = SyntheticTown::Resident(0);
    issue.amount = 1;
    auto applied = ledger_->Apply(Batch{++last_index_, at, {issue}});
    ASSERT_TRUE(applied.ok());
    ASSERT_EQ(applied->results[0].code, ResultCode::kOk);
  }

  MemoryStore store_;
  std::unique_ptr<Ledger> ledger_;
  uint64_t failed_ = 0;
  uint64_t last_index_ = 0;
  TimeNs last_time_ = 0;
};

TEST_F(TownFlowsTest, TheTownLivesAsATownDoes) {
  std::vector<TransferRecord> records = Records();
  auto transfers = static_cast<uint64_t>(kShape.transfers);
  EXPECT_GE(records.size(), transfers * 97 / 100);  // Besides the opening issues.
  EXPECT_LT(failed_, transfers / 100) << "a synthetic town's transfers mostly take effect";
  std::set<std::pair<TransferKind, std::string>> seen;
  uint64_t cash_backs = 0;
  for (const TransferRecord& record : records) {
    seen.emplace(record.request.kind, record.request.program);
    cash_backs += record.request.kind == TransferKind::kPayment && record.incentive > 0;
  }
  EXPECT_GT(cash_backs, transfers / 300);
  for (auto kind_and_program : {std::pair{TransferKind::kPayment, std::string()},
                                {TransferKind::kPurchase, ""},
                                {TransferKind::kTopUp, "fresh-food"},
                                {TransferKind::kIssue, "volunteer"},
                                {TransferKind::kIssue, "recycle"},
                                {TransferKind::kRedeem, ""},
                                {TransferKind::kRefund, ""}}) {
    EXPECT_TRUE(seen.contains(kind_and_program))
        << static_cast<int>(kind_and_program.first) << " " << kind_and_program.second;
  }
  EXPECT_GE(last_time_, kMarch + 28 * kNsPerDay);  // Spread over the month.
}

TEST_F(TownFlowsTest, TheCurrentMonthAndDayAgreeWithTheTransfers) {
  std::vector<TransferRecord> records = Records();
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kDay, last_time_)), 50u);
}

TEST_F(TownFlowsTest, AClosedMonthWeekAndDayReadBackFromTheStoreAgree) {
  std::vector<TransferRecord> records = Records();
  FlowAt(kMarch + 33 * kNsPerDay);  // March is the last month: the ledger keeps it in memory.
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
  FlowAt(kMarch + 63 * kNsPerDay);  // May: March is read from the store.
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kWeek, kMarch + 10 * kNsPerDay)), 300u);
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kDay, kMarch + 12 * kNsPerDay)), 50u);
  // Asked again soon after, a closed period's tables come from the records the ledger keeps.
  for (int pass = 0; pass < 2; ++pass) {
    for (GroupBy payer : kGroupings) {
      for (GroupBy payee : kGroupings) {
        FlowQuery query{kTownCurrency,
                        PeriodOf(PeriodKind::kMonth, last_time_),
                        FlowClass::kPayment,
                        payer,
                        payee,
                        {}};
        EXPECT_GT(Compare(records, query), 0u);
      }
    }
  }
}

// The month's records are written when the month ends, by the first flow of the next:
// a ledger reopened after time moved on without a flow still writes the month then.
TEST_F(TownFlowsTest, AMonthEndsWellAfterAReopenWithoutFlowsSinceItsLastDay) {
  std::vector<TransferRecord> records = Records();
  auto quiet = ledger_->Apply(Batch{++last_index_, kMarch + 32 * kNsPerDay, {}});
  ASSERT_TRUE(quiet.ok());
  ledger_ = std::move(Ledger::Open(&store_)).value();
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
  FlowAt(kMarch + 33 * kNsPerDay);
  ledger_ = std::move(Ledger::Open(&store_)).value();
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
}

TEST_F(TownFlowsTest, AReopenedLedgerAnswersTheSame) {
  std::vector<TransferRecord> records = Records();
  ledger_ = std::move(Ledger::Open(&store_)).value();
  EXPECT_GT(CompareAll(records, PeriodOf(PeriodKind::kMonth, last_time_)), 500u);
}

}  // namespace
}  // namespace kyoso::testing
