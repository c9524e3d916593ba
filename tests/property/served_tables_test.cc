// The flow tables of a small synthetic town as GetFlowTable serves them
// (kyoso/ledger/served_tables.h), audited as a reader would attack them
// (tests/support/disclosure_audit.h): a month, its days and weeks, each with its family of
// tables (all money, free money and each programme's, under all 16 groupings), tied by
// every sum a reader knows. No primarily suppressed cell may be fixed. Served without
// protecting a family's tables together, the first town exposes hundreds.
#include "kyoso/ledger/served_tables.h"

#include <gtest/gtest.h>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "support/disclosure_audit.h"
#include "support/env.h"
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
    next_index_ = batch.index + 1;
    Issue(1, kMarch + 31 * kNsPerDay);  // April begins: March and its days are closed.
  }

  // Issues `amount` to resident number `resident` at ledger time `at`.
  void Issue(Amount amount, TimeNs at, int resident = 0) {
    TransferRequest issue;
    issue.id = TransferId{1, next_index_};
    issue.kind = TransferKind::kIssue;
    issue.from = "iss:bunji";
    issue.to = SyntheticTown::Resident(resident);
    issue.amount = amount;
    ASSERT_TRUE(ledger_->Apply(Batch{next_index_++, at, {issue}}).ok());
  }

  // Adds the served family of `period` (served_tables.h) to `audited`, with all money's
  // tables as the sums of the other monies'; their first index.
  size_t AddServed(const Period& period) {
    FlowQuery query;
    query.currency = kTownCurrency;
    query.period = period;
    auto tables = ServedFamily(*ledger_, query, kRules);
    EXPECT_TRUE(tables.ok()) << tables.status().ToString();
    const size_t first = audited_.size();
    if (!tables.ok()) return first;
    family_size_ = tables->size();
    audited_.insert(audited_.end(), tables->begin(), tables->end());
    for (size_t g = 0; g < kGroupings; ++g) {
      PeriodSplit monies{first + g, {}};
      for (size_t t = kGroupings + g; t < family_size_; t += kGroupings) {
        monies.parts.push_back(first + t);
      }
      splits_.push_back(std::move(monies));
    }
    return first;
  }

  // Each table of the family at `whole` is the sum of the same table at `parts`.
  void TieSplits(size_t whole, const std::vector<size_t>& parts) {
    for (size_t t = 0; t < family_size_; ++t) {
      PeriodSplit split{whole + t, {}};
      for (size_t part : parts) split.parts.push_back(part + t);
      splits_.push_back(std::move(split));
    }
  }

  static constexpr size_t kGroupings = 16;
  size_t family_size_ = 0;
  MemoryStore store_;
  std::unique_ptr<Ledger> ledger_;
  uint64_t next_index_ = 0;
  std::vector<ProtectedTable> audited_;
  std::vector<PeriodSplit> splits_;
};

