// Administrative commands: currencies, accounts, programmes and their rules, rates.
#include <algorithm>

#include "applier.h"
#include "rules.h"
#include "validate.h"

namespace kyoso::ledger {
namespace {

ResultCode ValidateCurrency(const CreateCurrency& c) {
  if (!ValidCurrencyCode(c.code)) return ResultCode::kInvalidCurrencyCode;
  if (!c.backing.empty() && !ValidCurrencyCode(c.backing)) {
    return ResultCode::kInvalidCurrencyCode;
  }
  if (!ValidName(c.name)) return ResultCode::kInvalidName;
  if (c.scale < 0 || c.scale > 8) return ResultCode::kInvalidScale;
  if (!ValidAccountId(c.issuer_account) || !ValidAccountId(c.fee_account)) {
    return ResultCode::kInvalidAccountId;
  }
  if (KindOfAccountId(c.issuer_account) != AccountKind::kIssuerReserve ||
      KindOfAccountId(c.fee_account) != AccountKind::kFeeIncome) {
    return ResultCode::kAccountKindMismatch;
  }
  if (!ValidBasisPoints(c.redemption_fee_bps)) return ResultCode::kInvalidRate;
  bool demurrage = c.demurrage_rate.num != 0;
  if (!c.demurrage_rate.valid() || c.demurrage_rate.num > c.demurrage_rate.den ||
      (demurrage && c.demurrage_period_ns < kNsPerMs * 1000)) {
    return ResultCode::kInvalidRate;
  }
  if (!ValidDuration(c.demurrage_period_ns) || !ValidDuration(c.default_lot_validity_ns)) {
    return ResultCode::kInvalidLimit;
  }
  return ResultCode::kOk;
}

Account SystemAccount(const AccountId& id, AccountKind kind, const CurrencyCode& currency) {
  Account account;
  account.id = id;
  account.kind = kind;
  account.currency = currency;
  return account;
}

ResultCode ValidateAccount(const Applier& applier, const CreateAccount& c) {
  if (!ValidAccountId(c.id)) return ResultCode::kInvalidAccountId;
  const Currency* currency = applier.FindCurrency(c.currency);
  if (currency == nullptr) return ResultCode::kCurrencyNotFound;
  if (applier.FindAccount(c.id) != nullptr) return ResultCode::kAccountExists;
  if (!ValidCode(c.district) || !ValidCode(c.sector)) return ResultCode::kInvalidName;
  if (c.balance_max < 0 || c.credit_limit < 0 || c.monthly_spend_cap < 0) {
    return ResultCode::kInvalidLimit;
  }
  // Credit below zero exists only where money is mutual credit, or for the clearing
  // accounts that settle between regions.
  bool may_borrow = !currency->backed() || KindOfAccountId(c.id) == AccountKind::kExchangeClearing;
  if (c.credit_limit > 0 && !may_borrow) return ResultCode::kInvalidLimit;
  if (!c.owner_key.empty() && c.owner_key.size() != 32) return ResultCode::kInvalidKey;
  return ResultCode::kOk;
}

// Money in a pending hold goes back to its payer unless it is posted, so the payer's
// account is not empty yet. Closing is rare; scanning the holds index is affordable.
bool HasPendingHold(Applier& applier, const AccountId& payer) {
  for (const auto& [expires_at, id] : applier.state().hold_expiries) {
    std::optional<TransferRecord> hold = applier.LookupRecord(id);
    if (hold && hold->hold_state == HoldState::kPending && hold->request.from == payer) {
      return true;
    }
  }
  return false;
}

}  // namespace

ResultCode ApplyCreateCurrency(Applier& applier, const CreateCurrency& c) {
  if (ResultCode code = ValidateCurrency(c); code != ResultCode::kOk) return code;
  if (applier.FindCurrency(c.code) != nullptr) return ResultCode::kCurrencyExists;
  if (applier.FindAccount(c.issuer_account) != nullptr ||
      applier.FindAccount(c.fee_account) != nullptr) {
    return ResultCode::kAccountExists;
  }
  Currency currency;
  currency.code = c.code;
  currency.name = c.name;
  currency.scale = c.scale;
  currency.issuer_account = c.issuer_account;
  currency.fee_account = c.fee_account;
  currency.backing = c.backing;
  currency.redemption_fee_bps = c.redemption_fee_bps;
  currency.demurrage_rate = c.demurrage_rate;
  currency.demurrage_period_ns = c.demurrage_rate.num == 0 ? 0 : c.demurrage_period_ns;
  currency.default_lot_validity_ns = c.default_lot_validity_ns;
  currency.demurrage_next_at = applier.now() + currency.demurrage_period_ns;
  applier.InsertCurrency(std::move(currency));
  applier.InsertAccount(SystemAccount(c.issuer_account, AccountKind::kIssuerReserve, c.code));
  applier.InsertAccount(SystemAccount(c.fee_account, AccountKind::kFeeIncome, c.code));
  return ResultCode::kOk;
}

ResultCode ApplyCreateAccount(Applier& applier, const CreateAccount& c) {
  if (ResultCode code = ValidateAccount(applier, c); code != ResultCode::kOk) return code;
  Account account;
  account.id = c.id;
  account.kind = *KindOfAccountId(c.id);
  account.currency = c.currency;
  account.district = c.district;
  account.sector = c.sector;
  account.balance_max = c.balance_max;
  account.credit_limit = c.credit_limit;
  account.monthly_spend_cap = c.monthly_spend_cap;
  account.owner_key = c.owner_key;
  account.research_consent = c.research_consent;
  applier.InsertAccount(std::move(account));
  return ResultCode::kOk;
}

ResultCode ApplySetAccountStatus(Applier& applier, const SetAccountStatus& c) {
  const Account* account = applier.FindAccount(c.id);
  if (account == nullptr) return ResultCode::kAccountNotFound;
  if (account->status == AccountStatus::kClosed) return ResultCode::kAccountClosed;
  // Closing strands no money: the balance must have been paid out first.
  if (c.status == AccountStatus::kClosed &&
      (!account->lots.empty() || HasPendingHold(applier, c.id))) {
    return ResultCode::kAccountNotEmpty;
  }
  applier.MutableAccount(c.id).status = c.status;
  return ResultCode::kOk;
}

ResultCode ApplyRotateOwnerKey(Applier& applier, const RotateOwnerKey& c) {
  const Account* account = applier.FindAccount(c.id);
  if (account == nullptr) return ResultCode::kAccountNotFound;
  if (account->kind != AccountKind::kResident) return ResultCode::kAccountKindMismatch;
  if (account->status == AccountStatus::kClosed) return ResultCode::kAccountClosed;
  if (c.owner_key.size() != 32) return ResultCode::kInvalidKey;
  applier.MutableAccount(c.id).owner_key = c.owner_key;
  return ResultCode::kOk;
}

ResultCode ApplySetResearchConsent(Applier& applier, const SetResearchConsent& c) {
  if (applier.FindAccount(c.id) == nullptr) return ResultCode::kAccountNotFound;
  applier.MutableAccount(c.id).research_consent = c.consent;
  return ResultCode::kOk;
}

ResultCode ApplyCreateProgram(Applier& applier, const CreateProgram& c) {
  if (!ValidProgramId(c.id)) return ResultCode::kInvalidProgramId;
  if (!ValidName(c.name)) return ResultCode::kInvalidName;
  if (applier.FindCurrency(c.currency) == nullptr) return ResultCode::kCurrencyNotFound;
  if (applier.FindProgram(c.id) != nullptr) return ResultCode::kProgramExists;
  if (c.budget < 0) return ResultCode::kInvalidLimit;
  if (c.valid_from >= c.valid_until) return ResultCode::kInvalidWindow;
  if (ResultCode code = ValidateRules(c.rules); code != ResultCode::kOk) return code;
  Program program;
  program.id = c.id;
  program.name = c.name;
  program.currency = c.currency;
  program.budget = c.budget;
  program.valid_from = c.valid_from;
  program.valid_until = c.valid_until;
  program.versions.push_back(c.rules);
  program.versions.back().effective_at = c.valid_from;
  applier.InsertProgram(std::move(program));
  return ResultCode::kOk;
}

ResultCode ApplySetProgramRules(Applier& applier, const SetProgramRules& c) {
  const Program* program = applier.FindProgram(c.id);
  if (program == nullptr) return ResultCode::kProgramNotFound;
  if (ResultCode code = ValidateRules(c.rules); code != ResultCode::kOk) return code;
  ProgramRules rules = c.rules;
  if (rules.effective_at == kEffectiveNow) rules.effective_at = applier.now();
  // A version takes effect no earlier than now: transfers already made were judged by
  // the rules then in force, and stay so.
  if (rules.effective_at < applier.now()) return ResultCode::kEffectiveTimeInPast;
  if (program->versions.size() >= kRuleVersionsMax) return ResultCode::kInvalidLimit;
  Program& mutable_program = applier.MutableProgram(c.id);
  auto& versions = mutable_program.versions;
  auto at = std::lower_bound(versions.begin(), versions.end(), rules.effective_at,
                             [](const ProgramRules& r, TimeNs t) { return r.effective_at < t; });
  if (at != versions.end() && at->effective_at == rules.effective_at) {
    *at = rules;  // Not yet in force, so replacing it rewrites nothing.
  } else {
    versions.insert(at, rules);
  }
  return ResultCode::kOk;
}

ResultCode ApplySetExchangeRate(Applier& applier, const SetExchangeRate& c) {
  ExchangeRate rate = c.rate;
  if (rate.effective_at == kEffectiveNow) rate.effective_at = applier.now();
  if (applier.FindCurrency(rate.from) == nullptr || applier.FindCurrency(rate.to) == nullptr) {
    return ResultCode::kCurrencyNotFound;
  }
  if (rate.from == rate.to) return ResultCode::kSameAccount;
  if (!rate.rate.valid() || rate.rate.num == 0 || !ValidBasisPoints(rate.fee_bps)) {
    return ResultCode::kInvalidRate;
  }
  if (rate.effective_at < applier.now()) return ResultCode::kEffectiveTimeInPast;
  auto pair = std::make_pair(rate.from, rate.to);
  std::vector<ExchangeRate> versions;
  if (auto it = applier.state().rates.find(pair); it != applier.state().rates.end()) {
    versions = it->second;
  }
  if (versions.size() >= kRuleVersionsMax) return ResultCode::kInvalidLimit;
  auto at = std::lower_bound(versions.begin(), versions.end(), rate.effective_at,
                             [](const ExchangeRate& r, TimeNs t) { return r.effective_at < t; });
  if (at != versions.end() && at->effective_at == rate.effective_at) {
    *at = rate;
  } else {
    versions.insert(at, rate);
  }
  applier.SetRates(pair, std::move(versions));
  return ResultCode::kOk;
}

}  // namespace kyoso::ledger
