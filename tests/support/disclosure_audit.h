// An audit of protected flow tables (kyoso/ledger/disclosure.h) as an adversary would
// run it: every figure shown is known, every hidden one unknown, and the figures are tied
// by the sums a reader knows (a row, column or grand total is the sum of its cells; a
// whole period's figure is the sum of its parts'). A suppressed cell is exposed when
// those sums fix its value: when it is a linear combination of what is shown. For tests.
#pragma once

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
// "table index: payer -> payee". Empty when none is exposed.
std::vector<std::string> ExposedCells(const std::vector<ledger::ProtectedTable>& tables,
                                      const std::vector<PeriodSplit>& splits = {});

}  // namespace kyoso::testing