TEST_P(ServedTablesTest, AMonthItsDaysAndWeeksWithTheirFamiliesExposeNoSuppressedCell) {
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

TEST_P(ServedTablesTest, AMonthsFamilyGivesNothingAwayToAnAuditFromItsFlows) {
  // The town nests as real ones do (residents have no sector): the audit that works from
  // the flows themselves (every identity between groupings counts) finds no cell of the
  // month's served family fixed.
  FlowQuery month;
  month.currency = kTownCurrency;
  month.period = PeriodOf(PeriodKind::kMonth, kMarch);
  auto family = ServedFamily(*ledger_, month, kRules);
  ASSERT_TRUE(family.ok());
  auto records = ledger_->FlowRecordsOf(month.currency, month.period, month.flow_class);
  ASSERT_TRUE(records.ok());
  RandomTown town;
  const FlowRecords& of = **records;
  for (const FlowRecords::Party& party : of.parties) {
    town.accounts.push_back({party.kind, party.sector, party.district});
  }
  for (const FlowRecords::Pair& pair : of.pairs) {
    town.flows.push_back(
        {pair.payer, pair.payee, of.programs[pair.program], static_cast<int64_t>(pair.sum)});
  }
  size_t primary = 0;
  for (const ProtectedTable& table : *family) {
    for (const ProtectedCell& cell : table.cells) {
      primary += cell.suppression == Suppression::kPrimary ? 1 : 0;
    }
  }
  ASSERT_GT(primary, 0u);
  EXPECT_EQ(ExposedFromRecords(town, *family), std::vector<std::string>{});
}

// KYOSO_SERVED_TOWNS towns (seeds 1, 2, …; 5 unless set: ops/test --asan sets 1).
INSTANTIATE_TEST_SUITE_P(Towns, ServedTablesTest,
                         ::testing::Range<uint64_t>(1, 1 + EnvNumberOr("KYOSO_SERVED_TOWNS", 5)));

// What a served table shows: each figure, or that it is hidden and why.
std::string Shown(const ProtectedTable& table) {
  std::string shown;
  for (const ProtectedCell& cell : table.cells) {
    shown +=
        cell.cell.payer_group + ">" + cell.cell.payee_group + ":" +
        (cell.released() ? cell.cell.sum.str() : std::string(SuppressionName(cell.suppression))) +
        " ";
  }
  for (const auto* totals : {&table.payer_totals, &table.payee_totals}) {
    for (const FlowTotal& total : *totals) {
      shown += total.group + "=" + (total.released ? total.sum.str() : "hidden") + " ";
    }
  }
  return shown + "all=" + (table.total.released ? table.total.sum.str() : "hidden");
}

using ServedCacheTest = ServedTablesTest;

TEST_P(ServedCacheTest, KeptTablesOfAnEndedMonthAreServedAsComputed) {
  std::vector<FlowQuery> queries(3);
  for (FlowQuery& query : queries) query.currency = kTownCurrency;
  queries[0].period = PeriodOf(PeriodKind::kMonth, kMarch);
  queries[1].period = {PeriodKind::kDay, PeriodOf(PeriodKind::kDay, kMarch).start_day + 1};
  queries[1].payer_group = GroupBy::kKind;
  queries[1].program = kTownPrograms[0];
  queries[2].period = PeriodOf(PeriodKind::kWeek, kMarch + kNsPerDay);
  queries[2].payee_group = GroupBy::kDistrict;
  ServedCache cache;
  for (int ask = 0; ask < 2; ++ask) {  // The second time from what the cache kept.
    for (const FlowQuery& query : queries) {
      auto computed = ServedFlowTable(*ledger_, query, kRules);
      auto kept = ServedFlowTable(*ledger_, query, kRules, &cache);
      ASSERT_TRUE(computed.ok() && kept.ok());
      EXPECT_EQ(Shown(*kept), Shown(*computed)) << "ask " << ask;
    }
  }
}

TEST_P(ServedCacheTest, AProgrammeCreatedSinceMakesAnotherFamily) {
  // March's family is kept with the town's monies; a programme created in April adds a
  // money to every family of the currency, March's too (its tables are empty).
  FlowQuery day;
  day.currency = kTownCurrency;
  day.period = {PeriodKind::kDay, PeriodOf(PeriodKind::kDay, kMarch).start_day + 2};
  ServedCache cache;
  ASSERT_TRUE(ServedFlowTable(*ledger_, day, kRules, &cache).ok());
  CreateProgram program;
  program.id = "new-programme";
  program.name = "A new programme";
  program.currency = kTownCurrency;
  program.budget = 1'000;
  program.valid_from = kMarch + 32 * kNsPerDay;
  program.rules.bonus_bps = 100;
  program.rules.payee_kinds = KindBit(AccountKind::kMerchant);
  program.rules.redeemer_kinds = KindBit(AccountKind::kMerchant);
  ASSERT_TRUE(ledger_->Apply(Batch{next_index_++, kMarch + 32 * kNsPerDay, {program}}).ok());
  ASSERT_NE(ledger_->FindProgram("new-programme"), nullptr);
  std::vector<FlowQuery> queries{day, day, day};
  queries[1].period = PeriodOf(PeriodKind::kWeek, kMarch + kNsPerDay);
  queries[2].program = "new-programme";
  for (const FlowQuery& query : queries) {
    auto computed = ServedFlowTable(*ledger_, query, kRules);
    auto kept = ServedFlowTable(*ledger_, query, kRules, &cache);
    ASSERT_TRUE(computed.ok() && kept.ok()) << kept.status().ToString();
    EXPECT_EQ(Shown(*kept), Shown(*computed));
    EXPECT_EQ(kept->query.program, query.program);
  }
}

TEST_P(ServedCacheTest, LiveTheCurrentMonthIsNeverKept) {
  const DisclosureRules open{1, 1, 100, RunningPeriods::kLive};  // Every figure shown.
  FlowQuery april;
  april.currency = kTownCurrency;
  april.period = PeriodOf(PeriodKind::kMonth, kMarch + 31 * kNsPerDay);
  april.flow_class = FlowClass::kIssuance;
  ServedCache cache;
  auto before = ServedFlowTable(*ledger_, april, open, &cache);
  ASSERT_TRUE(before.ok());
  Issue(5, kMarch + 32 * kNsPerDay);
  auto after = ServedFlowTable(*ledger_, april, open, &cache);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(before->total.sum, Wide(1));
  EXPECT_EQ(after->total.sum, Wide(6));
}

TEST_P(ServedCacheTest, ASnapshotServesTheLedgerAsItWasWhenTaken) {
  // The node takes a snapshot on the apply thread and protects its tables on another
  // while more is applied: what it serves is the ledger at the snapshot, whatever came
  // after (here enough new pair records to move the current day's and month's in memory).
  const DisclosureRules open{1, 1, 100, RunningPeriods::kLive};  // Every figure shown.
  std::vector<FlowQuery> queries(2);
  for (FlowQuery& query : queries) {
    query.currency = kTownCurrency;
    query.flow_class = FlowClass::kIssuance;
    query.payee_group = GroupBy::kDistrict;
  }
  queries[0].period = PeriodOf(PeriodKind::kMonth, kMarch + 31 * kNsPerDay);
  queries[1].period = PeriodOf(PeriodKind::kDay, kMarch + 31 * kNsPerDay);
  std::vector<std::string> before;
  for (const FlowQuery& query : queries)
    before.push_back(Shown(*ServedFlowTable(*ledger_, query, open)));
  auto snapshot = TakeFlowSnapshot(*ledger_, queries, open.running_periods);
  ASSERT_TRUE(snapshot.ok());
  for (int resident = 0; resident < 100; ++resident) {
    Issue(7, kMarch + 31 * kNsPerDay + 60 * 1'000'000'000LL, resident);
  }
  for (size_t q = 0; q < queries.size(); ++q) {
    auto served = ServedFlowTable(*snapshot, queries[q], open);
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    EXPECT_EQ(Shown(*served), before[q]);
    EXPECT_NE(Shown(*ServedFlowTable(*ledger_, queries[q], open)), before[q]);
  }
}

TEST_P(ServedCacheTest, AClosedPeriodsRecordsAreCopiedOnceTheCurrentOnesAtEveryAsk) {
  const Period closed{PeriodKind::kDay, PeriodOf(PeriodKind::kDay, kMarch).start_day + 1};
  auto first = ledger_->FlowRecordsOf(kTownCurrency, closed, FlowClass::kPayment);
  auto again = ledger_->FlowRecordsOf(kTownCurrency, closed, FlowClass::kPayment);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_FALSE((*first)->pairs.empty());
  EXPECT_EQ(*first, *again);  // One copy, shared.
  const Period today = PeriodOf(PeriodKind::kDay, kMarch + 31 * kNsPerDay);
  auto before = ledger_->FlowRecordsOf(kTownCurrency, today, FlowClass::kIssuance);
  ASSERT_TRUE(before.ok());
  Issue(3, kMarch + 31 * kNsPerDay + 60 * 1'000'000'000LL, 7);
  auto after = ledger_->FlowRecordsOf(kTownCurrency, today, FlowClass::kIssuance);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->pairs.size(), (*before)->pairs.size() + 1);  // A new pair: resident 7.
}

TEST_P(ServedCacheTest, ASnapshotTakesWhatTheCacheKeepsInsteadOfRecords) {
  FlowQuery week;
  week.currency = kTownCurrency;
  week.period = PeriodOf(PeriodKind::kWeek, kMarch + kNsPerDay);
  ServedCache cache;
  auto cold = TakeFlowSnapshot(*ledger_, {week}, kRules.running_periods, &cache);
  ASSERT_TRUE(cold.ok());
  EXPECT_TRUE(cold->kept.empty());
  EXPECT_TRUE(cold->records.contains({week.flow_class, PeriodOf(PeriodKind::kMonth, kMarch)}));
  auto computed = ServedFlowTable(*cold, week, kRules, &cache);
  ASSERT_TRUE(computed.ok());
  auto warm = TakeFlowSnapshot(*ledger_, {week}, kRules.running_periods, &cache);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->kept.size(), 1u);  // The week's family: no records needed.
  EXPECT_TRUE(warm->records.empty());
  auto kept = ServedFlowTable(*warm, week, kRules);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(Shown(*kept), Shown(*computed));
}

// Served up to the end of the ledger's last ended day, payments today change nothing
// served until today ends, so two readings cannot be subtracted to show one; then the
// day's flows are all there.
TEST_P(ServedCacheTest, ARunningPeriodIsServedUpToItsLastEndedDay) {
  const DisclosureRules open{1, 1, 100, RunningPeriods::kEndedDays};  // Every figure shown.
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;  // Today: SetUp issued 1 on it.
  std::vector<FlowQuery> queries(3);
  for (FlowQuery& query : queries) {
    query.currency = kTownCurrency;
    query.flow_class = FlowClass::kIssuance;
  }
  queries[0].period = PeriodOf(PeriodKind::kMonth, april_1);
  queries[1].period = PeriodOf(PeriodKind::kWeek, april_1);
  queries[2].period = PeriodOf(PeriodKind::kDay, april_1);
  auto served = [&](const FlowQuery& query) {
    auto table = ServedFlowTable(*ledger_, query, open);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? Shown(*table) : std::string();
  };
  std::vector<std::string> morning;
  for (const FlowQuery& query : queries) {
    morning.push_back(served(query));
    auto table = ServedFlowTable(*ledger_, query, open);
    ASSERT_TRUE(table.ok());
    EXPECT_EQ(table->total.sum, Wide(0)) << "today's issue is not served before the day ends";
  }
  Issue(5, april_1 + 9 * 3'600 * 1'000'000'000LL);
  for (size_t q = 0; q < queries.size(); ++q) EXPECT_EQ(served(queries[q]), morning[q]);
  auto snapshot = TakeFlowSnapshot(*ledger_, queries, open.running_periods);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(ServedUntil(*snapshot, queries[0].period), queries[2].period.start_day);
  EXPECT_EQ(ServedUntil(*snapshot, queries[2].period), queries[2].period.start_day);
  Issue(7, april_1 + kNsPerDay);  // April 2: April 1 has ended.
  for (const FlowQuery& query : queries) {
    auto table = ServedFlowTable(*ledger_, query, open);
    ASSERT_TRUE(table.ok());
    EXPECT_EQ(table->total.sum, Wide(6)) << PeriodKindName(query.period.kind);
  }
  snapshot = TakeFlowSnapshot(*ledger_, queries, open.running_periods);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(ServedUntil(*snapshot, queries[0].period), queries[2].period.start_day + 1);
  EXPECT_EQ(ServedUntil(*snapshot, queries[2].period), queries[2].period.start_day + 1);
  const DisclosureRules live{1, 1, 100, RunningPeriods::kLive};
  snapshot = TakeFlowSnapshot(*ledger_, queries, live.running_periods);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(ServedUntil(*snapshot, queries[0].period), queries[2].period.start_day + 2);
  auto month = ServedFlowTable(*ledger_, queries[0], live);
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->total.sum, Wide(13)) << "live: April 2's issue too";
}

