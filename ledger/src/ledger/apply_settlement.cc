// Money out and across: redemption, a resident's cash-out, and exchange between
// currencies.
#include <cctype>

#include "applier.h"
#include "rules.h"

namespace kyoso::ledger {
namespace {

// Redemption and cash-out are paid by the issuer: `to` names its account.
ResultCode LoadSettlement(const Applier& applier, const TransferRequest& q, const Account** payer,
                          const Currency** currency) {
  *payer = applier.FindAccount(q.from);
  if (ResultCode code = CheckUsable(*payer); code != ResultCode::kOk) return code;
  *currency = applier.FindCurrency((*payer)->currency);
  if (q.to != (*currency)->issuer_account) return ResultCode::kAccountKindMismatch;
  if (!(*currency)->backed()) return ResultCode::kNotBacked;
  return ResultCode::kOk;
}

AccountId ClearingAccountOf(const CurrencyCode& code) {
  AccountId id = "xch:";
  for (char c : code) id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return id;
}

}  // namespace

ResultCode ApplyRedeem(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  const Account* payer = nullptr;
  const Currency* currency = nullptr;
  ResultCode code = LoadSettlement(applier, q, &payer, &currency);
  if (code != ResultCode::kOk) return code;
  if (!KindIn(*payer, kBusinessKinds)) return ResultCode::kPayerNotAllowed;
  TimeNs now = applier.now();
  DrawResult draw = DrawLots(payer->lots, DrawRequest{q.amount, now, payer->credit_limit,
                                                      RedeemEligibility(applier, *payer, now)});
  if (draw.code == ResultCode::kPayeeNotEligible) return ResultCode::kNotRedeemable;
  if (draw.code != ResultCode::kOk) return draw.code;
  std::optional<Amount> fee = ApplyRate(q.amount, FromBasisPoints(currency->redemption_fee_bps));
  if (!fee) return ResultCode::kOverflow;
  Amount net = q.amount - *fee;
  if (currency->reserve < net) return ResultCode::kInsufficientFunds;
  std::vector<Lot> fee_lots = SplitLots(draw.lots, *fee).first;
  const Account* fee_account = applier.FindAccount(currency->fee_account);
  std::vector<Lot> fee_account_lots;
  if ((code = PrepareCredit(*fee_account, fee_lots, &fee_account_lots)) != ResultCode::kOk) {
    return code;
  }

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = currency->code;
  record.lots = draw.lots;
  record.fee = *fee;
  record.settled = net;
  Account& from = applier.MutableAccount(q.from);
  RemoveLots(&from.lots, draw.lots);
  ReconcileTopUpBasis(from);
  applier.Journal(from, q.kind, q.id, -q.amount);
  if (*fee > 0) {
    Account& fees = applier.MutableAccount(currency->fee_account);
    MintLots(applier, fees, std::move(fee_account_lots));
    applier.Journal(fees, q.kind, q.id, *fee);
  }
  Currency& mutable_currency = applier.MutableCurrency(record.currency);
  mutable_currency.burned += net;
  mutable_currency.reserve -= net;
  return ResultCode::kOk;
}

namespace {

// Per programme, the incentive to give back when `amount` of `free_balance` is cashed
// out, and the principal it releases. Fails when a programme forbids cash-out.
struct Clawback {
  ProgramId program;
  Amount principal = 0;
  Amount incentive = 0;
};

ResultCode ComputeClawbacks(const Applier& applier, const Account& account, Amount amount,
                            std::vector<Clawback>* clawbacks) {
  Wide free_balance = 0;
  for (const Lot& lot : account.lots) {
    if (!lot.restricted() && lot.amount > 0) free_balance += lot.amount;
  }
  for (const ProgramUsage& usage : account.usage) {
    if (usage.topup_outstanding == 0) continue;
    const Program* program = applier.FindProgram(usage.program);
    const ProgramRules* rules = program ? program->RulesAt(applier.now()) : nullptr;
    if (rules == nullptr || !rules->cash_out_allowed) return ResultCode::kCashOutNotAllowed;
    auto principal = MulDivHalfEven(usage.topup_outstanding, amount, free_balance);
    if (!principal) return ResultCode::kOverflow;
    Wide capped = std::min<Wide>(*principal, usage.topup_outstanding);
    auto incentive = MulDivHalfEven(usage.incentive_outstanding, capped, usage.topup_outstanding);
    if (!incentive) return ResultCode::kOverflow;
    clawbacks->push_back(
        Clawback{usage.program, static_cast<Amount>(capped), static_cast<Amount>(*incentive)});
  }
  return ResultCode::kOk;
}

}  // namespace

ResultCode ApplyCashOut(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  const Account* payer = nullptr;
  const Currency* currency = nullptr;
  ResultCode code = LoadSettlement(applier, q, &payer, &currency);
  if (code != ResultCode::kOk) return code;
  if (payer->kind != AccountKind::kResident) return ResultCode::kPayerNotAllowed;
  // Only free money goes back: programme money was never national money.
  auto free_only = [](const Lot&) { return false; };
  DrawResult draw = DrawLots(payer->lots, DrawRequest{q.amount, applier.now(), 0, free_only});
  if (draw.code == ResultCode::kPayeeNotEligible) return ResultCode::kCashOutNotAllowed;
  if (draw.code != ResultCode::kOk) return draw.code;
  std::vector<Clawback> clawbacks;
  if ((code = ComputeClawbacks(applier, *payer, q.amount, &clawbacks)) != ResultCode::kOk) {
    return code;
  }
  Amount clawed = 0;
  for (const Clawback& c : clawbacks) clawed += c.incentive;
  Amount settled = q.amount - clawed;
  if (currency->reserve < settled) return ResultCode::kInsufficientFunds;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = currency->code;
  record.lots = draw.lots;
  record.incentive = clawed;
  record.settled = settled;
  Account& from = applier.MutableAccount(q.from);
  RemoveLots(&from.lots, draw.lots);
  for (const Clawback& c : clawbacks) {
    for (ProgramUsage& usage : from.usage) {
      if (usage.program != c.program) continue;
      usage.topup_outstanding -= c.principal;
      usage.incentive_outstanding -= c.incentive;
    }
    applier.MutableProgram(c.program).returned += c.incentive;
  }
  ReconcileTopUpBasis(from);
  applier.Journal(from, q.kind, q.id, -q.amount);
  Currency& mutable_currency = applier.MutableCurrency(record.currency);
  mutable_currency.burned += q.amount;
  mutable_currency.reserve -= settled;
  return ResultCode::kOk;
}

namespace {

struct ExchangeLegs {
  const Account* payer;
  const Account* payee;
  const Account* clearing_from;
  const Account* clearing_to;
  const Account* fee_account;
  ExchangeRate rate;
};

ResultCode LoadExchange(const Applier& applier, const TransferRequest& q, ExchangeLegs* legs) {
  if (q.from == q.to) return ResultCode::kSameAccount;
  legs->payer = applier.FindAccount(q.from);
  legs->payee = applier.FindAccount(q.to);
  if (ResultCode code = CheckUsable(legs->payer); code != ResultCode::kOk) return code;
  if (ResultCode code = CheckUsable(legs->payee); code != ResultCode::kOk) return code;
  if (!KindIn(*legs->payer, kWalletKinds)) return ResultCode::kPayerNotAllowed;
  if (!KindIn(*legs->payee, kWalletKinds)) return ResultCode::kAccountKindMismatch;
  const CurrencyCode& from = legs->payer->currency;
  const CurrencyCode& to = legs->payee->currency;
  if (from == to) return ResultCode::kCurrencyMismatch;
  const auto& rates = applier.state().rates;
  auto versions = rates.find({from, to});
  if (versions == rates.end()) return ResultCode::kRateMissing;
  const ExchangeRate* in_force = nullptr;
  for (const ExchangeRate& rate : versions->second) {
    if (rate.effective_at <= applier.now()) in_force = &rate;
  }
  if (in_force == nullptr) return ResultCode::kRateMissing;
  legs->rate = *in_force;
  legs->clearing_from = applier.FindAccount(ClearingAccountOf(from));
  legs->clearing_to = applier.FindAccount(ClearingAccountOf(to));
  if (ResultCode code = CheckUsable(legs->clearing_from); code != ResultCode::kOk) return code;
  if (ResultCode code = CheckUsable(legs->clearing_to); code != ResultCode::kOk) return code;
  legs->fee_account = applier.FindAccount(applier.FindCurrency(from)->fee_account);
  return ResultCode::kOk;
}

}  // namespace

ResultCode ApplyExchange(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  ExchangeLegs legs{};
  ResultCode code = LoadExchange(applier, q, &legs);
  if (code != ResultCode::kOk) return code;
  TimeNs now = applier.now();
  std::optional<Amount> fee = ApplyRate(q.amount, FromBasisPoints(legs.rate.fee_bps));
  if (!fee) return ResultCode::kOverflow;
  std::optional<Amount> credited = ApplyRate(q.amount - *fee, legs.rate.rate);
  if (!credited) return ResultCode::kOverflow;
  if (*credited <= 0) return ResultCode::kAmountNotPositive;
  DrawResult paid =
      DrawLots(legs.payer->lots, DrawRequest{q.amount, now, legs.payer->credit_limit,
                                             PayeeEligibility(applier, *legs.clearing_from, now)});
  if (paid.code != ResultCode::kOk) return paid.code;
  auto [fee_lots, clearing_lots] = SplitLots(paid.lots, *fee);
  DrawResult out =
      DrawLots(legs.clearing_to->lots, DrawRequest{*credited, now, legs.clearing_to->credit_limit,
                                                   PayeeEligibility(applier, *legs.payee, now)});
  if (out.code != ResultCode::kOk) return ResultCode::kInsufficientFunds;
  std::vector<Lot> clearing_from_lots, fee_account_lots, payee_lots;
  if ((code = PrepareCredit(*legs.clearing_from, clearing_lots, &clearing_from_lots)) !=
          ResultCode::kOk ||
      (code = PrepareCredit(*legs.fee_account, fee_lots, &fee_account_lots)) != ResultCode::kOk ||
      (code = PrepareCredit(*legs.payee, out.lots, &payee_lots)) != ResultCode::kOk) {
    return code;
  }

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = legs.payer->currency;
  record.lots = paid.lots;
  record.fee = *fee;
  record.credited = *credited;
  // The payer's one line covers both legs it pays: the clearing account and the fee.
  Account& from = applier.MutableAccount(q.from);
  RemoveLots(&from.lots, paid.lots);
  ReconcileTopUpBasis(from);
  applier.Journal(from, q.kind, q.id, -q.amount);
  Account& clearing = applier.MutableAccount(legs.clearing_from->id);
  MintLots(applier, clearing, std::move(clearing_from_lots));
  applier.Journal(clearing, q.kind, q.id, q.amount - *fee);
  if (*fee > 0) {
    Account& fees = applier.MutableAccount(legs.fee_account->id);
    MintLots(applier, fees, std::move(fee_account_lots));
    applier.Journal(fees, q.kind, q.id, *fee);
  }
  MoveLots(applier, *legs.clearing_to, *legs.payee, out.lots, std::move(payee_lots), record);
  return ResultCode::kOk;
}

}  // namespace kyoso::ledger
