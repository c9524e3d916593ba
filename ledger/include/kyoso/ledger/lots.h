// Lots: the arithmetic of money that remembers its programme. Pure functions over an
// account's list of lots.
//
// Drawing order (DESIGN.md §3): restricted (programme) money before free money, soonest
// expiry first, then by programme id so the order is total. Lots of one programme and
// expiry are kept merged; expiries are whole days, so same-day lots merge.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "kyoso/ledger/domain.h"

namespace kyoso::ledger {

// True when `a` is drawn before `b`.
bool DrawnBefore(const Lot& a, const Lot& b);

// The sum of the lots' amounts (may be negative for a mutual-credit account).
Wide SumLots(const std::vector<Lot>& lots);

// The end of the UTC day on or after now + validity; kNever when validity is 0.
TimeNs ExpiryAfter(TimeNs now, TimeNs validity_ns);

// Adds `lots` into `into`, merging same (programme, expiry) lots and keeping drawing
// order. Returns false (and leaves `into` unchanged) when the result would need more
// than kLotsPerAccountMax lots even after merging a programme's nearest expiries, or a
// lot would leave int64.
[[nodiscard]] bool AddLots(std::vector<Lot>* into, const std::vector<Lot>& lots);
// As AddLots, but on failure `into` is left partly changed: for a caller that adds to
// a copy it throws away on failure, and so need not pay for a second one.
[[nodiscard]] bool AddLotsInPlace(std::vector<Lot>* into, const std::vector<Lot>& lots);

// Removes `lots` (as returned by DrawLots) from `from`, dropping emptied lots. Each lot
// to remove must be present; a free never-expiring lot may go negative.
void RemoveLots(std::vector<Lot>* from, const std::vector<Lot>& lots);

struct DrawRequest {
  Amount amount = 0;
  TimeNs now = 0;
  // How far below zero the account may go (mutual credit), drawn as free money.
  Amount credit_limit = 0;
  // Which lots the payee may receive; free lots are always eligible.
  std::function<bool(const Lot&)> eligible;
};

struct DrawResult {
  ResultCode code = ResultCode::kOk;
  std::vector<Lot> lots;  // What to move, in drawing order; sums to the amount when ok.
};

// Chooses the lots that pay `amount`: eligible, unexpired, positive lots in drawing
// order, then (mutual credit) free money below zero within the credit limit. On failure
// the code says why: not eligible, expired, or simply insufficient.
DrawResult DrawLots(const std::vector<Lot>& lots, const DrawRequest& request);

// The part of `lots` (summing to `total`) that corresponds to `part` of it, lot by lot,
// by the largest-remainder rule so that the parts sum exactly to `part`.
std::vector<Lot> ShareOfLots(const std::vector<Lot>& lots, Amount total, Amount part);

// Splits `lots` in drawing order into the first `amount` and the rest.
std::pair<std::vector<Lot>, std::vector<Lot>> SplitLots(const std::vector<Lot>& lots,
                                                        Amount amount);

}  // namespace kyoso::ledger