// Served up to its last ended day, a running period's family is kept until the day ends:
// asked again the same day, it comes from the cache as computed; the next day it is
// computed again, with the day that ended.
TEST_P(ServedCacheTest, ARunningPeriodIsKeptUntilItsDayEnds) {
  const DisclosureRules open{1, 1, 100, RunningPeriods::kEndedDays};
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;
  FlowQuery day;
  day.currency = kTownCurrency;
  day.flow_class = FlowClass::kIssuance;
  day.period = PeriodOf(PeriodKind::kDay, april_1);
  FlowQuery month = day;
  month.period = PeriodOf(PeriodKind::kMonth, april_1);
  ServedCache cache;
  FlowQuery march = month;  // Ended: kept for good.
  march.period = PeriodOf(PeriodKind::kMonth, kMarch);
  ASSERT_TRUE(ServedFlowTable(*ledger_, march, open, &cache).ok());
  ASSERT_EQ(cache.size(), 1u);
  Issue(7, april_1 + kNsPerDay);  // April 2: April 1 has ended.
  for (const FlowQuery& query : {day, month}) {
    ASSERT_TRUE(ServedFlowTable(*ledger_, query, open, &cache).ok());
    auto warm = TakeFlowSnapshot(*ledger_, {query}, open.running_periods, &cache);
    ASSERT_TRUE(warm.ok());
    EXPECT_EQ(warm->kept.size(), 1u) << PeriodKindName(query.period.kind);
    EXPECT_TRUE(warm->records.empty());
    auto kept = ServedFlowTable(*warm, query, open);
    auto computed = ServedFlowTable(*ledger_, query, open);
    ASSERT_TRUE(kept.ok() && computed.ok());
    EXPECT_EQ(Shown(*kept), Shown(*computed));
    EXPECT_EQ(kept->total.sum, Wide(1));
  }
  Issue(5, april_1 + 2 * kNsPerDay);  // April 3: April 2 has ended.
  auto next_day = TakeFlowSnapshot(*ledger_, {month}, open.running_periods, &cache);
  ASSERT_TRUE(next_day.ok());
  EXPECT_TRUE(next_day->kept.empty());
  EXPECT_GT(cache.size(), 2u);  // March, and April's month and days as of April 2.
  auto served = ServedFlowTable(*next_day, month, open, &cache);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(served->total.sum, Wide(8));
  // April's families as of April 2 will never be asked for again: dropped. March stays.
  EXPECT_EQ(cache.size(), 2u);
  auto kept_march = TakeFlowSnapshot(*ledger_, {march}, open.running_periods, &cache);
  ASSERT_TRUE(kept_march.ok());
  EXPECT_EQ(kept_march->kept.size(), 1u);
}

