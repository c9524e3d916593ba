// A synthetic town for flow tests and benchmarks: a backed currency, three programmes
// (fresh food, volunteering, recycling), residents in districts, merchants in sectors and
// producers, and a month or so of ordinary life: residents top up under the fresh-food
// programme, earn volunteering and recycling credits, mostly pay a few favourite
// merchants (a repair shop under the recycling programme, for 3% cash-back), merchants buy from
// producers, refund now and then and redeem.
//
// Batch n is a pure function of (shape, n): the town never looks at results. Unlike
// CommandGenerator it makes no bad requests: nearly every transfer takes effect, as in a
// real town, so that what the flows see is realistic in size and shape.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kyoso/ledger/command.h"

namespace kyoso::testing {

struct TownShape {
  int residents = 5'000;
  int merchants = 300;
  int producers = 50;
  int districts = 8;
  int64_t transfers = 1'000'000;
  int transfers_per_batch = 1'000;
  ledger::TimeNs start = 1'772'323'200LL * 1'000'000'000;  // 2026-03-01T00:00:00Z.
  ledger::TimeNs span = 30 * ledger::kNsPerDay;            // Over which transfers spread.
  uint64_t seed = 7;
};

inline constexpr const char* kTownCurrency = "BUNJI";
inline constexpr const char* kTownPrograms[] = {"fresh-food", "volunteer", "recycle"};
inline constexpr const char* kTownSectors[] = {"grocery", "bakery", "cafe",     "restaurant",
                                               "farm",    "books",  "hardware", "clothing",
                                               "repair",  "care"};

class SyntheticTown {
 public:
  explicit SyntheticTown(TownShape shape = {});

  // The next batch (indexes 1, 2, …), or false when the town has made every transfer.
  bool Next(ledger::Batch* batch);
  const TownShape& shape() const { return shape_; }
  // Ledger time of the last batch made.
  ledger::TimeNs time() const { return time_; }

  static std::string Resident(int i) { return "res:r" + std::to_string(i); }
  static std::string Merchant(int i) { return "mch:m" + std::to_string(i); }
  static std::string Producer(int i) { return "prd:p" + std::to_string(i); }
  static std::string District(int i) { return "district-" + std::to_string(i); }

 private:
  std::vector<ledger::Command> SetUp();
  std::vector<ledger::Command> Fund();
  std::vector<ledger::Command> Transfers();
  ledger::TransferRequest Transfer(ledger::TransferKind kind, std::string from, std::string to,
                                   ledger::Amount amount, std::string program = "");
  ledger::TransferRequest ResidentPays();
  int Below(int n) { return static_cast<int>(random_() % static_cast<uint64_t>(n)); }

  TownShape shape_;
  std::mt19937_64 random_;
  uint64_t index_ = 0;
  uint64_t next_id_ = 0;
  int64_t made_ = 0;  // Transfers made so far.
  ledger::TimeNs time_;
  std::vector<std::vector<ledger::Command>> preamble_;    // Set-up batches still to give.
  std::vector<ledger::TransferRequest> recent_payments_;  // Candidates for refunds.
};

}  // namespace kyoso::testing
