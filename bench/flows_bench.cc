// Flow-table benchmark: the synthetic town (tests/support/synthetic_town.h: 5,000
// residents in 8 districts, 300 merchants in 9 sectors, 50 producers, three programmes)
// makes a million transfers in March 2026; then March's flow tables are read and
// protected. Three copies of the town: in memory with ledger time still in March (the
// table comes from the records the ledger keeps in memory for the current month), in
// memory with April begun (March is the last month, also kept in memory), and on
// RocksDB, as a node keeps it, with May begun (March is read from the store; a closed
// period's records are then kept, so the first read is measured apart).
//
//   build/release/bin/kyoso-flows-bench
//
// Setting the towns up takes a few minutes (every transfer is applied); the figures are
// the time to answer one table.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "kyoso/ledger/served_tables.h"
#include "support/synthetic_town.h"

namespace kyoso::bench {
namespace {

using namespace ledger;

constexpr TimeNs kMarch = 1'772'323'200LL * 1'000'000'000;  // 2026-03-01.
constexpr TimeNs kApril = kMarch + 31 * kNsPerDay;
constexpr TimeNs kMay = kApril + 30 * kNsPerDay;

class Town {
 public:
  // The town's March, then a flow at each of `later` (the first flow of a month moves
  // the ledger's current month on).
  Town(std::unique_ptr<Store> store, std::vector<TimeNs> later)
      : store_(std::move(store)), ledger_(std::move(Ledger::Open(store_.get())).value()) {
    testing::SyntheticTown town;
    Batch batch;
    while (town.Next(&batch)) Apply(batch);
    for (TimeNs at : later) {
      TransferRequest issue;
      issue.id = TransferId{1, ++batch.index};
      issue.kind = TransferKind::kIssue;
      issue.from = "iss:bunji";
      issue.to = testing::SyntheticTown::Resident(0);
      issue.amount = 1;
      Apply(Batch{batch.index, at, {issue}});
    }
  }

  const Ledger& ledger() const { return *ledger_; }

 private:
  void Apply(const Batch& batch) {
    if (!ledger_->Apply(batch).ok()) std::abort();
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Ledger> ledger_;
};

// The town on RocksDB in May, made once for every benchmark.
Town& StoredTown() {
  static auto* dir = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                               ("kyoso-flows-bench-" + std::to_string(::getpid())));
  static Town* town = [] {
    std::filesystem::remove_all(*dir);
    std::atexit([] { std::filesystem::remove_all(*dir); });
    return new Town(std::move(RocksDbStore::Open(dir->string())).value(), {kApril, kMay});
  }();
  return *town;
}

// The town in memory, still in March.
Town& CurrentTown() {
  static Town* town = new Town(std::make_unique<MemoryStore>(), {});
  return *town;
}

// The town in memory in April.
Town& AprilTown() {
  static Town* town = new Town(std::make_unique<MemoryStore>(), {kApril});
  return *town;
}

FlowQuery MonthQuery(GroupBy payer, GroupBy payee) {
  return FlowQuery{
      "BUNJI",     PeriodOf(PeriodKind::kMonth, kMarch), FlowClass::kPayment, payer, payee,
      std::nullopt};
}

// Every grouping on either side, for each programme's money and for all money.
std::vector<FlowQuery> EightyQueries() {
  std::vector<FlowQuery> queries;
  for (int payer = 0; payer < 4; ++payer) {
    for (int payee = 0; payee < 4; ++payee) {
      for (const char* program : {"", "fresh-food", "volunteer", "recycle", "all"}) {
        FlowQuery query = MonthQuery(static_cast<GroupBy>(payer), static_cast<GroupBy>(payee));
        if (program != std::string("all")) query.program = program;
        queries.push_back(query);
      }
    }
  }
  return queries;
}

size_t Answer(const Ledger& ledger, const FlowQuery& query) {
  StatusOr<FlowTable> table = ledger.Flows(query);
  if (!table.ok()) std::abort();
  benchmark::DoNotOptimize(table);
  return table->cells.size();
}

void RunTable(benchmark::State& state, const FlowQuery& query, Town& town) {
  const Ledger& ledger = town.ledger();
  size_t cells = Answer(ledger, query);  // Warm up (the memory store sorts its index).
  for (auto _ : state) cells = Answer(ledger, query);
  state.counters["cells"] = static_cast<double>(cells);
}

// The current month, from the records kept in memory.
void BM_CurrentMonth_KindToSector(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kKind, GroupBy::kSector), CurrentTown());
}
BENCHMARK(BM_CurrentMonth_KindToSector)->Unit(benchmark::kMillisecond);

// What a read of the current month's tables costs the apply thread: the copy of its pair
// records (Ledger::FlowRecordsOf) the node's worker then groups and protects.
void BM_CurrentMonth_RecordsCopied(benchmark::State& state) {
  const Ledger& ledger = CurrentTown().ledger();
  const FlowQuery query = MonthQuery(GroupBy::kKind, GroupBy::kSector);
  size_t pairs = 0, parties = 0;
  for (auto _ : state) {
    auto records = ledger.FlowRecordsOf(query.currency, query.period, query.flow_class);
    if (!records.ok()) std::abort();
    pairs = (*records)->pairs.size();
    parties = (*records)->parties.size();
    benchmark::DoNotOptimize(records);
  }
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["parties"] = static_cast<double>(parties);
}
BENCHMARK(BM_CurrentMonth_RecordsCopied)->Unit(benchmark::kMillisecond);