// Ledger time may pass midnight without a flow (a tick, or a batch of other commands):
// the day before has ended all the same, and is served.
TEST_P(ServedCacheTest, ADayEndedByATickIsServed) {
  const DisclosureRules open{1, 1, 100, RunningPeriods::kEndedDays};
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;                        // SetUp issued 1 on it.
  const TimeNs april_2 = april_1 + kNsPerDay + 3'600 * 1'000'000'000LL;  // 01:00.
  ASSERT_TRUE(ledger_->Apply(Batch{next_index_++, april_2, {Tick{}}}).ok());
  ASSERT_EQ(PeriodOf(PeriodKind::kDay, ledger_->last_timestamp()),
            PeriodOf(PeriodKind::kDay, april_2));
  FlowQuery query;
  query.currency = kTownCurrency;
  query.flow_class = FlowClass::kIssuance;
  for (PeriodKind kind : {PeriodKind::kDay, PeriodKind::kWeek, PeriodKind::kMonth}) {
    query.period = PeriodOf(kind, april_1);
    auto table = ServedFlowTable(*ledger_, query, open);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    EXPECT_EQ(table->total.sum, Wide(1)) << PeriodKindName(kind);
  }
  query.period = PeriodOf(PeriodKind::kDay, april_2);  // Today: not yet.
  auto today = ServedFlowTable(*ledger_, query, open);
  ASSERT_TRUE(today.ok());
  EXPECT_EQ(today->total.sum, Wide(0));
}

