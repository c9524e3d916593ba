// Apply-path benchmark: batches of 1,000 payments between 100,000 accounts, through the
// memory store and through RocksDB with the write-ahead log synced once per batch.
//
//   build/release/bin/kyoso-ledger-bench
//
// items_per_second is payments per second of wall-clock time: a synced write waits for
// the disk without spending CPU, so a rate by the thread's CPU time would flatter
// RocksDB (it did until 2026-12-05, by a sixth). Transfer ids are random 128-bit numbers, as
// clients make them. The discarding store keeps nothing: it shows what the ledger's own
// work costs, apart from any store. Like the node, the benchmark runs with huge-page
// malloc (node/huge_page_malloc.h).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "node/huge_page_malloc.h"

namespace kyoso::bench {
namespace {

using namespace ledger;

constexpr int kAccounts = 100'000;
constexpr int kMerchants = 10'000;
constexpr int kPaymentsPerBatch = 1'000;
constexpr TimeNs kStart = 1'772'323'200LL * 1'000'000'000;

std::string Resident(int i) {
  return "res:r" + std::to_string(i);
}
std::string Merchant(int i) {
  return "mch:m" + std::to_string(i);
}

class Town {
 public:
  explicit Town(Store* store) : ledger_(std::move(Ledger::Open(store)).value()) {
    Batch setup = NextBatch();
    CreateCurrency currency;
    currency.code = "BUNJI";
    currency.name = "Bunji";
    currency.issuer_account = "iss:bunji";
    currency.fee_account = "fee:bunji";
    currency.backing = "KRW";
    setup.commands.push_back(currency);
    Apply(setup);
    CreateAccounts();
    TopUpResidents();
  }

  // A batch of payments from random residents to random merchants.
  Batch Payments(std::mt19937_64& random) {
    Batch batch = NextBatch();
    std::uniform_int_distribution<int> resident(0, kAccounts - kMerchants - 1);
    std::uniform_int_distribution<int> merchant(0, kMerchants - 1);
    batch.commands.reserve(kPaymentsPerBatch);
    for (int i = 0; i < kPaymentsPerBatch; ++i) {
      TransferRequest t;
      // Random, as the wallet and terminals draw them: sequential ids would land at the
      // end of every index and flatter the store.
      t.id = TransferId{random(), random() | 1};
      t.kind = TransferKind::kPayment;
      t.from = Resident(resident(random));
      t.to = Merchant(merchant(random));
      t.amount = 1 + static_cast<Amount>(random() % 5'000);
      batch.commands.push_back(std::move(t));
    }
    return batch;
  }

  void Apply(const Batch& batch) {
    StatusOr<BatchResult> result = ledger_->Apply(batch);
    if (!result.ok()) std::abort();
  }

 private:
  Batch NextBatch() {
    Batch batch;
    batch.index = ++index_;
    batch.timestamp = kStart + static_cast<TimeNs>(index_) * 1'000'000;
    return batch;
  }
  void CreateAccounts() {
    Batch batch = NextBatch();
    for (int i = 0; i < kAccounts; ++i) {
      CreateAccount account;
      account.id = i < kMerchants ? Merchant(i) : Resident(i - kMerchants);
      account.currency = "BUNJI";
      batch.commands.push_back(std::move(account));
      if (batch.commands.size() == kBatchCommandsMax) {
        Apply(batch);
        batch = NextBatch();
      }
    }
    Apply(batch);
  }
  void TopUpResidents() {
    Batch batch = NextBatch();
    for (int i = 0; i < kAccounts - kMerchants; ++i) {
      TransferRequest t;
      t.id = TransferId{0, static_cast<uint64_t>(i) + 1};
      t.kind = TransferKind::kTopUp;
      t.from = "iss:bunji";
      t.to = Resident(i);
      t.amount = 1'000'000'000;
      batch.commands.push_back(std::move(t));
      if (batch.commands.size() == kBatchCommandsMax) {
        Apply(batch);
        batch = NextBatch();
      }
    }
    Apply(batch);
  }

  std::unique_ptr<Ledger> ledger_;
  uint64_t index_ = 0;
};

void RunPayments(benchmark::State& state, Store* store) {
  Town town(store);
  std::mt19937_64 random(1);
  for (auto _ : state) {
    state.PauseTiming();
    Batch batch = town.Payments(random);
    state.ResumeTiming();
    town.Apply(batch);
  }
  state.SetItemsProcessed(state.iterations() * kPaymentsPerBatch);
}

// A store that keeps nothing: what the ledger's own work costs, without any store.
class DiscardingStore final : public Store {
 public:
  Status Write(const WriteBatch&) override { return Status::Ok(); }
  Status Get(Column, std::string_view, std::string*) const override {
    return Status::NotFound("discarded");
  }
  Status Scan(Column, std::string_view, std::string_view, bool, const ScanVisitor&) const override {
    return Status::Ok();
  }
};

void BM_ApplyPayments_DiscardingStore(benchmark::State& state) {
  DiscardingStore store;
  RunPayments(state, &store);
}
BENCHMARK(BM_ApplyPayments_DiscardingStore)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3)
    ->UseRealTime();

void BM_ApplyPayments_MemoryStore(benchmark::State& state) {
  MemoryStore store;
  RunPayments(state, &store);
}
BENCHMARK(BM_ApplyPayments_MemoryStore)->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

void BM_ApplyPayments_RocksDbSynced(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("kyoso-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto store = std::move(RocksDbStore::Open(dir.string())).value();
    RunPayments(state, store.get());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ApplyPayments_RocksDbSynced)->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

// Opening a ledger whose day so far holds 500,000 payments between random pairs: the
// accounts are read back and the day's flow log replayed (flow_book.h).
void BM_Reopen_AfterHalfAMillionPaymentsToday(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("kyoso-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto store = std::move(RocksDbStore::Open(dir.string())).value();
    Town town(store.get());
    std::mt19937_64 random(1);
    for (int i = 0; i < 500; ++i) town.Apply(town.Payments(random));
    for (auto _ : state) {
      StatusOr<std::unique_ptr<Ledger>> reopened = Ledger::Open(store.get());
      if (!reopened.ok()) std::abort();
      benchmark::DoNotOptimize(reopened);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Reopen_AfterHalfAMillionPaymentsToday)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace kyoso::bench

int main(int argc, char** argv) {
  // As the node runs (node/huge_page_malloc.h); GLIBC_TUNABLES=glibc.malloc.hugetlb=0
  // measures with the default 4 KiB pages.
  kyoso::node::RestartWithHugePageMalloc(argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
