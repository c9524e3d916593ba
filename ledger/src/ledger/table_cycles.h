// The exact test of a protected table against its own sums (internal to ledger/): which
// suppressed cells its shown cells and totals still pin down, and the further
// suppression that stops them.
//
// A table with its totals is a closed table: add the row totals as a column and the
// column totals as a row, the grand total where they meet, and every row and column sums
// to zero with the total's sign flipped. Its hidden figures are then edges of a graph
// between rows and columns (the totals' row and column included), and the sums leave a
// hidden figure free exactly when it lies on a cycle of hidden figures: moving a cycle's
// figures up and down in turn keeps every sum. A hidden figure on no cycle (a bridge) is
// fixed by what is shown. Pure.
#pragma once

#include "kyoso/ledger/disclosure.h"

namespace kyoso::ledger {

// Suppresses more (cells, or totals) until no primarily suppressed cell of `table` is a
// bridge: for each that is, the smallest released figure that closes a cycle through it,
// or, when none does, the smallest that reaches further from its column's side. Every
// choice is deterministic (smallest sum, then the table's order).
void CloseCycles(ProtectedTable* table);

}  // namespace kyoso::ledger