// The flow book leaves out the days from a bound on where it can: from today on, or all
// of a period that begins at or after the bound, or none of one that ends before it. Its
// ended days are read whole: a bound within them is refused.
TEST_P(ServedCacheTest, TheFlowBookHonoursADayBoundOrRefusesIt) {
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;  // SetUp issued 1 on it.
  Issue(5, april_1 + 2 * kNsPerDay);               // April 3: April 1 and 2 have ended.
  const int32_t april_2 = PeriodOf(PeriodKind::kDay, april_1).start_day + 1;
  auto total = [&](const Period& period, int32_t before_day) -> std::optional<uint64_t> {
    auto records = ledger_->FlowRecordsOf(kTownCurrency, period, FlowClass::kIssuance, before_day);
    if (!records.ok()) return std::nullopt;
    FlowSum sum = 0;
    for (const FlowRecords::Pair& pair : (*records)->pairs) sum += pair.sum;
    return static_cast<uint64_t>(sum);
  };
  const Period march = PeriodOf(PeriodKind::kMonth, kMarch);
  const Period month = PeriodOf(PeriodKind::kMonth, april_1);
  const Period week = PeriodOf(PeriodKind::kWeek, april_1);  // March 30 to April 5.
  ASSERT_TRUE(total(march, INT32_MAX).has_value());
  EXPECT_EQ(total(march, april_2), total(march, INT32_MAX)) << "ended before the bound";
  EXPECT_EQ(total(month, april_2 - 1), uint64_t{0}) << "nothing of April before April 1";
  EXPECT_EQ(total(week, week.start_day), uint64_t{0});
  EXPECT_EQ(total(month, april_2 + 1), uint64_t{1}) << "today's left out";
  EXPECT_EQ(total(week, april_2 + 1), uint64_t{1});
  for (const Period& period : {month, week}) {
    auto refused = ledger_->FlowRecordsOf(kTownCurrency, period, FlowClass::kIssuance, april_2);
    EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument)
        << PeriodKindName(period.kind);
  }
}

