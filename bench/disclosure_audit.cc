// Disclosure-control audit: how often the municipality tables of random periods still let
// a reader pin a suppressed cell down from what they show (tests/support/disclosure_audit.h).
//
//   build/release/bin/kyoso-disclosure-audit [periods]
//
// For each kind of period (a month and its days, then with two weeks too; every group pair
// trading every day, or a quarter of them missing each day) it prints one JSON line: the
// periods audited, those in which some primarily suppressed cell is fixed by the shown
// figures, and how many such cells there were of all primarily suppressed ones; and the
// cells hidden of all. Then the same for a random town's family of tables of one period
// (all money, free money and two programmes' money, each grouping on each side: they share
// figures, and all money is the sum of the rest), protected each alone and together.
#include "support/disclosure_audit.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct Found {
  uint64_t exposing = 0, exposed = 0, primary = 0, hidden = 0, cells = 0;
};

void Count(const std::vector<kyoso::ledger::ProtectedTable>& tables,
           const std::vector<kyoso::testing::PeriodSplit>& splits, Found* found) {
  for (const auto& table : tables) {
    for (const auto& cell : table.cells) {
      found->primary += cell.suppression == kyoso::ledger::Suppression::kPrimary ? 1 : 0;
      found->hidden += cell.released() ? 0 : 1;
      found->cells += 1;
    }
  }
  const size_t exposed = kyoso::testing::ExposedCells(tables, splits).size();
  found->exposed += exposed;
  found->exposing += exposed > 0 ? 1 : 0;
}

void Print(const char* tables, const char* pairs, uint64_t periods, const Found& found) {
  std::printf(
      "{\"tables\":\"%s\",\"pairs\":\"%s\",\"periods\":%llu,\"periods_exposing\":%llu,"
      "\"cells_exposed\":%llu,\"cells_primary\":%llu,\"cells_hidden\":%llu,\"cells\":%llu}\n",
      tables, pairs, static_cast<unsigned long long>(periods),
      static_cast<unsigned long long>(found.exposing),
      static_cast<unsigned long long>(found.exposed),
      static_cast<unsigned long long>(found.primary), static_cast<unsigned long long>(found.hidden),
      static_cast<unsigned long long>(found.cells));
}

void AuditPeriods(uint64_t periods, bool gaps, bool weeks) {
  Found found;
  for (uint64_t seed = 1; seed <= periods; ++seed) {
    kyoso::testing::ProtectedPeriod period =
        kyoso::testing::RandomProtectedPeriod(seed, gaps, weeks);
    Count(period.tables, period.splits, &found);
  }
  Print(weeks ? "month, weeks, days" : "month, days", gaps ? "some days" : "every day", periods,
        found);
}

// A town's family of tables of one period (4 monies × 16 groupings), protected each on
// its own or against each other.
void AuditFamilies(uint64_t periods, bool together) {
  Found found;
  for (uint64_t seed = 1; seed <= periods; ++seed) {
    kyoso::testing::ProtectedPeriod family = kyoso::testing::RandomProtectedFamily(seed, together);
    Count(family.tables, family.splits, &found);
  }
  Print(together ? "4 monies x 16 groupings, protected together"
                 : "4 monies x 16 groupings, each alone",
        "some", periods, found);
}

// The same families audited both ways: by the figures tables share (ExposedCells) and
// from the town's records (ExposedFromRecords), which counts every identity, nested
// groupings' too; towns `nested` as a real town's groupings are; protected knowing how
// their groupings nest (ProtectNesting) or not.
void AuditFamiliesByRecords(uint64_t periods, bool nested, bool nesting) {
  Found by_figures, by_records;
  for (uint64_t seed = 1; seed <= periods; ++seed) {
    const kyoso::testing::RandomTown town = kyoso::testing::MakeRandomTown(seed, nested);
    const kyoso::testing::ProtectedPeriod family =
        kyoso::testing::ProtectedFamilyOf(town, true, nesting);
    Count(family.tables, family.splits, &by_figures);
    const size_t exposed = kyoso::testing::ExposedFromRecords(town, family.tables).size();
    by_records.exposed += exposed;
    by_records.exposing += exposed > 0 ? 1 : 0;
  }
  by_records.primary = by_figures.primary;
  by_records.hidden = by_figures.hidden;
  by_records.cells = by_figures.cells;
  const std::string towns = std::string("4 monies x 16 groupings, together") +
                            (nesting ? " with nesting, " : ", ") +
                            (nested ? "nested towns" : "towns");
  Print((towns + ", by shared figures").c_str(), "some", periods, by_figures);
  Print((towns + ", from the records").c_str(), "some", periods, by_records);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t periods = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000;
  for (bool weeks : {false, true}) {
    for (bool gaps : {false, true}) AuditPeriods(periods, gaps, weeks);
  }
  for (bool together : {false, true}) AuditFamilies(periods, together);
  const uint64_t towns = std::min<uint64_t>(periods, 300);  // Dense: slower per town.
  for (bool nesting : {false, true}) {
    for (bool nested : {false, true}) AuditFamiliesByRecords(towns, nested, nesting);
  }
  return 0;
}
