// An audit of protected flow tables (kyoso/ledger/disclosure.h) as an adversary would
// run it: every figure shown is known, every hidden one unknown, and the figures are tied
// by the sums a reader knows (a row, column or grand total is the sum of its cells; a
// whole period's figure is the sum of its parts'). A suppressed cell is exposed when
// those sums fix its value: when it is a linear combination of what is shown. For tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kyoso/ledger/disclosure.h"

namespace kyoso::testing {

// A whole period's table and the tables of its parts (indices into the audited tables).
struct PeriodSplit {
  size_t whole = 0;
  std::vector<size_t> parts;
};

// The primarily suppressed cells whose value the shown figures of `tables` fix, as
// "table index: payer -> payee". Empty when none is exposed. Tables of one currency,
// period and class but another grouping or money are tied by the figures they share (as
// ProtectGroupings has them, but worked out here on their own); `splits` add sums.
std::vector<std::string> ExposedCells(const std::vector<ledger::ProtectedTable>& tables,
                                      const std::vector<PeriodSplit>& splits = {});

// A cell of `sum` from `payers` payers and `payees` payees of equal shares.
ledger::FlowCell EvenCell(std::string payer, std::string payee, int64_t sum, uint64_t payers = 20,
                          uint64_t payees = 20);

// A protected month of random days, and with `weeks` two weeks (its first days, and the
// rest), each table protected as GetFlowTable serves it: the month alone, the days
// against the month, each week against its days. Tables are up to 4 × 4 groups over 2 to
// 6 days; a third of the cells have too few payers; with `gaps`, a quarter of a day's
// cells are missing (a group pair that did not trade that day).
struct ProtectedPeriod {
  std::vector<ledger::ProtectedTable> tables;  // The month, its days, the weeks.
  std::vector<PeriodSplit> splits;
};
ProtectedPeriod RandomProtectedPeriod(uint64_t seed, bool gaps, bool weeks);

// A random town: accounts and their flows in one period.
struct TownAccount {
  std::string kind, sector, district;
};
struct TownFlow {
  size_t payer = 0, payee = 0;  // Into the town's accounts.
  std::string program;          // "" for free money.
  int64_t amount = 0;
};
struct RandomTown {
  std::vector<TownAccount> accounts;
  std::vector<TownFlow> flows;
};
// 12 to 41 accounts of 2 kinds (3 when nested), 3 sectors and 3 districts, and 20 to 219 flows of
// free money and of programmes p0 and p1. With `nested`, groupings nest as a town's do: kind k0
// (residents) has no sector, k2 (producers) is all of sector s2 (farms), k1 (merchants) of s0 or
// s1.
RandomTown MakeRandomTown(uint64_t seed, bool nested);
// Its family of tables (see RandomProtectedFamily); protected together with how its
// groupings nest (ProtectFamily given each money's classes) unless `nesting` is false.
ProtectedPeriod ProtectedFamilyOf(const RandomTown& town, bool together, bool nesting = true);

// The audit at its most exact, from the town's flows themselves: every figure of
// `tables` (of `town`) is the sum of the flows it covers, so every identity between
// tables counts, nested groupings' too. A reader cannot tell apart accounts of the same
// kind, sector and district, so the unknowns are the sums of (payer class, payee class,
// money), less those a cell missing from a table shows to be zero. The primarily
// suppressed cells the shown figures fix, as ExposedCells gives them.
std::vector<std::string> ExposedFromRecords(const RandomTown& town,
                                            const std::vector<ledger::ProtectedTable>& tables);

// A random town's flows (MakeRandomTown, not nested) in a period's family of tables
// (served_tables.h): all money, free money and two programmes' money, each under the 16
// groupings (kind, sector, district, programme on each side), each protected and then, if
// `together`, all against each other (ProtectFamily). Splits: all money's table is the
// sum of the other monies' under the same grouping. Few accounts, so the thresholds are 3
// payers and 3 payees.
ProtectedPeriod RandomProtectedFamily(uint64_t seed, bool together = true);

// A random table of up to 5 × 5 groups (see RandomProtectedPeriod), protected.
ledger::ProtectedTable RandomProtectedTable(uint64_t seed);

}  // namespace kyoso::testing
