// Seeded, replayable property test: random command streams through the ledger with the
// invariant checker after every batch. Prints the failing seed; KYOSO_PROPERTY_SEED=N
// replays one seed, KYOSO_PROPERTY_SEEDS and KYOSO_PROPERTY_BATCHES scale the run.
#include <gtest/gtest.h>

#include <set>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "support/env.h"
#include "support/generator.h"
#include "support/invariants.h"

namespace kyoso::testing {
namespace {

using namespace ledger;

// Runs one seed; returns an empty string or the first violation found.
std::string RunSeed(uint64_t seed, uint64_t batches) {
  MemoryStore store;
  auto opened = Ledger::Open(&store);
  if (!opened.ok()) return "open: " + opened.status().ToString();
  std::unique_ptr<Ledger> ledger = std::move(opened).value();
  CommandGenerator generator(seed);
  InvariantChecker checker;
  std::map<TransferId, FirstOutcome> first;
  std::set<TransferId> holds;
  for (uint64_t b = 1; b <= batches; ++b) {
    Batch batch = generator.Next();
    for (const Command& command : batch.commands) {
      const auto* t = std::get_if<TransferRequest>(&command);
      if (t != nullptr && t->kind == TransferKind::kHold) holds.insert(t->id);
    }
    StatusOr<BatchResult> result = ledger->Apply(batch);
    if (!result.ok()) return "batch " + std::to_string(b) + ": " + result.status().ToString();
    std::vector<std::string> violations =
        checker.Check(*ledger, std::vector<TransferId>(holds.begin(), holds.end()));
    std::vector<std::string> replays = CheckReplays(batch, result->results, &first);
    violations.insert(violations.end(), replays.begin(), replays.end());
    if (!violations.empty()) return "batch " + std::to_string(b) + ": " + violations.front();
    std::erase_if(holds, [&](const TransferId& id) {
      auto record = ledger->FindTransfer(id);
      return record.ok() && record->has_value() && (*record)->hold_state != HoldState::kPending;
    });
  }
  return "";
}

TEST(PropertyTest, RandomBatchesKeepEveryInvariant) {
  uint64_t batches = EnvNumberOr("KYOSO_PROPERTY_BATCHES", 1'500);
  std::vector<uint64_t> seeds;
  if (auto seed = EnvNumber("KYOSO_PROPERTY_SEED")) {
    seeds.push_back(*seed);
  } else {
    uint64_t count = EnvNumberOr("KYOSO_PROPERTY_SEEDS", 12);
    for (uint64_t s = 1; s <= count; ++s) seeds.push_back(s * 7919);
  }
  for (uint64_t seed : seeds) {
    std::string failure = RunSeed(seed, batches);
    ASSERT_EQ(failure, "") << "seed " << seed
                           << " failed; replay with KYOSO_PROPERTY_SEED=" << seed;
  }
}

TEST(PropertyTest, TheGeneratorIsAPureFunctionOfItsSeed) {
  CommandGenerator a(42);
  CommandGenerator b(42);
  for (int i = 0; i < 50; ++i) {
    Batch x = a.Next();
    Batch y = b.Next();
    ASSERT_EQ(x.timestamp, y.timestamp);
    ASSERT_EQ(x.commands, y.commands);
  }
}

}  // namespace
}  // namespace kyoso::testing
