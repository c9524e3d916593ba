#include "rules.h"

#include <algorithm>
#include <cassert>
#include <chrono>

namespace kyoso::ledger {

Amount SaturatingAdd(Amount a, Amount b) {
  Amount sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<Amount>::max() : std::numeric_limits<Amount>::min();
}

bool KindIn(const Account& account, AccountKindMask kinds) {
  return (KindBit(account.kind) & kinds) != 0;
}

int32_t MonthOf(TimeNs at) {
  using namespace std::chrono;
  auto days = sys_days{} + std::chrono::days{at / kNsPerDay - (at % kNsPerDay < 0 ? 1 : 0)};
  year_month_day date{days};
  return (static_cast<int32_t>(date.year()) - 1970) * 12 +
         static_cast<int32_t>(static_cast<unsigned>(date.month())) - 1;
}

ResultCode CheckUsable(const Account* account) {
  if (account == nullptr) return ResultCode::kAccountNotFound;
  if (account->status == AccountStatus::kFrozen) return ResultCode::kAccountFrozen;
  if (account->status == AccountStatus::kClosed) return ResultCode::kAccountClosed;
  return ResultCode::kOk;
}

ResultCode LoadParties(const Applier& applier, const TransferRequest& request,
                       const Account** payer, const Account** payee) {
  if (request.from == request.to) return ResultCode::kSameAccount;
  *payer = applier.FindAccount(request.from);
  *payee = applier.FindAccount(request.to);
  if (ResultCode code = CheckUsable(*payer); code != ResultCode::kOk) return code;
  if (ResultCode code = CheckUsable(*payee); code != ResultCode::kOk) return code;
  if ((*payer)->currency != (*payee)->currency) return ResultCode::kCurrencyMismatch;
  return ResultCode::kOk;
}

ResultCode CheckSpendCap(const Account& payer, Amount amount, TimeNs now) {
  if (payer.monthly_spend_cap <= 0) return ResultCode::kOk;
  Wide spent = payer.spend_month == MonthOf(now) ? payer.spent_in_month : 0;
  return spent + amount > payer.monthly_spend_cap ? ResultCode::kCapExceeded : ResultCode::kOk;
}

void CountSpend(Account& payer, Amount amount, TimeNs now) {
  int32_t month = MonthOf(now);
  if (payer.spend_month != month) {
    if (amount < 0) return;  // Giving back last month's spending changes nothing now.
    payer.spend_month = month;
    payer.spent_in_month = 0;
  }
  payer.spent_in_month = amount < 0 ? std::max<Amount>(0, payer.spent_in_month + amount)
                                    : SaturatingAdd(payer.spent_in_month, amount);
}

bool RulesAdmitPayee(const ProgramRules& rules, const Account& payee) {
  auto listed = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return KindIn(payee, rules.payee_kinds) && listed(rules.payee_sectors, payee.sector) &&
         listed(rules.payee_districts, payee.district);
}

std::function<bool(const Lot&)> PayeeEligibility(const Applier& applier, const Account& payee,
                                                 TimeNs now) {
  return [&applier, &payee, now](const Lot& lot) {
    const Program* program = applier.FindProgram(lot.program);
    const ProgramRules* rules = program ? program->RulesAt(now) : nullptr;
    return rules != nullptr && RulesAdmitPayee(*rules, payee);
  };
}

std::function<bool(const Lot&)> RedeemEligibility(const Applier& applier, const Account& payer,
                                                  TimeNs now) {
  return [&applier, &payer, now](const Lot& lot) {
    const Program* program = applier.FindProgram(lot.program);
    const ProgramRules* rules = program ? program->RulesAt(now) : nullptr;
    return rules != nullptr && KindIn(payer, rules->redeemer_kinds);
  };
}

ResultCode PrepareCredit(const Account& payee, const std::vector<Lot>& lots,
                         std::vector<Lot>* new_lots) {
  Wide balance = SumLots(payee.lots) + SumLots(lots);
  if (balance > std::numeric_limits<Amount>::max()) return ResultCode::kOverflow;
  *new_lots = payee.lots;
  if (!AddLotsInPlace(new_lots, lots)) return ResultCode::kLotsLimitExceeded;
  if (payee.balance_max > 0 && balance > payee.balance_max && balance > SumLots(payee.lots)) {
    return ResultCode::kBalanceLimitExceeded;
  }
  return ResultCode::kOk;
}

namespace {

const ProgramUsage* FindUsage(const Account& account, const ProgramId& program) {
  for (const ProgramUsage& usage : account.usage) {
    if (usage.program == program) return &usage;
  }
  return nullptr;
}

ProgramUsage& MutableUsage(Account& account, const ProgramId& program) {
  for (ProgramUsage& usage : account.usage) {
    if (usage.program == program) return usage;
  }
  account.usage.push_back(ProgramUsage{program, 0, 0, 0, 0});
  return account.usage.back();
}

// What `recipient` may still receive of the programme this month (INT64_MAX: no cap).
Wide CapLeft(const ProgramRules& rules, const Account& recipient, const ProgramId& program,
             TimeNs now) {
  if (rules.resident_monthly_cap <= 0 || recipient.kind != AccountKind::kResident) {
    return std::numeric_limits<Amount>::max();
  }
  const ProgramUsage* usage = FindUsage(recipient, program);
  Wide received = usage && usage->month == MonthOf(now) ? usage->received_in_month : 0;
  return std::max<Wide>(0, Wide(rules.resident_monthly_cap) - received);
}

}  // namespace

ResultCode CheckProgramPayout(const Program& program, const Account& recipient, Amount amount,
                              TimeNs now) {
  if (program.currency != recipient.currency) return ResultCode::kCurrencyMismatch;
  if (now < program.valid_from || now >= program.valid_until) {
    return ResultCode::kProgramNotActive;
  }
  const ProgramRules* rules = program.RulesAt(now);
  if (rules == nullptr) return ResultCode::kRulesNotInForce;
  if (program.budget_left() < amount) return ResultCode::kBudgetExhausted;
  if (CapLeft(*rules, recipient, program.id, now) < amount) return ResultCode::kCapExceeded;
  return ResultCode::kOk;
}

Amount GrantableIncentive(const Program& program, const Account& recipient, Amount wanted,
                          TimeNs now) {
  const ProgramRules* rules = program.RulesAt(now);
  if (rules == nullptr || now < program.valid_from || now >= program.valid_until) return 0;
  Wide grant = std::min<Wide>(wanted, program.budget_left());
  grant = std::min(grant, CapLeft(*rules, recipient, program.id, now));
  return static_cast<Amount>(std::max<Wide>(grant, 0));
}

void BookProgramPayout(Applier& applier, Account& recipient, const ProgramId& program,
                       Amount amount, TimeNs now) {
  Program& mutable_program = applier.MutableProgram(program);
  mutable_program.paid_out += amount;
  ProgramUsage& usage = MutableUsage(recipient, program);
  int32_t month = MonthOf(now);
  if (usage.month != month) {
    usage.month = month;
    usage.received_in_month = 0;
  }
  usage.received_in_month = SaturatingAdd(usage.received_in_month, amount);
}

void ReconcileTopUpBasis(Account& account) {
  Wide free_balance = 0;
  for (const Lot& lot : account.lots) {
    if (!lot.restricted() && lot.amount > 0) free_balance += lot.amount;
  }
  Wide outstanding = 0;
  for (const ProgramUsage& usage : account.usage) outstanding += usage.topup_outstanding;
  if (outstanding <= free_balance) return;
  for (ProgramUsage& usage : account.usage) {
    if (usage.topup_outstanding == 0) continue;
    Wide principal = Wide(usage.topup_outstanding) * free_balance / outstanding;
    Wide incentive = Wide(usage.incentive_outstanding) * principal / usage.topup_outstanding;
    usage.topup_outstanding = static_cast<Amount>(principal);
    usage.incentive_outstanding = static_cast<Amount>(incentive);
  }
}

void MoveLots(Applier& applier, const Account& payer, const Account& payee,
              const std::vector<Lot>& lots, std::vector<Lot> payee_lots,
              const TransferRecord& record, const std::vector<Lot>& payer_minted) {
  Amount amount = static_cast<Amount>(SumLots(lots));
  Account& from = applier.MutableAccount(payer);
  RemoveLots(&from.lots, lots);
  ReconcileTopUpBasis(from);
  [[maybe_unused]] bool fits = AddLots(&from.lots, payer_minted);
  assert(fits);
  if (!payer_minted.empty()) applier.IndexLotExpiries(from);
  Amount minted = static_cast<Amount>(SumLots(payer_minted));
  applier.Journal(from, record.request.kind, record.request.id, minted - amount);
  Account& to = applier.MutableAccount(payee);
  to.lots = std::move(payee_lots);
  applier.IndexLotExpiries(to);
  applier.Journal(to, record.request.kind, record.request.id, amount);
}

void BookIssuance(Applier& applier, const CurrencyCode& currency, Amount amount) {
  Currency& mutable_currency = applier.MutableCurrency(currency);
  mutable_currency.issued += amount;
  if (mutable_currency.backed()) mutable_currency.reserve += amount;
}

void MintLots(Applier& applier, Account& account, std::vector<Lot> new_lots) {
  account.lots = std::move(new_lots);
  applier.IndexLotExpiries(account);
}

}  // namespace kyoso::ledger