void BM_CurrentMonth_DistrictToDistrict(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kDistrict, GroupBy::kDistrict), CurrentTown());
}
BENCHMARK(BM_CurrentMonth_DistrictToDistrict)->Unit(benchmark::kMillisecond);

void BM_CurrentMonth_DistrictToSector_Protected(benchmark::State& state) {
  const Ledger& ledger = CurrentTown().ledger();
  for (auto _ : state) {
    StatusOr<FlowTable> table = ledger.Flows(MonthQuery(GroupBy::kDistrict, GroupBy::kSector));
    if (!table.ok()) std::abort();
    benchmark::DoNotOptimize(Protect(*table, DisclosureRules{}));
  }
}
BENCHMARK(BM_CurrentMonth_DistrictToSector_Protected)->Unit(benchmark::kMillisecond);

// Last month, from the records kept in memory: each iteration asks another of 80 tables.
void BM_LastMonth(benchmark::State& state) {
  const std::vector<FlowQuery> queries = EightyQueries();
  const Ledger& ledger = AprilTown().ledger();
  size_t next = 0;
  for (auto _ : state) Answer(ledger, queries[next++ % queries.size()]);
}
BENCHMARK(BM_LastMonth)->Unit(benchmark::kMillisecond);

// Last month's family of 80 tables grouped at once from its pair records (GroupFlows),
// as a served table's protection needs them; the records are copied before timing.
void BM_LastMonth_FamilyGrouped(benchmark::State& state) {
  const std::vector<FlowQuery> queries = EightyQueries();
  const FlowQuery& first = queries.front();
  auto records = AprilTown().ledger().FlowRecordsOf(first.currency, first.period, first.flow_class);
  if (!records.ok()) std::abort();
  size_t cells = 0;
  for (auto _ : state) {
    std::vector<FlowTable> tables = GroupFlows(**records, queries);
    cells = 0;
    for (const FlowTable& table : tables) cells += table.cells.size();
    benchmark::DoNotOptimize(tables);
  }
  state.counters["cells"] = static_cast<double>(cells);
}
BENCHMARK(BM_LastMonth_FamilyGrouped)->Unit(benchmark::kMillisecond);

// A closed month on RocksDB: each iteration asks another of 80 tables (every grouping on
// either side, each programme's money), grouped from its records, read from the store
// once and then kept by the ledger.
void BM_ClosedMonth_FromStore(benchmark::State& state) {
  const std::vector<FlowQuery> queries = EightyQueries();
  const Ledger& ledger = StoredTown().ledger();
  size_t next = 0;
  for (auto _ : state) Answer(ledger, queries[next++ % queries.size()]);
}
BENCHMARK(BM_ClosedMonth_FromStore)->Unit(benchmark::kMillisecond);

// The same closed month asked again: grouped from the records the ledger keeps.
void BM_ClosedMonth_AskedAgain(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kDistrict, GroupBy::kSector), StoredTown());
}
BENCHMARK(BM_ClosedMonth_AskedAgain)->Unit(benchmark::kMillisecond);

// A closed week: seven days' records from RocksDB.
void BM_ClosedWeek_DistrictToSector(benchmark::State& state) {
  FlowQuery query = MonthQuery(GroupBy::kDistrict, GroupBy::kSector);
  query.period = PeriodOf(PeriodKind::kWeek, kMarch + 10 * kNsPerDay);
  RunTable(state, query, StoredTown());
}
BENCHMARK(BM_ClosedWeek_DistrictToSector)->Unit(benchmark::kMillisecond);

// A day's table as GetFlowTable serves it: March's table and those of its 31 days
// (read once, before timing), each protected, then the days against the month and each
// other (ProtectParts, with their ISO weeks). What is timed is the protection. Sector to
// district is the grouping of the town that hides most in its days.
void BM_LastMonthsDays_SectorToDistrict_ProtectedAgainstTheMonth(benchmark::State& state) {
  const Ledger& ledger = AprilTown().ledger();
  const FlowQuery month_query = MonthQuery(GroupBy::kSector, GroupBy::kDistrict);
  const FlowTable month = *ledger.Flows(month_query);
  std::vector<FlowTable> days;
  std::vector<int32_t> weeks;
  for (int32_t d = month_query.period.start_day; d < PeriodEndDay(month_query.period); ++d) {
    FlowQuery day_query = month_query;
    day_query.period = {PeriodKind::kDay, d};
    days.push_back(*ledger.Flows(day_query));
    weeks.push_back(PeriodOf(PeriodKind::kWeek, TimeNs{d} * kNsPerDay).start_day);
  }
  size_t hidden = 0;
  for (auto _ : state) {
    const ProtectedTable whole = Protect(month, DisclosureRules{});
    std::vector<ProtectedTable> parts;
    for (const FlowTable& day : days) parts.push_back(Protect(day, DisclosureRules{}));
    ProtectParts(whole, &parts, weeks);
    hidden = 0;
    for (const ProtectedTable& part : parts) {
      for (const ProtectedCell& cell : part.cells) hidden += cell.released() ? 0 : 1;
    }
  }
  state.counters["day_cells_hidden"] = static_cast<double>(hidden);
}
BENCHMARK(BM_LastMonthsDays_SectorToDistrict_ProtectedAgainstTheMonth)
    ->Unit(benchmark::kMillisecond);

