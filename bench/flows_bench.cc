// Flow-table benchmark: a synthetic town (5,000 residents in 8 districts, 300 merchants in
// 10 sectors, 50 producers) makes a million transfers over one month on a RocksDB store;
// then the month's flow tables are read and protected.
//
//   build/release/bin/kyoso-flows-bench
//
// Setting the town up takes a minute (it applies every transfer); the figures are the
// time to answer one table.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"

namespace kyoso::bench {
namespace {

using namespace ledger;

constexpr int kResidents = 5'000;
constexpr int kMerchants = 300;
constexpr int kProducers = 50;
constexpr int kDistricts = 8;
constexpr int kSectors = 10;
constexpr int kFavourites = 8;  // Merchants each resident mostly pays.
constexpr int kBatches = 1'000;
constexpr int kPerBatch = 1'000;
constexpr TimeNs kStart = 1'772'323'200LL * 1'000'000'000;  // 2026-03-01.
constexpr TimeNs kMonth = 30 * kNsPerDay;

std::string Id(const char* prefix, int i) {
  return prefix + std::to_string(i);
}

class SyntheticTown {
 public:
  explicit SyntheticTown(std::unique_ptr<Store> store)
      : store_(std::move(store)), ledger_(std::move(Ledger::Open(store_.get())).value()) {
    CreateCurrency currency;
    currency.code = "BUNJI";
    currency.name = "Bunji";
    currency.issuer_account = "iss:bunji";
    currency.fee_account = "fee:bunji";
    currency.backing = "KRW";
    Apply({currency});
    CreateAccounts();
    Fund();
    std::mt19937_64 random(7);
    for (int b = 0; b < kBatches; ++b) Apply(Transfers(random), kStart + b * (kMonth / kBatches));
  }

  const Ledger& ledger() const { return *ledger_; }

 private:
  void Apply(std::vector<Command> commands, TimeNs at = kStart) {
    Batch batch{++index_, std::max(at, kStart), std::move(commands)};
    if (!ledger_->Apply(batch).ok()) std::abort();
  }

  void Add(std::vector<Command>* commands, const std::string& id, int n) {
    CreateAccount account;
    account.id = id;
    account.currency = "BUNJI";
    account.district = Id("d", n % kDistricts);
    if (id.starts_with("mch:") || id.starts_with("prd:")) account.sector = Id("s", n % kSectors);
    commands->push_back(std::move(account));
  }

  void CreateAccounts() {
    std::vector<Command> commands;
    for (int i = 0; i < kResidents; ++i) Add(&commands, Id("res:r", i), i);
    for (int i = 0; i < kMerchants; ++i) Add(&commands, Id("mch:m", i), i);
    for (int i = 0; i < kProducers; ++i) Add(&commands, Id("prd:p", i), i);
    for (size_t i = 0; i < commands.size(); i += kBatchCommandsMax) {
      size_t end = std::min(commands.size(), i + kBatchCommandsMax);
      Apply(std::vector<Command>(commands.begin() + i, commands.begin() + end));
    }
  }

  TransferRequest Transfer(TransferKind kind, std::string from, std::string to, Amount amount) {
    TransferRequest t;
    t.id = TransferId{2, ++next_id_};
    t.kind = kind;
    t.from = std::move(from);
    t.to = std::move(to);
    t.amount = amount;
    return t;
  }

