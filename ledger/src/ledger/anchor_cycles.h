// Anchoring (internal to ledger/): keeps the hidden cells of a whole period's table and
// of its parts (a month and its days, all money and each money) free to move together.
//
// A hidden figure is safe when it lies on a cycle of hidden figures that can move
// without changing any sum a reader knows (table_cycles.h). Across a whole and its parts
// a cycle may move in two parts at once (up in one, down in the other), in a part and
// its whole together, or, for a whole's cell no single part can carry, across two
// parts that each move part of the whole's cycle and a path that cancels between them.
// Pure; every choice is deterministic.
#pragma once

#include <cstdint>
#include <vector>

#include "kyoso/ledger/disclosure.h"

namespace kyoso::ledger {

// Makes each primarily suppressed cell of a part, and of the whole, lie on a cycle that
// can move so, hiding what the cheapest such cycle needs (`weeks`: each part's week, so
// that a move keeps the weeks' sums too; empty: every part its own). The whole hides no
// more. True if it hid any.
bool AnchorCycles(const ProtectedTable& whole, std::vector<ProtectedTable>& parts,
                  const std::vector<int32_t>& weeks);

}  // namespace kyoso::ledger