// Tables as GetFlowTable serves them (served_tables.h): each with the other 15
// groupings of its period and, for a day or a week, with the month's days. The first ask
// reads the pair records (its time is the first_ask_ms counter); later ones group them
// again (kept by the ledger for a closed period) and protect them. With
// the node's cache of served tables (ServedCache), an ended month's are kept as served,
// and a running month's (here served up to its last ended day) until the day ends:
// kept_ask_ms. Of all this, the node's apply thread pays
// only for the snapshot (snapshot_ms); its worker groups and protects.
void RunServed(benchmark::State& state, const FlowQuery& query, const Town& town) {
  // A running period up to the end of its last ended day, where it holds the most (by
  // default, over ended months only, the current month's tables are empty).
  const DisclosureRules rules{.running_periods = RunningPeriods::kEndedDays};
  const auto before = std::chrono::steady_clock::now();
  if (!ServedFlowTable(town.ledger(), query, rules).ok()) std::abort();
  state.counters["first_ask_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before).count();
  size_t hidden = 0;
  for (auto _ : state) {
    StatusOr<ProtectedTable> table = ServedFlowTable(town.ledger(), query, rules);
    if (!table.ok()) std::abort();
    hidden = 0;
    for (const ProtectedCell& cell : table->cells) hidden += cell.released() ? 0 : 1;
  }
  state.counters["cells_hidden"] = static_cast<double>(hidden);
  // What the node's apply thread pays (its worker the rest): the snapshot's copy.
  const auto copied = std::chrono::steady_clock::now();
  if (!TakeFlowSnapshot(town.ledger(), {query}, rules.running_periods).ok()) std::abort();
  state.counters["snapshot_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - copied).count();
  // What the node keeps of ended months, and of a running one until its day ends: asked
  // again, nearly free.
  ServedCache cache;
  if (!ServedFlowTable(town.ledger(), query, rules, &cache).ok()) std::abort();
  const auto again = std::chrono::steady_clock::now();
  if (!ServedFlowTable(town.ledger(), query, rules, &cache).ok()) std::abort();
  state.counters["kept_ask_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - again).count();
  state.counters["cells"] =
      static_cast<double>(ServedFlowTable(town.ledger(), query, rules)->cells.size());
}

void BM_Served_LastMonth_SectorToDistrict(benchmark::State& state) {
  RunServed(state, MonthQuery(GroupBy::kSector, GroupBy::kDistrict), AprilTown());
}
BENCHMARK(BM_Served_LastMonth_SectorToDistrict)->Unit(benchmark::kMillisecond);

// The current month, served up to the end of its last ended day (running_periods =
// "ended-days"; by default nothing of it is served before it ends): without the cache,
// every ask groups its family's tables again.
void BM_Served_CurrentMonth_SectorToDistrict(benchmark::State& state) {
  RunServed(state, MonthQuery(GroupBy::kSector, GroupBy::kDistrict), CurrentTown());
}
BENCHMARK(BM_Served_CurrentMonth_SectorToDistrict)->Unit(benchmark::kMillisecond);

// A day of it: its month's family and its days' again.
void BM_Served_CurrentMonthsDay_SectorToDistrict(benchmark::State& state) {
  FlowQuery query = MonthQuery(GroupBy::kSector, GroupBy::kDistrict);
  query.period = {PeriodKind::kDay, query.period.start_day + 9};
  RunServed(state, query, CurrentTown());
}
BENCHMARK(BM_Served_CurrentMonthsDay_SectorToDistrict)->Unit(benchmark::kMillisecond);

void BM_Served_LastMonthsDay_SectorToDistrict(benchmark::State& state) {
  FlowQuery query = MonthQuery(GroupBy::kSector, GroupBy::kDistrict);
  query.period = {PeriodKind::kDay, query.period.start_day + 9};
  RunServed(state, query, AprilTown());
}
BENCHMARK(BM_Served_LastMonthsDay_SectorToDistrict)->Unit(benchmark::kMillisecond);

void BM_Served_ClosedWeek_SectorToDistrict(benchmark::State& state) {
  FlowQuery query = MonthQuery(GroupBy::kSector, GroupBy::kDistrict);
  query.period = PeriodOf(PeriodKind::kWeek, kMarch + 10 * kNsPerDay);
  RunServed(state, query, StoredTown());
}
BENCHMARK(BM_Served_ClosedWeek_SectorToDistrict)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kyoso::bench

BENCHMARK_MAIN();