// By default a period is served only once all its days are in ended months: nothing of
// the current month shows until it ends, so every reading of it on every day is the same;
// a week across two months shows nothing until the later one ends too.
TEST_P(ServedCacheTest, ByDefaultOnlyEndedMonthsAreServed) {
  const DisclosureRules open{1, 1, 100};  // Every figure shown; running periods by default.
  ASSERT_EQ(open.running_periods, RunningPeriods::kEndedMonths);
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;    // Today: SetUp issued 1 on it.
  const TimeNs april_28 = april_1 + 27 * kNsPerDay;  // In the week of April 27 to May 3.
  const TimeNs may_1 = april_1 + 30 * kNsPerDay;
  const TimeNs may_4 = may_1 + 3 * kNsPerDay;  // The Monday after that week.
  const TimeNs june_1 = may_1 + 31 * kNsPerDay;
  auto query = [](PeriodKind kind, TimeNs at) {
    FlowQuery q;
    q.currency = kTownCurrency;
    q.flow_class = FlowClass::kIssuance;
    q.period = PeriodOf(kind, at);
    return q;
  };
  const FlowQuery march = query(PeriodKind::kMonth, kMarch);
  const FlowQuery april = query(PeriodKind::kMonth, april_1);
  const FlowQuery april_1st = query(PeriodKind::kDay, april_1);
  const FlowQuery across = query(PeriodKind::kWeek, april_28);
  const FlowQuery may = query(PeriodKind::kMonth, may_1);
  struct Served {
    std::string shown;
    Wide sum;
    int32_t until = 0;
  };
  auto served = [&](const FlowQuery& q) {
    auto snapshot = TakeFlowSnapshot(*ledger_, {q}, open.running_periods);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    if (!snapshot.ok()) return Served{};
    auto table = ServedFlowTable(*snapshot, q, open);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    if (!table.ok()) return Served{};
    return Served{Shown(*table), table->total.sum, ServedUntil(*snapshot, q.period)};
  };
  const Served march_on_1st = served(march);
  EXPECT_EQ(march_on_1st.until, PeriodEndDay(march.period));
  const Served april_on_1st = served(april);
  EXPECT_EQ(april_on_1st.sum, Wide(0)) << "April 1's issue";
  EXPECT_EQ(april_on_1st.until, april.period.start_day);
  EXPECT_EQ(served(april_1st).sum, Wide(0));
  Issue(5, april_28);
  EXPECT_EQ(served(april).shown, april_on_1st.shown) << "read on April 28";
  EXPECT_EQ(served(april_1st).sum, Wide(0)) << "April 1 has ended; April has not";
  EXPECT_EQ(served(march).shown, march_on_1st.shown);
  Issue(7, may_1 + 9 * 3'600 * 1'000'000'000LL);  // April has ended.
  Issue(2, may_4);                                // Days into May.
  EXPECT_EQ(served(march).shown, march_on_1st.shown);
  EXPECT_EQ(served(april).sum, Wide(6));
  EXPECT_EQ(served(april).until, PeriodEndDay(april.period));
  EXPECT_EQ(served(april_1st).sum, Wide(1));
  EXPECT_EQ(served(across).sum, Wide(0)) << "it has ended, but May has not";
  EXPECT_EQ(served(across).until, across.period.start_day);
  EXPECT_EQ(served(may).sum, Wide(0));
  Issue(11, june_1);
  EXPECT_EQ(served(across).sum, Wide(12));
  EXPECT_EQ(served(across).until, PeriodEndDay(across.period));
  EXPECT_EQ(served(may).sum, Wide(9));
}

