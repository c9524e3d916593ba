// What terminals do: hold (authorise), post (capture), void, and refund.
#include <algorithm>
#include <cassert>
#include <limits>

#include "applier.h"
#include "rules.h"

namespace kyoso::ledger {

namespace {

// The pending hold that a post or void refers to, with matching parties.
ResultCode LoadHold(Applier& applier, const TransferRequest& q, TransferRecord* hold) {
  std::optional<TransferRecord> found = applier.LookupRecord(q.ref);
  if (!found || found->result != ResultCode::kOk || found->request.kind != TransferKind::kHold) {
    return ResultCode::kTransferNotFound;
  }
  if (found->request.from != q.from || found->request.to != q.to) {
    return ResultCode::kPartiesMismatch;
  }
  if (found->hold_state != HoldState::kPending) return ResultCode::kHoldNotPending;
  *hold = std::move(*found);
  return ResultCode::kOk;
}

// Lots a payer takes back came from it, yet the payer may have received money since:
// the return is refused when the balance would leave int64, or past the lot bound.
ResultCode CheckReturn(const Account& payer, const std::vector<Lot>& lots) {
  if (SumLots(payer.lots) + SumLots(lots) > std::numeric_limits<Amount>::max()) {
    return ResultCode::kOverflow;
  }
  std::vector<Lot> after = payer.lots;
  return AddLots(&after, lots) ? ResultCode::kOk : ResultCode::kLotsLimitExceeded;
}

// Marks a hold ended and drops it from the expiry index.
void EndHold(Applier& applier, TransferRecord& hold, HoldState end_state) {
  hold.hold_state = end_state;
  applier.DeleteHold(hold.hold_expires_at, hold.request.id);
  applier.PutRecord(hold);
}

}  // namespace

std::optional<std::vector<Lot>> LotsAfterReturn(const Account& payer,
                                                const std::vector<Lot>& lots) {
  if (SumLots(payer.lots) + SumLots(lots) > std::numeric_limits<Amount>::max()) {
    return std::nullopt;
  }
  std::vector<Lot> after = payer.lots;
  if (AddLots(&after, lots)) return after;
  // Past the lot bound even after merging programme lots: the money goes back as free
  // money, which is where it is safest.
  if (AddLots(&after, {Lot{"", kNever, static_cast<Amount>(SumLots(lots))}})) return after;
  return std::nullopt;
}

void ReleaseHold(Applier& applier, TransferRecord& hold, const std::vector<Lot>& lots,
                 HoldState end_state, TransferKind kind, const TransferId& entry_id) {
  Amount amount = static_cast<Amount>(SumLots(lots));
  Account& payer = applier.MutableAccount(hold.request.from);
  std::optional<std::vector<Lot>> after = LotsAfterReturn(payer, lots);
  assert(after.has_value());  // Callers check CheckReturn or LotsAfterReturn first.
  payer.lots = std::move(*after);
  applier.IndexLotExpiries(payer);
  CountSpend(payer, -amount, applier.current_timestamp());
  applier.Journal(payer, kind, entry_id, amount);
  applier.MutableCurrency(hold.currency).held -= amount;
  EndHold(applier, hold, end_state);
}

ResultCode ApplyHold(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  const Account* payer = nullptr;
  const Account* payee = nullptr;
  ResultCode code = LoadParties(applier, q, &payer, &payee);
  if (code != ResultCode::kOk) return code;
  if (!KindIn(*payer, kWalletKinds)) return ResultCode::kPayerNotAllowed;
  if (!KindIn(*payee, kBusinessKinds)) return ResultCode::kAccountKindMismatch;
  TimeNs now = applier.now();
  if ((code = CheckSpendCap(*payer, q.amount, now)) != ResultCode::kOk) return code;
  DrawResult draw = DrawLots(payer->lots, DrawRequest{q.amount, now, payer->credit_limit,
                                                      PayeeEligibility(applier, *payee, now)});
  if (draw.code != ResultCode::kOk) return draw.code;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = payer->currency;
  record.lots = draw.lots;
  record.hold_state = HoldState::kPending;
  record.hold_expires_at = record.timestamp + q.hold_timeout_ns;
  Account& from = applier.MutableAccount(q.from);
  RemoveLots(&from.lots, draw.lots);
  ReconcileTopUpBasis(from);
  CountSpend(from, q.amount, now);
  applier.Journal(from, q.kind, q.id, -q.amount);
  applier.MutableCurrency(record.currency).held += q.amount;
  applier.PutHold(record.hold_expires_at, q.id);
  return ResultCode::kOk;
}

ResultCode ApplyPost(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  TransferRecord hold;
  ResultCode code = LoadHold(applier, q, &hold);
  if (code != ResultCode::kOk) return code;
  if (applier.now() >= hold.hold_expires_at) return ResultCode::kHoldExpired;
  if (q.amount > hold.request.amount) return ResultCode::kPostExceedsHold;
  const Account* payee = applier.FindAccount(q.to);
  if ((code = CheckUsable(payee)) != ResultCode::kOk) return code;
  auto [captured, returned] = SplitLots(hold.lots, q.amount);
  std::vector<Lot> payee_lots;
  if ((code = PrepareCredit(*payee, captured, &payee_lots)) != ResultCode::kOk) return code;
  if ((code = CheckReturn(*applier.FindAccount(q.from), returned)) != ResultCode::kOk) return code;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = hold.currency;
  record.lots = captured;
  Account& to = applier.MutableAccount(q.to);
  MintLots(applier, to, std::move(payee_lots));
  applier.Journal(to, q.kind, q.id, q.amount);
  applier.MutableCurrency(hold.currency).held -= q.amount;
  hold.posted = q.amount;
  if (returned.empty()) {
    EndHold(applier, hold, HoldState::kPosted);
  } else {
    ReleaseHold(applier, hold, returned, HoldState::kPosted, q.kind, q.id);
  }
  return ResultCode::kOk;
}

ResultCode ApplyVoid(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  TransferRecord hold;
  ResultCode code = LoadHold(applier, q, &hold);
  if (code != ResultCode::kOk) return code;
  // A void releases the whole hold; an amount, if given, must say so.
  if (q.amount != 0 && q.amount != hold.request.amount) return ResultCode::kPostExceedsHold;
  if ((code = CheckReturn(*applier.FindAccount(q.from), hold.lots)) != ResultCode::kOk) {
    return code;
  }
  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = hold.currency;
  record.lots = hold.lots;
  ReleaseHold(applier, hold, hold.lots, HoldState::kVoided, q.kind, q.id);
  return ResultCode::kOk;
}

namespace {

// The merchant's lots that pay a refund: first the very lots the payment brought, then
// (if it has spent those) any of its money in drawing order.
ResultCode RefundDebit(const Account& merchant, const std::vector<Lot>& shares, TimeNs now,
                       std::vector<Lot>* debit) {
  std::vector<Lot> remaining = merchant.lots;
  Amount shortfall = 0;
  for (const Lot& share : shares) {
    Amount held = 0;
    for (const Lot& lot : remaining) {
      if (lot.program == share.program && lot.expiry == share.expiry) held = lot.amount;
    }
    Amount take = std::clamp<Amount>(held, 0, share.amount);
    if (take > 0) {
      debit->push_back(Lot{share.program, share.expiry, take});
      RemoveLots(&remaining, {debit->back()});
    }
    shortfall += share.amount - take;
  }
  if (shortfall == 0) return ResultCode::kOk;
  DrawResult draw =
      DrawLots(remaining, DrawRequest{shortfall, now, merchant.credit_limit, nullptr});
  if (draw.code != ResultCode::kOk) return draw.code;
  debit->insert(debit->end(), draw.lots.begin(), draw.lots.end());
  return ResultCode::kOk;
}

}  // namespace

ResultCode ApplyRefund(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  std::optional<TransferRecord> original = applier.LookupRecord(q.ref);
  if (!original || original->result != ResultCode::kOk) return ResultCode::kTransferNotFound;
  TransferKind kind = original->request.kind;
  if (kind != TransferKind::kPayment && kind != TransferKind::kPurchase &&
      kind != TransferKind::kPost) {
    return ResultCode::kNotRefundable;
  }
  if (q.from != original->request.to || q.to != original->request.from) {
    return ResultCode::kPartiesMismatch;
  }
  if (q.amount > original->request.amount - original->refunded) {
    return ResultCode::kRefundExceedsPayment;
  }
  const Account* merchant = applier.FindAccount(q.from);
  const Account* payer = applier.FindAccount(q.to);
  ResultCode code = CheckUsable(merchant);
  if (code != ResultCode::kOk || (code = CheckUsable(payer)) != ResultCode::kOk) return code;
  std::vector<Lot> shares = ShareOfLots(original->lots, original->request.amount, q.amount);
  std::vector<Lot> debit;
  if ((code = RefundDebit(*merchant, shares, applier.now(), &debit)) != ResultCode::kOk) {
    return code;
  }
  std::vector<Lot> payer_lots;
  if ((code = PrepareCredit(*payer, shares, &payer_lots)) != ResultCode::kOk) return code;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = original->currency;
  record.lots = shares;
  Account& from = applier.MutableAccount(q.from);
  RemoveLots(&from.lots, debit);
  applier.Journal(from, q.kind, q.id, -q.amount);
  Account& to = applier.MutableAccount(q.to);
  MintLots(applier, to, std::move(payer_lots));
  CountSpend(to, -q.amount, record.timestamp);
  applier.Journal(to, q.kind, q.id, q.amount);
  original->refunded += q.amount;
  applier.PutRecord(*original);
  return ResultCode::kOk;
}

}  // namespace kyoso::ledger
