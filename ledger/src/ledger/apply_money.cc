// Money in and between wallets: issue, top-up, payment, purchase, correction; and the
// dispatch of every transfer kind.
#include "applier.h"
#include "rules.h"
#include "validate.h"

namespace kyoso::ledger {

ResultCode ApplyHold(Applier& applier, TransferRecord& record);
ResultCode ApplyPost(Applier& applier, TransferRecord& record);
ResultCode ApplyVoid(Applier& applier, TransferRecord& record);
ResultCode ApplyRefund(Applier& applier, TransferRecord& record);
ResultCode ApplyRedeem(Applier& applier, TransferRecord& record);
ResultCode ApplyCashOut(Applier& applier, TransferRecord& record);
ResultCode ApplyExchange(Applier& applier, TransferRecord& record);

namespace {

// The issuer's account must be the source of newly created money.
ResultCode LoadIssuerAndRecipient(const Applier& applier, const TransferRequest& request,
                                  const Currency** currency, const Account** recipient) {
  if (request.from == request.to) return ResultCode::kSameAccount;
  const Account* issuer = applier.FindAccount(request.from);
  *recipient = applier.FindAccount(request.to);
  if (ResultCode code = CheckUsable(issuer); code != ResultCode::kOk) return code;
  if (ResultCode code = CheckUsable(*recipient); code != ResultCode::kOk) return code;
  *currency = applier.FindCurrency(issuer->currency);
  if ((*currency)->issuer_account != issuer->id) return ResultCode::kAccountKindMismatch;
  if ((*recipient)->currency != issuer->currency) return ResultCode::kCurrencyMismatch;
  return ResultCode::kOk;
}

ResultCode LoadProgram(const Applier& applier, const ProgramId& id, const Account& account,
                       const Program** program) {
  *program = applier.FindProgram(id);
  if (*program == nullptr) return ResultCode::kProgramNotFound;
  if ((*program)->currency != account.currency) return ResultCode::kCurrencyMismatch;
  TimeNs now = applier.now();
  if (now < (*program)->valid_from || now >= (*program)->valid_until) {
    return ResultCode::kProgramNotActive;
  }
  if ((*program)->RulesAt(now) == nullptr) return ResultCode::kRulesNotInForce;
  return ResultCode::kOk;
}

ResultCode ApplyIssue(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  const Currency* currency = nullptr;
  const Account* recipient = nullptr;
  ResultCode code = LoadIssuerAndRecipient(applier, q, &currency, &recipient);
  if (code != ResultCode::kOk) return code;
  TimeNs now = applier.now();
  Lot lot{"", ExpiryAfter(now, currency->default_lot_validity_ns), q.amount};
  if (!q.program.empty()) {
    const Program* program = nullptr;
    if ((code = LoadProgram(applier, q.program, *recipient, &program)) != ResultCode::kOk) {
      return code;
    }
    code = CheckProgramPayout(*program, *recipient, q.amount, now);
    if (code != ResultCode::kOk) return code;
    lot = Lot{program->id, ExpiryAfter(now, program->RulesAt(now)->lot_validity_ns), q.amount};
  }
  std::vector<Lot> new_lots;
  if ((code = PrepareCredit(*recipient, {lot}, &new_lots)) != ResultCode::kOk) return code;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = currency->code;
  record.lots = {lot};
  Account& account = applier.MutableAccount(q.to);
  MintLots(applier, account, std::move(new_lots));
  if (!q.program.empty()) BookProgramPayout(applier, account, q.program, q.amount, now);
  BookIssuance(applier, record.currency, q.amount);
  applier.Journal(account, q.kind, q.id, q.amount);
  return ResultCode::kOk;
}

// The incentive a top-up earns under `program` now, limited by budget and caps.
ResultCode TopUpIncentive(const Applier& applier, const TransferRequest& q,
                          const Account& recipient, Lot* bonus) {
  const Program* program = nullptr;
  ResultCode code = LoadProgram(applier, q.program, recipient, &program);
  if (code != ResultCode::kOk) return code;
  const ProgramRules& rules = *program->RulesAt(applier.now());
  std::optional<Amount> wanted = ApplyRate(q.amount, FromBasisPoints(rules.bonus_bps));
  if (!wanted) return ResultCode::kOverflow;
  Amount granted = GrantableIncentive(*program, recipient, *wanted, applier.now());
  *bonus = Lot{program->id, ExpiryAfter(applier.now(), rules.lot_validity_ns), granted};
  return ResultCode::kOk;
}

ResultCode ApplyTopUp(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  const Currency* currency = nullptr;
  const Account* recipient = nullptr;
  ResultCode code = LoadIssuerAndRecipient(applier, q, &currency, &recipient);
  if (code != ResultCode::kOk) return code;
  if (!currency->backed()) return ResultCode::kNotBacked;
  if (!KindIn(*recipient, kWalletKinds)) return ResultCode::kAccountKindMismatch;
  Lot bonus;
  if (!q.program.empty()) {
    if ((code = TopUpIncentive(applier, q, *recipient, &bonus)) != ResultCode::kOk) return code;
  }
  std::vector<Lot> new_lots;
  code = PrepareCredit(*recipient, {Lot{"", kNever, q.amount}, bonus}, &new_lots);
  if (code != ResultCode::kOk) return code;

  TimeNs now = applier.now();
  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = currency->code;
  record.incentive = bonus.amount;
  Account& account = applier.MutableAccount(q.to);
  MintLots(applier, account, std::move(new_lots));
  if (bonus.amount > 0) {
    BookProgramPayout(applier, account, q.program, bonus.amount, now);
    for (ProgramUsage& usage : account.usage) {
      if (usage.program != q.program) continue;
      usage.topup_outstanding = SaturatingAdd(usage.topup_outstanding, q.amount);
      usage.incentive_outstanding = SaturatingAdd(usage.incentive_outstanding, bonus.amount);
    }
  }
  BookIssuance(applier, record.currency, q.amount + bonus.amount);
  applier.Journal(account, q.kind, q.id, q.amount + bonus.amount);
  return ResultCode::kOk;
}

// A cash-back the payer earns by paying under `program`, or why the payment fails.
ResultCode CashBack(const Applier& applier, const TransferRequest& q, const Account& payer,
                    const Account& payee, Lot* cash_back) {
  const Program* program = nullptr;
  ResultCode code = LoadProgram(applier, q.program, payer, &program);
  if (code != ResultCode::kOk) return code;
  const ProgramRules& rules = *program->RulesAt(applier.now());
  if (!RulesAdmitPayee(rules, payee)) return ResultCode::kPayeeNotEligible;
  std::optional<Amount> wanted = ApplyRate(q.amount, FromBasisPoints(rules.cashback_bps));
  if (!wanted) return ResultCode::kOverflow;
  Amount granted = GrantableIncentive(*program, payer, *wanted, applier.now());
  *cash_back = Lot{program->id, ExpiryAfter(applier.now(), rules.lot_validity_ns), granted};
  return ResultCode::kOk;
}

// Payment (resident to business) and purchase (business to business).
ResultCode ApplySpend(Applier& applier, TransferRecord& record, AccountKindMask payer_kinds) {
  const TransferRequest& q = record.request;
  const Account* payer = nullptr;
  const Account* payee = nullptr;
  ResultCode code = LoadParties(applier, q, &payer, &payee);
  if (code != ResultCode::kOk) return code;
  if (!KindIn(*payer, payer_kinds)) return ResultCode::kPayerNotAllowed;
  if (!KindIn(*payee, kBusinessKinds)) return ResultCode::kAccountKindMismatch;
  TimeNs now = applier.now();
  Lot cash_back;
  if (!q.program.empty()) {
    if ((code = CashBack(applier, q, *payer, *payee, &cash_back)) != ResultCode::kOk) return code;
  }
  if ((code = CheckSpendCap(*payer, q.amount, now)) != ResultCode::kOk) return code;
  DrawResult draw = DrawLots(payer->lots, DrawRequest{q.amount, now, payer->credit_limit,
                                                      PayeeEligibility(applier, *payee, now)});
  if (draw.code != ResultCode::kOk) return draw.code;
  std::vector<Lot> payee_lots;
  if ((code = PrepareCredit(*payee, draw.lots, &payee_lots)) != ResultCode::kOk) return code;
  std::vector<Lot> minted;
  if (cash_back.amount > 0) {
    std::vector<Lot> payer_after = payer->lots;
    RemoveLots(&payer_after, draw.lots);
    if (!AddLots(&payer_after, {cash_back})) return ResultCode::kLotsLimitExceeded;
    minted.push_back(cash_back);
  }

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = payer->currency;
  record.lots = std::move(draw.lots);
  record.incentive = cash_back.amount;
  MoveLots(applier, *payer, *payee, record.lots, std::move(payee_lots), record, minted);
  Account& from = applier.MutableAccount(*payer);
  CountSpend(from, q.amount, now);
  if (cash_back.amount > 0) {
    BookProgramPayout(applier, from, q.program, cash_back.amount, now);
    BookIssuance(applier, record.currency, cash_back.amount);
  }
  return ResultCode::kOk;
}

ResultCode ApplyCorrection(Applier& applier, TransferRecord& record) {
  const TransferRequest& q = record.request;
  if (q.memo.empty()) return ResultCode::kMemoRequired;  // A correction says why.
  if (q.from == q.to) return ResultCode::kSameAccount;
  const Account* payer = applier.FindAccount(q.from);
  const Account* payee = applier.FindAccount(q.to);
  // Corrections reach frozen accounts too: freezing is often why one is needed.
  for (const Account* account : {payer, payee}) {
    if (account == nullptr) return ResultCode::kAccountNotFound;
    if (account->status == AccountStatus::kClosed) return ResultCode::kAccountClosed;
  }
  if (payer->currency != payee->currency) return ResultCode::kCurrencyMismatch;
  DrawResult draw =
      DrawLots(payer->lots, DrawRequest{q.amount, applier.now(), payer->credit_limit, nullptr});
  if (draw.code != ResultCode::kOk) return draw.code;
  std::vector<Lot> payee_lots;
  ResultCode code = PrepareCredit(*payee, draw.lots, &payee_lots);
  if (code != ResultCode::kOk) return code;

  applier.Stamp(&record.seq, &record.timestamp);
  record.currency = payer->currency;
  record.lots = draw.lots;
  MoveLots(applier, *payer, *payee, draw.lots, std::move(payee_lots), record);
  return ResultCode::kOk;
}

}  // namespace

ResultCode ApplyTransferKind(Applier& applier, TransferRecord& record) {
  if (ResultCode code = ValidateTransferShape(record.request); code != ResultCode::kOk) {
    return code;
  }
  switch (record.request.kind) {
    case TransferKind::kIssue:
      return ApplyIssue(applier, record);
    case TransferKind::kTopUp:
      return ApplyTopUp(applier, record);
    case TransferKind::kPayment:
      return ApplySpend(applier, record, KindBit(AccountKind::kResident));
    case TransferKind::kPurchase:
      return ApplySpend(applier, record, kBusinessKinds);
    case TransferKind::kRefund:
      return ApplyRefund(applier, record);
    case TransferKind::kRedeem:
      return ApplyRedeem(applier, record);
    case TransferKind::kExchange:
      return ApplyExchange(applier, record);
    case TransferKind::kCorrection:
      return ApplyCorrection(applier, record);
    case TransferKind::kHold:
      return ApplyHold(applier, record);
    case TransferKind::kPost:
      return ApplyPost(applier, record);
    case TransferKind::kVoid:
      return ApplyVoid(applier, record);
    case TransferKind::kCashOut:
      return ApplyCashOut(applier, record);
    case TransferKind::kExpiry:
    case TransferKind::kDemurrage:
    case TransferKind::kHoldExpiry:
      break;  // The ledger makes these itself when a tick runs; nobody submits them.
  }
  return ResultCode::kPayerNotAllowed;
}

}  // namespace kyoso::ledger
