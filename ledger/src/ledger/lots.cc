#include "kyoso/ledger/lots.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace kyoso::ledger {
namespace {

bool SameLot(const Lot& a, const Lot& b) {
  return a.program == b.program && a.expiry == b.expiry;
}

void InsertOrMerge(std::vector<Lot>* lots, const Lot& lot) {
  auto it = std::lower_bound(lots->begin(), lots->end(), lot, DrawnBefore);
  if (it != lots->end() && SameLot(*it, lot)) {
    it->amount += lot.amount;
    if (it->amount == 0) lots->erase(it);
    return;
  }
  lots->insert(it, lot);
}

// Merges the two lots of one programme whose expiries are nearest, keeping the earlier
// expiry: money may expire sooner than promised by a day or two, never later.
bool MergeNearestOfAProgram(std::vector<Lot>* lots) {
  size_t best = lots->size();
  TimeNs best_gap = kNever;
  for (size_t i = 0; i + 1 < lots->size(); ++i) {
    const Lot& a = (*lots)[i];
    const Lot& b = (*lots)[i + 1];
    if (!a.restricted() || a.program != b.program) continue;
    TimeNs gap = b.expiry - a.expiry;
    if (gap < best_gap) {
      best_gap = gap;
      best = i;
    }
  }
  if (best == lots->size()) return false;
  (*lots)[best].amount += (*lots)[best + 1].amount;
  lots->erase(lots->begin() + static_cast<std::ptrdiff_t>(best) + 1);
  return true;
}

}  // namespace

bool DrawnBefore(const Lot& a, const Lot& b) {
  return std::forward_as_tuple(!a.restricted(), a.expiry, a.program) <
         std::forward_as_tuple(!b.restricted(), b.expiry, b.program);
}

Wide SumLots(const std::vector<Lot>& lots) {
  Wide sum = 0;
  for (const Lot& lot : lots) sum += lot.amount;
  return sum;
}

TimeNs ExpiryAfter(TimeNs now, TimeNs validity_ns) {
  if (validity_ns <= 0) return kNever;
  if (now > kNever - validity_ns - kNsPerDay) return kNever;
  TimeNs at = now + validity_ns;
  TimeNs remainder = at % kNsPerDay;
  return remainder == 0 ? at : at + (kNsPerDay - remainder);
}

bool AddLots(std::vector<Lot>* into, const std::vector<Lot>& lots) {
  std::vector<Lot> result = *into;
  for (const Lot& lot : lots) {
    if (lot.amount != 0) InsertOrMerge(&result, lot);
  }
  while (result.size() > kLotsPerAccountMax) {
    if (!MergeNearestOfAProgram(&result)) return false;
  }
  *into = std::move(result);
  return true;
}

void RemoveLots(std::vector<Lot>* from, const std::vector<Lot>& lots) {
  for (const Lot& lot : lots) {
    auto it = std::lower_bound(from->begin(), from->end(), lot, DrawnBefore);
    if (it != from->end() && SameLot(*it, lot)) {
      it->amount -= lot.amount;
      if (it->amount == 0) from->erase(it);
      continue;
    }
    // Only free never-expiring money may be drawn below zero (mutual credit).
    assert(!lot.restricted() && lot.expiry == kNever);
    from->insert(it, Lot{lot.program, lot.expiry, -lot.amount});
  }
}

DrawResult DrawLots(const std::vector<Lot>& lots, const DrawRequest& request) {
  assert(request.amount > 0);
  DrawResult result;
  Wide remaining = request.amount;
  Wide expired = 0;
  Wide ineligible = 0;
  Wide free_never = 0;  // The free never-expiring lot, possibly negative.
  for (const Lot& lot : lots) {
    if (!lot.restricted() && lot.expiry == kNever) free_never = lot.amount;
    if (lot.amount <= 0) continue;
    if (lot.expiry <= request.now) {
      expired += lot.amount;
      continue;
    }
    if (lot.restricted() && request.eligible && !request.eligible(lot)) {
      ineligible += lot.amount;
      continue;
    }
    if (remaining == 0) continue;
    Amount take = static_cast<Amount>(std::min<Wide>(remaining, lot.amount));
    result.lots.push_back(Lot{lot.program, lot.expiry, take});
    remaining -= take;
  }
  if (remaining == 0) return result;
  // Mutual credit: the rest may come from free money below zero, within the limit.
  Wide floor_after = std::min<Wide>(free_never, 0) - remaining;
  Wide taken_from_free_never = 0;
  for (const Lot& lot : result.lots) {
    if (!lot.restricted() && lot.expiry == kNever) taken_from_free_never += lot.amount;
  }
  if (free_never - taken_from_free_never - remaining >= -Wide(request.credit_limit) &&
      request.credit_limit > 0) {
    std::vector<Lot> taken = result.lots;
    taken.push_back(Lot{"", kNever, static_cast<Amount>(remaining)});
    // Merge the two free never-expiring parts into one lot to remove.
    std::vector<Lot> merged;
    for (const Lot& lot : taken) {
      if (!merged.empty() && SameLot(merged.back(), lot)) {
        merged.back().amount += lot.amount;
      } else {
        merged.push_back(lot);
      }
    }
    result.lots = std::move(merged);
    return result;
  }
  (void)floor_after;
  if (remaining <= ineligible) {
    result.code = ResultCode::kPayeeNotEligible;
  } else if (remaining <= ineligible + expired) {
    result.code = ResultCode::kLotExpired;
  } else {
    result.code = ResultCode::kInsufficientFunds;
  }
  result.lots.clear();
  return result;
}

std::vector<Lot> ShareOfLots(const std::vector<Lot>& lots, Amount total, Amount part) {
  assert(total > 0 && part >= 0 && part <= total);
  std::vector<Lot> shares = lots;
  std::vector<std::pair<Wide, size_t>> remainders;
  Wide assigned = 0;
  for (size_t i = 0; i < lots.size(); ++i) {
    Wide product = Wide(lots[i].amount) * part;
    shares[i].amount = static_cast<Amount>(product / total);
    remainders.emplace_back(product % total, i);
    assigned += shares[i].amount;
  }
  // Largest remainders get the leftover units; ties go to the earlier-drawn lot.
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; assigned < part; ++k, ++assigned) shares[remainders[k].second].amount += 1;
  std::erase_if(shares, [](const Lot& lot) { return lot.amount == 0; });
  return shares;
}

std::pair<std::vector<Lot>, std::vector<Lot>> SplitLots(const std::vector<Lot>& lots,
                                                        Amount amount) {
  std::pair<std::vector<Lot>, std::vector<Lot>> parts;
  Amount remaining = amount;
  for (const Lot& lot : lots) {
    Amount take = std::min(remaining, lot.amount);
    if (take > 0) parts.first.push_back(Lot{lot.program, lot.expiry, take});
    if (lot.amount > take) parts.second.push_back(Lot{lot.program, lot.expiry, lot.amount - take});
    remaining -= take;
  }
  return parts;
}

}  // namespace kyoso::ledger