// Served over ended months only, a running month's family is the same all month: kept
// until the month ends, then computed again from the month's final figures.
TEST_P(ServedCacheTest, ARunningPeriodIsKeptUntilItsMonthEnds) {
  const DisclosureRules open{1, 1, 100};  // Running periods by default: ended months.
  const TimeNs april_1 = kMarch + 31 * kNsPerDay;
  FlowQuery april;
  april.currency = kTownCurrency;
  april.flow_class = FlowClass::kIssuance;
  april.period = PeriodOf(PeriodKind::kMonth, april_1);
  ServedCache cache;
  Issue(5, april_1 + kNsPerDay);
  ASSERT_TRUE(ServedFlowTable(*ledger_, april, open, &cache).ok());
  ASSERT_EQ(cache.size(), 1u);
  Issue(7, april_1 + 2 * kNsPerDay);  // Another day of April.
  auto warm = TakeFlowSnapshot(*ledger_, {april}, open.running_periods, &cache);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->kept.size(), 1u) << "kept under April's first day, not today's";
  EXPECT_TRUE(warm->records.empty());
  Issue(3, april_1 + 30 * kNsPerDay);  // May 1: April has ended.
  Issue(1, april_1 + 31 * kNsPerDay);  // May 2.
  auto ended = TakeFlowSnapshot(*ledger_, {april}, open.running_periods, &cache);
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  EXPECT_TRUE(ended->kept.empty());
  auto final_april = ServedFlowTable(*ended, april, open, &cache);
  ASSERT_TRUE(final_april.ok());
  EXPECT_EQ(final_april->total.sum, Wide(13));
  FlowQuery may = april;
  may.period = PeriodOf(PeriodKind::kMonth, april_1 + 30 * kNsPerDay);
  ASSERT_TRUE(ServedFlowTable(*ledger_, may, open, &cache).ok());
  EXPECT_EQ(cache.size(), 2u) << "April as it ended and May; April as it ran is dropped";
}

INSTANTIATE_TEST_SUITE_P(Town, ServedCacheTest, ::testing::Values(1));

}  // namespace
}  // namespace kyoso::testing
