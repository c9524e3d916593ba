#include "kyoso/ledger/lots.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace kyoso::ledger {
namespace {

bool SameLot(const Lot& a, const Lot& b) {
  return a.program == b.program && a.expiry == b.expiry;
}

// Returns false when the merged lot would leave int64.
bool InsertOrMerge(std::vector<Lot>* lots, const Lot& lot) {
  auto it = std::lower_bound(lots->begin(), lots->end(), lot, DrawnBefore);
  if (it != lots->end() && SameLot(*it, lot)) {
    if (__builtin_add_overflow(it->amount, lot.amount, &it->amount)) return false;
    if (it->amount == 0) lots->erase(it);
    return true;
  }
  lots->insert(it, lot);
  return true;
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
  if (__builtin_add_overflow((*lots)[best].amount, (*lots)[best + 1].amount,
                             &(*lots)[best].amount)) {
    return false;
  }
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
  if (lots.empty()) return true;  // Nothing to add: spare the copy.
  std::vector<Lot> result = *into;
  if (!AddLotsInPlace(&result, lots)) return false;
  *into = std::move(result);
  return true;
}

bool AddLotsInPlace(std::vector<Lot>* into, const std::vector<Lot>& lots) {
  for (const Lot& lot : lots) {
    if (lot.amount != 0 && !InsertOrMerge(into, lot)) return false;
  }
  while (into->size() > kLotsPerAccountMax) {
    if (!MergeNearestOfAProgram(into)) return false;
  }
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
  if (request.credit_limit > 0) {
    Lot* free_part = nullptr;
    for (Lot& lot : result.lots) {
      if (!lot.restricted() && lot.expiry == kNever) free_part = &lot;
    }
    Wide already_taken = free_part ? free_part->amount : 0;
    if (free_never - already_taken - remaining >= -Wide(request.credit_limit)) {
      if (free_part == nullptr) {
        result.lots.push_back(Lot{"", kNever, 0});
        free_part = &result.lots.back();
      }
      free_part->amount += static_cast<Amount>(remaining);
      return result;
    }
  }
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
