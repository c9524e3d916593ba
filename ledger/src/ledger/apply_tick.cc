// Ticks: the ledger's own entries at the time a tick carries. Expired holds go back to
// their payers, expired lots are burned (programme money back to its budget), and
// demurrage is charged once per elapsed period.
#include <algorithm>

#include "applier.h"
#include "rules.h"

namespace kyoso::ledger {

namespace {

// Expiries handled by one tick; the rest wait for the next, so a tick stays bounded.
constexpr size_t kTickExpiriesMax = 10'000;

// Burns `lots` from `account` (which already lost them) and credits programme budgets.
void Burn(Applier& applier, const Account& account, const std::vector<Lot>& lots) {
  Wide total = 0;
  for (const Lot& lot : lots) {
    total += lot.amount;
    if (lot.restricted()) applier.MutableProgram(lot.program).returned += lot.amount;
  }
  applier.MutableCurrency(account.currency).burned += total;
}

void ExpireHolds(Applier& applier, TimeNs now, size_t* budget) {
  auto& index = applier.tick_indexes().hold_expiries;
  auto it = index.begin();
  while (it != index.end() && it->first <= now && *budget > 0) {
    auto [expires_at, id] = *it;
    std::optional<TransferRecord> hold = applier.LookupRecord(id);
    if (!hold || hold->hold_state != HoldState::kPending || hold->hold_expires_at != expires_at) {
      it = index.erase(it);  // Posted or voided since: a stale index entry.
      continue;
    }
    --*budget;
    std::vector<Lot> lots = hold->lots;
    // A payer who received so much since that the return would leave int64 (or pass the
    // lot bound with nothing to merge) keeps the hold pending: the terminal may still
    // capture it, and no money is ever dropped. It stays indexed, so every replica,
    // restarted or not, tries it again at the same ticks.
    if (!LotsAfterReturn(*applier.FindAccount(hold->request.from), lots)) {
      ++it;
      continue;
    }
    it = index.erase(it);
    uint64_t seq = 0;
    TimeNs timestamp = 0;
    applier.Stamp(&seq, &timestamp);
    ReleaseHold(applier, *hold, lots, HoldState::kExpired, TransferKind::kHoldExpiry, id);
  }
}

// Expires the lots of `id` that expire exactly at `expiry`. Each (expiry, account)
// index entry stands for those lots only, so the order of expiries depends on the
// index's order alone, never on stale entries an earlier run left behind: replicas
// that restarted at different times number these entries alike.
bool ExpireLotsOf(Applier& applier, const AccountId& id, TimeNs expiry) {
  const Account* account = applier.FindAccount(id);
  if (account == nullptr) return false;
  std::vector<Lot> expired;
  for (const Lot& lot : account->lots) {
    if (lot.expiry == expiry && lot.amount > 0) expired.push_back(lot);
  }
  if (expired.empty()) return false;  // Spent before it expired: a stale entry.
  uint64_t seq = 0;
  TimeNs timestamp = 0;
  applier.Stamp(&seq, &timestamp);
  Account& mutable_account = applier.MutableAccount(id);
  RemoveLots(&mutable_account.lots, expired);
  ReconcileTopUpBasis(mutable_account);
  Burn(applier, mutable_account, expired);
  applier.Journal(mutable_account, TransferKind::kExpiry, TransferId{},
                  -static_cast<Amount>(SumLots(expired)));
  return true;
}

void ExpireLots(Applier& applier, TimeNs now, size_t* budget) {
  auto& index = applier.tick_indexes().lot_expiries;
  while (!index.empty() && index.begin()->first <= now && *budget > 0) {
    auto [expiry, id] = *index.begin();
    index.erase(index.begin());
    if (ExpireLotsOf(applier, id, expiry)) --*budget;
  }
}

void ChargeDemurrageOn(Applier& applier, const AccountId& id, const Rational& rate, TimeNs now) {
  const Account& account = *applier.FindAccount(id);
  Wide positive = 0;
  for (const Lot& lot : account.lots) {
    if (lot.amount > 0 && lot.expiry > now) positive += lot.amount;
  }
  std::optional<Amount> fee = ApplyRate(static_cast<Amount>(positive), rate);
  if (!fee || *fee <= 0) return;
  DrawResult draw = DrawLots(account.lots, DrawRequest{*fee, now, 0, nullptr});
  if (draw.code != ResultCode::kOk) return;
  uint64_t seq = 0;
  TimeNs timestamp = 0;
  applier.Stamp(&seq, &timestamp);
  Account& mutable_account = applier.MutableAccount(id);
  RemoveLots(&mutable_account.lots, draw.lots);
  ReconcileTopUpBasis(mutable_account);
  Burn(applier, mutable_account, draw.lots);
  applier.Journal(mutable_account, TransferKind::kDemurrage, TransferId{}, -*fee);
}

void ChargeDemurrage(Applier& applier, TimeNs now) {
  for (const auto& [code, currency] : applier.state().currencies) {
    if (currency.demurrage_period_ns <= 0 || now < currency.demurrage_next_at) continue;
    // Replicas iterate accounts in the same order, so entries get the same numbers.
    std::vector<AccountId> holders;
    for (const auto& entry : applier.state().accounts.entries()) {
      if (entry->currency == code && KindIn(*entry, kWalletKinds)) holders.push_back(entry->id);
    }
    std::sort(holders.begin(), holders.end());
    Currency& mutable_currency = applier.MutableCurrency(code);
    for (int period = 0;
         period < kDemurragePeriodsPerTickMax && now >= mutable_currency.demurrage_next_at;
         ++period) {
      for (const AccountId& id : holders) {
        ChargeDemurrageOn(applier, id, mutable_currency.demurrage_rate, now);
      }
      mutable_currency.demurrage_next_at += mutable_currency.demurrage_period_ns;
    }
  }
}

}  // namespace

void ApplyTick(Applier& applier) {
  TimeNs now = applier.now();
  size_t budget = kTickExpiriesMax;
  ExpireHolds(applier, now, &budget);
  ExpireLots(applier, now, &budget);
  ChargeDemurrage(applier, now);
}

}  // namespace kyoso::ledger
