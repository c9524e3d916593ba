// A seeded generator of command batches for property, equivalence and crash tests.
//
// Batch n is a pure function of (seed, n): the generator never looks at results, so a
// process that restarts after a crash regenerates exactly the same stream. It builds a
// small town (two backed currencies with an exchange rate, one mutual-credit currency,
// programmes, residents, merchants, producers) in batch 1, then mixes every transfer
// kind, replays of earlier transfers, linked groups, rule changes and ticks.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kyoso/ledger/command.h"

namespace kyoso::testing {

struct GeneratorOptions {
  int residents = 40;
  int merchants = 12;
  int producers = 6;
  int commands_per_batch_max = 40;
  ledger::TimeNs start_time = 1'772'323'200LL * 1'000'000'000;     // 2026-03-01T00:00:00Z.
  ledger::TimeNs batch_interval_max = 6LL * 3600 * 1'000'000'000;  // Up to 6 hours.
};

class CommandGenerator {
 public:
  explicit CommandGenerator(uint64_t seed, GeneratorOptions options = {});

  // The next batch (index 1, 2, …). Batch 1 sets the town up.
  ledger::Batch Next();
  uint64_t next_index() const { return index_ + 1; }

 private:
  ledger::Batch SetUpTown();
  ledger::Command RandomCommand();
  ledger::TransferRequest RandomTransfer();
  ledger::TransferRequest NewTransfer(ledger::TransferKind kind, const std::string& from,
                                      const std::string& to, ledger::Amount amount);
  const std::string& Pick(const std::vector<std::string>& ids);
  ledger::Amount RandomAmount();
  bool Chance(int percent);

  GeneratorOptions options_;
  std::mt19937_64 random_;
  uint64_t index_ = 0;
  ledger::TimeNs time_;
  uint64_t next_id_ = 1;
  std::vector<std::string> residents_, merchants_, producers_, neighbours_, credit_members_;
  std::vector<ledger::TransferRequest> sent_;    // For replays.
  std::vector<ledger::TransferRequest> spends_;  // For refunds.
  std::vector<ledger::TransferRequest> holds_;   // For posts and voids.
};

}  // namespace kyoso::testing