  void Fund() {
    std::vector<Command> commands;
    for (int i = 0; i < kResidents + kMerchants; ++i) {
      std::string to = i < kResidents ? Id("res:r", i) : Id("mch:m", i - kResidents);
      commands.push_back(Transfer(TransferKind::kIssue, "iss:bunji", to, 1'000'000'000));
      if (commands.size() == kBatchCommandsMax) Apply(std::exchange(commands, {}));
    }
    Apply(commands);
  }

  // Nine in ten: a resident pays one of its favourite merchants (now and then another);
  // the rest: a merchant buys from a producer.
  std::vector<Command> Transfers(std::mt19937_64& random) {
    std::vector<Command> commands;
    for (int i = 0; i < kPerBatch; ++i) {
      Amount amount = 100 + static_cast<Amount>(random() % 20'000);
      if (random() % 10 != 0) {
        int resident = static_cast<int>(random() % kResidents);
        int merchant = random() % 5 == 0
                           ? static_cast<int>(random() % kMerchants)
                           : (resident * 7 + static_cast<int>(random() % kFavourites)) % kMerchants;
        commands.push_back(
            Transfer(TransferKind::kPayment, Id("res:r", resident), Id("mch:m", merchant), amount));
      } else {
        commands.push_back(Transfer(TransferKind::kPurchase,
                                    Id("mch:m", static_cast<int>(random() % kMerchants)),
                                    Id("prd:p", static_cast<int>(random() % kProducers)), amount));
      }
    }
    return commands;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Ledger> ledger_;
  uint64_t index_ = 0;
  uint64_t next_id_ = 0;
};

// The town on RocksDB (as a node keeps it), made once for every benchmark.
SyntheticTown& Town() {
  static auto* dir = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                               ("kyoso-flows-bench-" + std::to_string(::getpid())));
  static SyntheticTown* town = [] {
    std::filesystem::remove_all(*dir);
    std::atexit([] { std::filesystem::remove_all(*dir); });
    return new SyntheticTown(std::move(RocksDbStore::Open(dir->string())).value());
  }();
  return *town;
}

// The same town in memory: the table's own work, apart from reading RocksDB.
SyntheticTown& MemoryTown() {
  static SyntheticTown* town = new SyntheticTown(std::make_unique<MemoryStore>());
  return *town;
}

FlowQuery MonthQuery(GroupBy payer, GroupBy payee) {
  return FlowQuery{
      "BUNJI",     PeriodOf(PeriodKind::kMonth, kStart), FlowClass::kPayment, payer, payee,
      std::nullopt};
}

void RunTable(benchmark::State& state, const FlowQuery& query, SyntheticTown& town = Town()) {
  const Ledger& ledger = town.ledger();
  if (!ledger.Flows(query).ok()) std::abort();  // Warm up (the memory store sorts its index).
  size_t cells = 0;
  for (auto _ : state) {
    StatusOr<FlowTable> table = ledger.Flows(query);
    if (!table.ok()) std::abort();
    cells = table->cells.size();
    benchmark::DoNotOptimize(table);
  }
  state.counters["cells"] = static_cast<double>(cells);
}

void BM_MonthTable_KindToSector(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kKind, GroupBy::kSector));
}
BENCHMARK(BM_MonthTable_KindToSector)->Unit(benchmark::kMillisecond);

void BM_MonthTable_DistrictToDistrict(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kDistrict, GroupBy::kDistrict));
}
BENCHMARK(BM_MonthTable_DistrictToDistrict)->Unit(benchmark::kMillisecond);

void BM_MonthTable_DistrictToDistrict_InMemory(benchmark::State& state) {
  RunTable(state, MonthQuery(GroupBy::kDistrict, GroupBy::kDistrict), MemoryTown());
}
BENCHMARK(BM_MonthTable_DistrictToDistrict_InMemory)->Unit(benchmark::kMillisecond);

void BM_WeekTable_DistrictToSector(benchmark::State& state) {
  FlowQuery query = MonthQuery(GroupBy::kDistrict, GroupBy::kSector);
  query.period = PeriodOf(PeriodKind::kWeek, kStart + 10 * kNsPerDay);
  RunTable(state, query);
}
BENCHMARK(BM_WeekTable_DistrictToSector)->Unit(benchmark::kMillisecond);

void BM_MonthTable_DistrictToSector_Protected(benchmark::State& state) {
  const Ledger& ledger = Town().ledger();
  for (auto _ : state) {
    StatusOr<FlowTable> table = ledger.Flows(MonthQuery(GroupBy::kDistrict, GroupBy::kSector));
    if (!table.ok()) std::abort();
    benchmark::DoNotOptimize(Protect(*table, DisclosureRules{}));
  }
}
BENCHMARK(BM_MonthTable_DistrictToSector_Protected)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kyoso::bench

BENCHMARK_MAIN();
