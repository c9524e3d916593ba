// Disclosure-control audit: how often the municipality tables of random periods still let
// a reader pin a suppressed cell down from what they show (tests/support/disclosure_audit.h).
//
//   build/release/bin/kyoso-disclosure-audit [periods]
//
// For each kind of period (a month and its days, then with two weeks too; every group pair
// trading every day, or a quarter of them missing each day) it prints one JSON line: the
// periods audited, those in which some primarily suppressed cell is fixed by the shown
// figures, and how many such cells there were of all primarily suppressed ones.
#include "support/disclosure_audit.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void Audit(uint64_t periods, bool gaps, bool weeks) {
  uint64_t exposing = 0, exposed = 0, primary = 0;
  for (uint64_t seed = 1; seed <= periods; ++seed) {
    kyoso::testing::ProtectedPeriod period =
        kyoso::testing::RandomProtectedPeriod(seed, gaps, weeks);
    for (const auto& table : period.tables) {
      for (const auto& cell : table.cells) {
        primary += cell.suppression == kyoso::ledger::Suppression::kPrimary ? 1 : 0;
      }
    }
    const size_t found = kyoso::testing::ExposedCells(period.tables, period.splits).size();
    exposed += found;
    exposing += found > 0 ? 1 : 0;
  }
  std::printf(
      "{\"tables\":\"%s\",\"pairs\":\"%s\",\"periods\":%llu,\"periods_exposing\":%llu,"
      "\"cells_exposed\":%llu,\"cells_primary\":%llu}\n",
      weeks ? "month, weeks, days" : "month, days", gaps ? "some days" : "every day",
      static_cast<unsigned long long>(periods), static_cast<unsigned long long>(exposing),
      static_cast<unsigned long long>(exposed), static_cast<unsigned long long>(primary));
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t periods = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000;
  for (bool weeks : {false, true}) {
    for (bool gaps : {false, true}) Audit(periods, gaps, weeks);
  }
  return 0;
}
