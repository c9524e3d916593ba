// Shape checks of command fields (internal to ledger/): see kyoso/ledger/validation.h.
#pragma once

#include "kyoso/ledger/validation.h"

namespace kyoso::ledger {

// Longest validity or period a rule may carry: a century keeps time sums far from
// int64's range.
inline constexpr TimeNs kDurationMax = 100LL * 366 * kNsPerDay;
// Longest a hold may stay pending (deposits included).
inline constexpr TimeNs kHoldTimeoutMax = 7 * kNsPerDay;

}  // namespace kyoso::ledger
