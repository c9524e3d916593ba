#include "node/translate.h"

#include <limits>

#include "kyoso/ledger/validation.h"

namespace kyoso::node {
namespace {

using ledger::ResultCode;

constexpr int64_t kNsPerMs = 1'000'000;

// Checks one text field: bounded and valid UTF-8.
grpc::Status CheckText(std::string_view field, std::string_view text,
                       size_t max = kStringFieldMax) {
  if (text.size() > max) {
    return InvalidField(field, "is longer than " + std::to_string(max) + " bytes");
  }
  if (!ValidUtf8(text)) return InvalidField(field, "is not valid UTF-8");
  return grpc::Status::OK;
}

// Milliseconds on the wire to ledger nanoseconds, refusing what would overflow.
bool MsToNs(int64_t ms, ledger::TimeNs* ns) {
  if (ms < 0 || ms > std::numeric_limits<int64_t>::max() / kNsPerMs) return false;
  *ns = ms * kNsPerMs;
  return true;
}

std::optional<ledger::AccountKind> ToLedgerAccountKind(v1::AccountKind kind) {
  int value = static_cast<int>(kind) - 1;
  if (value < 0 || value >= ledger::kAccountKindCount) return std::nullopt;
  return static_cast<ledger::AccountKind>(value);
}

template <typename Repeated>
bool ToKindMask(const Repeated& kinds, ledger::AccountKindMask* mask) {
  *mask = 0;
  for (int kind : kinds) {
    std::optional<ledger::AccountKind> ledger_kind =
        ToLedgerAccountKind(static_cast<v1::AccountKind>(kind));
    if (!ledger_kind) return false;
    *mask |= ledger::KindBit(*ledger_kind);
  }
  return true;
}

template <typename Repeated>
void FromKindMask(ledger::AccountKindMask mask, Repeated* kinds) {
  for (int i = 0; i < ledger::kAccountKindCount; ++i) {
    auto kind = static_cast<ledger::AccountKind>(i);
    if (mask & ledger::KindBit(kind)) kinds->Add(ToProtoAccountKind(kind));
  }
}

Translated<ledger::ProgramRules> ToRules(const v1::ProgramRules& rules) {
  Translated<ledger::ProgramRules> out;
  ledger::ProgramRules& r = out.value;
  r.effective_at = rules.effective_ns();
  r.bonus_bps = rules.bonus_bps();
  r.cashback_bps = rules.cashback_bps();
  r.resident_monthly_cap = rules.resident_monthly_cap_minor();
  if (!ToKindMask(rules.payee_kinds(), &r.payee_kinds)) {
    out.status = InvalidField("rules.payee_kinds", "holds an unknown account kind");
  } else if (!ToKindMask(rules.redeemer_kinds(), &r.redeemer_kinds)) {
    out.status = InvalidField("rules.redeemer_kinds", "holds an unknown account kind");
  } else if (!MsToNs(rules.lot_validity_ms(), &r.lot_validity_ns)) {
    out.status = InvalidField("rules.lot_validity_ms", "is negative or too large");
  } else if (rules.payee_sectors_size() > static_cast<int>(ledger::kCodeListLengthMax) ||
             rules.payee_districts_size() > static_cast<int>(ledger::kCodeListLengthMax)) {
    out.status = InvalidField("rules", "lists more than 64 sectors or districts");
  }
  r.payee_sectors.assign(rules.payee_sectors().begin(), rules.payee_sectors().end());
  r.payee_districts.assign(rules.payee_districts().begin(), rules.payee_districts().end());
  r.cash_out_allowed = rules.cash_out_allowed();
  return out;
}

void FromRules(const ledger::ProgramRules& r, v1::ProgramRulesVersion* out) {
  out->set_effective_ns(r.effective_at);
  out->set_bonus_bps(r.bonus_bps);
  out->set_cashback_bps(r.cashback_bps);
  out->set_resident_monthly_cap_minor(r.resident_monthly_cap);
  FromKindMask(r.payee_kinds, out->mutable_payee_kinds());
  for (const std::string& s : r.payee_sectors) out->add_payee_sectors(s);
  for (const std::string& d : r.payee_districts) out->add_payee_districts(d);
  FromKindMask(r.redeemer_kinds, out->mutable_redeemer_kinds());
  out->set_lot_validity_ms(r.lot_validity_ns / kNsPerMs);
  out->set_cash_out_allowed(r.cash_out_allowed);
}

std::string WideText(const ledger::Wide& value) {
  return value.str();
}

}  // namespace

bool ValidUtf8(std::string_view text) {
  // Smallest code point each sequence length may encode: shorter forms are overlong.
  static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = lead;
    if (lead >= 0x80) {
      if ((lead & 0xE0) == 0xC0) {
        extra = 1, code = lead & 0x1F;
      } else if ((lead & 0xF0) == 0xE0) {
        extra = 2, code = lead & 0x0F;
      } else if ((lead & 0xF8) == 0xF0) {
        extra = 3, code = lead & 0x07;
      } else {
        return false;
      }
    }
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < kMinForLength[extra] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::optional<ledger::TransferKind> ToLedgerKind(v1::TransferKind kind) {
  int value = static_cast<int>(kind) - 1;
  if (value < 0 || value >= ledger::kTransferKindCount) return std::nullopt;
  return static_cast<ledger::TransferKind>(value);
}

v1::TransferKind ToProtoKind(ledger::TransferKind kind) {
  return static_cast<v1::TransferKind>(static_cast<int>(kind) + 1);
}

v1::AccountKind ToProtoAccountKind(ledger::AccountKind kind) {
  return static_cast<v1::AccountKind>(static_cast<int>(kind) + 1);
}

v1::Result ToProtoResult(ledger::ResultCode code) {
  return static_cast<v1::Result>(static_cast<int>(code) + 1);
}

grpc::StatusCode GrpcCodeFor(ResultCode code) {
  switch (code) {
    case ResultCode::kOk:
      return grpc::StatusCode::OK;
    case ResultCode::kCurrencyNotFound:
    case ResultCode::kAccountNotFound:
    case ResultCode::kProgramNotFound:
    case ResultCode::kTransferNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ResultCode::kCurrencyExists:
    case ResultCode::kAccountExists:
    case ResultCode::kProgramExists:
    case ResultCode::kDuplicateIdDifferentBody:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ResultCode::kOverflow:
      return grpc::StatusCode::OUT_OF_RANGE;
    case ResultCode::kLinkedEventFailed:
      return grpc::StatusCode::ABORTED;
    case ResultCode::kPrivacyBudgetExceeded:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ResultCode::kInvalidRelease:
      return grpc::StatusCode::INVALID_ARGUMENT;
    default:
      break;
  }
  // The malformed-command codes come first in the enum, up to kInvalidKey.
  if (code <= ResultCode::kInvalidKey) return grpc::StatusCode::INVALID_ARGUMENT;
  return grpc::StatusCode::FAILED_PRECONDITION;
}

grpc::Status ToGrpcStatus(const ledger::Status& status) {
  using Code = ledger::Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return grpc::Status::OK;
    case Code::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, status.message()};
    case Code::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, status.message()};
    case Code::kCorruption:
      return {grpc::StatusCode::DATA_LOSS, status.message()};
    case Code::kIOError:
      return {grpc::StatusCode::INTERNAL, status.message()};
    case Code::kFailedPrecondition:
      return {grpc::StatusCode::UNAVAILABLE, status.message()};
  }
  return {grpc::StatusCode::UNKNOWN, status.message()};
}

grpc::Status InvalidField(std::string_view field, std::string_view why) {
  return {grpc::StatusCode::INVALID_ARGUMENT, std::string(field) + " " + std::string(why)};
}

grpc::Status NotFound(std::string what) {
  return {grpc::StatusCode::NOT_FOUND, std::move(what) + " does not exist"};
}

Translated<ledger::TransferId> ToTransferId(std::string_view field, std::string_view hex) {
  Translated<ledger::TransferId> out;
  std::optional<ledger::TransferId> id = ledger::TransferId::FromHex(hex);
  if (!id || id->is_zero()) {
    out.status = InvalidField(field, "must be 32 hexadecimal characters, not all zero");
    return out;
  }
  out.value = *id;
  return out;
}

Translated<ledger::TransferRequest> ToTransferRequest(const v1::Transfer& t,
                                                      ledger::TransferKind kind) {
  Translated<ledger::TransferRequest> out;
  for (auto [field, text] : {std::pair{"transfer.from", &t.from()},
                             {"transfer.to", &t.to()},
                             {"transfer.program", &t.program()},
                             {"transfer.memo", &t.memo()},
                             {"transfer.terminal", &t.terminal()},
                             {"transfer.currency", &t.currency()}}) {
    if (out.status = CheckText(field, *text); !out.ok()) return out;
  }
  Translated<ledger::TransferId> id = ToTransferId("transfer.id", t.id());
  if (!id.ok()) return {id.status, {}};
  ledger::TransferRequest& r = out.value;
  r.id = id.value;
  r.kind = kind;
  r.from = t.from();
  r.to = t.to();
  r.amount = t.amount_minor();
  r.program = t.program();
  r.memo = t.memo();
  r.terminal = t.terminal();
  r.linked = t.linked();
  if (!t.ref().empty()) {
    Translated<ledger::TransferId> ref = ToTransferId("transfer.ref", t.ref());
    if (!ref.ok()) return {ref.status, {}};
    r.ref = ref.value;
  }
  if (!MsToNs(t.hold_timeout_ms(), &r.hold_timeout_ns)) {
    out.status = InvalidField("transfer.hold_timeout_ms", "is negative or too large");
    return out;
  }
  if (!ledger::ValidCurrencyCode(t.currency())) {
    out.status = InvalidField("transfer.currency",
                              "must be the payer's currency code (3 to 8 capital letters)");
    return out;
  }
  if (ResultCode shape = ledger::ValidateTransferShape(r); shape != ResultCode::kOk) {
    out.status =
        InvalidField("transfer", "is malformed: " + std::string(ledger::ResultCodeName(shape)));
  }
  return out;
}

Translated<ledger::Command> ToCommand(const v1::CreateCurrencyRequest& q) {
  ledger::CreateCurrency c;
  c.code = q.code();
  c.name = q.name();
  c.scale = q.scale();
  c.issuer_account = q.issuer_account();
  c.fee_account = q.fee_account();
  c.backing = q.backing();
  c.redemption_fee_bps = q.redemption_fee_bps();
  c.demurrage_rate =
      ledger::Rational{q.demurrage_num(), q.demurrage_den() == 0 ? 1 : q.demurrage_den()};
  for (auto [field, text] : {std::pair{"code", &q.code()},
                             {"name", &q.name()},
                             {"issuer_account", &q.issuer_account()},
                             {"fee_account", &q.fee_account()},
                             {"backing", &q.backing()}}) {
    if (grpc::Status s = CheckText(field, *text); !s.ok()) return {s, {}};
  }
  if (!MsToNs(q.demurrage_period_ms(), &c.demurrage_period_ns)) {
    return {InvalidField("demurrage_period_ms", "is negative or too large"), {}};
  }
  if (!MsToNs(q.default_lot_validity_ms(), &c.default_lot_validity_ns)) {
    return {InvalidField("default_lot_validity_ms", "is negative or too large"), {}};
  }
  return {grpc::Status::OK, std::move(c)};
}

Translated<ledger::Command> ToCommand(const v1::CreateAccountRequest& q) {
  for (auto [field, text] : {std::pair{"id", &q.id()},
                             {"currency", &q.currency()},
                             {"district", &q.district()},
                             {"sector", &q.sector()}}) {
    if (grpc::Status s = CheckText(field, *text); !s.ok()) return {s, {}};
  }
  if (!q.owner_public_key().empty() && q.owner_public_key().size() != 32) {
    return {InvalidField("owner_public_key", "must be a raw 32-byte Ed25519 public key"), {}};
  }
  ledger::CreateAccount c;
  c.id = q.id();
  c.currency = q.currency();
  c.district = q.district();
  c.sector = q.sector();
  c.balance_max = q.balance_max_minor();
  c.credit_limit = q.credit_limit_minor();
  c.monthly_spend_cap = q.monthly_spend_cap_minor();
  c.owner_key = q.owner_public_key();
  c.research_consent = q.research_consent();
  return {grpc::Status::OK, std::move(c)};
}

Translated<ledger::Command> ToCommand(const v1::SetAccountStatusRequest& q) {
  if (grpc::Status s = CheckText("id", q.id()); !s.ok()) return {s, {}};
  int status = static_cast<int>(q.status()) - 1;
  if (status < 0 || status > static_cast<int>(ledger::AccountStatus::kClosed)) {
    return {InvalidField("status", "must be ACTIVE, FROZEN or CLOSED"), {}};
  }
  return {grpc::Status::OK,
          ledger::SetAccountStatus{q.id(), static_cast<ledger::AccountStatus>(status)}};
}

Translated<ledger::Command> ToCommand(const v1::RotateOwnerKeyRequest& q) {
  if (grpc::Status s = CheckText("id", q.id()); !s.ok()) return {s, {}};
  if (q.owner_public_key().size() != 32) {
    return {InvalidField("owner_public_key", "must be a raw 32-byte Ed25519 key"), {}};
  }
  return {grpc::Status::OK, ledger::RotateOwnerKey{q.id(), q.owner_public_key()}};
}

Translated<ledger::Command> ToCommand(const v1::CreateProgramRequest& q) {
  for (auto [field, text] :
       {std::pair{"id", &q.id()}, {"name", &q.name()}, {"currency", &q.currency()}}) {
    if (grpc::Status s = CheckText(field, *text); !s.ok()) return {s, {}};
  }
  Translated<ledger::ProgramRules> rules = ToRules(q.rules());
  if (!rules.ok()) return {rules.status, {}};
  ledger::CreateProgram c;
  c.id = q.id();
  c.name = q.name();
  c.currency = q.currency();
  c.budget = q.budget_minor();
  c.valid_from = q.valid_from_ns();
  c.valid_until = q.valid_until_ns() == 0 ? ledger::kNever : q.valid_until_ns();
  c.rules = std::move(rules.value);
  return {grpc::Status::OK, std::move(c)};
}

Translated<ledger::Command> ToCommand(const v1::SetProgramRulesRequest& q) {
  if (grpc::Status s = CheckText("id", q.id()); !s.ok()) return {s, {}};
  Translated<ledger::ProgramRules> rules = ToRules(q.rules());
  if (!rules.ok()) return {rules.status, {}};
  return {grpc::Status::OK, ledger::SetProgramRules{q.id(), std::move(rules.value)}};
}

Translated<ledger::Command> ToCommand(const v1::SetExchangeRateRequest& q) {
  for (auto [field, text] : {std::pair{"from", &q.from()}, {"to", &q.to()}}) {
    if (grpc::Status s = CheckText(field, *text); !s.ok()) return {s, {}};
  }
  ledger::ExchangeRate rate;
  rate.from = q.from();
  rate.to = q.to();
  rate.effective_at = q.effective_ns();
  rate.rate = ledger::Rational{q.rate_num(), q.rate_den()};
  rate.fee_bps = q.fee_bps();
  return {grpc::Status::OK, ledger::SetExchangeRate{std::move(rate)}};
}

v1::Outcome ToOutcome(const ledger::CommandResult& result) {
  v1::Outcome out;
  out.set_result(ToProtoResult(result.code));
  out.set_result_name(std::string(ledger::ResultCodeName(result.code)));
  out.set_seq(result.seq);
  out.set_timestamp_ns(result.timestamp);
  out.set_fee_minor(result.fee);
  out.set_incentive_minor(result.incentive);
  out.set_settled_minor(result.settled);
  out.set_credited_minor(result.credited);
  out.set_duplicate(result.duplicate);
  return out;
}

void ToProto(const ledger::Lot& lot, v1::Lot* out) {
  out->set_program(lot.program);
  out->set_expiry_ns(lot.expiry == ledger::kNever ? 0 : lot.expiry);
  out->set_amount_minor(lot.amount);
}

void ToProto(const ledger::Account& a, v1::Account* out) {
  out->set_id(a.id);
  out->set_kind(ToProtoAccountKind(a.kind));
  out->set_currency(a.currency);
  out->set_district(a.district);
  out->set_sector(a.sector);
  out->set_status(static_cast<v1::AccountStatus>(static_cast<int>(a.status) + 1));
  out->set_balance_minor(ledger::BalanceOf(a));
  for (const ledger::Lot& lot : a.lots) ToProto(lot, out->add_lots());
  out->set_balance_max_minor(a.balance_max);
  out->set_credit_limit_minor(a.credit_limit);
  out->set_monthly_spend_cap_minor(a.monthly_spend_cap);
  out->set_spent_this_month_minor(a.spent_in_month);
  out->set_owner_public_key(a.owner_key);
  out->set_research_consent(a.research_consent);
}

void ToProto(const ledger::TransferRecord& record, v1::TransferRecord* out) {
  const ledger::TransferRequest& r = record.request;
  out->set_kind(ToProtoKind(r.kind));
  v1::Transfer* t = out->mutable_transfer();
  t->set_id(r.id.ToHex());
  t->set_from(r.from);
  t->set_to(r.to);
  t->set_amount_minor(r.amount);
  t->set_currency(record.currency);
  t->set_program(r.program);
  if (!r.ref.is_zero()) t->set_ref(r.ref.ToHex());
  t->set_hold_timeout_ms(r.hold_timeout_ns / kNsPerMs);
  t->set_memo(r.memo);
  t->set_terminal(r.terminal);
  t->set_linked(r.linked);
  ledger::CommandResult result{record.result,    record.seq,     record.timestamp, record.fee,
                               record.incentive, record.settled, record.credited,  false};
  *out->mutable_outcome() = ToOutcome(result);
  out->set_currency(record.currency);
  for (const ledger::Lot& lot : record.lots) ToProto(lot, out->add_lots());
  out->set_refunded_minor(record.refunded);
  out->set_hold_state(static_cast<v1::HoldState>(static_cast<int>(record.hold_state)));
  out->set_posted_minor(record.posted);
  out->set_hold_expires_ns(record.hold_expires_at);
}

void ToProto(const ledger::HistoryEntry& e, v1::HistoryEntry* out) {
  out->set_seq(e.seq);
  out->set_timestamp_ns(e.timestamp);
  if (!e.transfer.is_zero()) out->set_transfer_id(e.transfer.ToHex());
  out->set_kind(ToProtoKind(e.kind));
  out->set_delta_minor(e.delta);
  out->set_balance_after_minor(e.balance_after);
}

void ToProto(const ledger::Program& p, v1::Program* out) {
  out->set_id(p.id);
  out->set_name(p.name);
  out->set_currency(p.currency);
  out->set_budget_minor(p.budget);
  out->set_paid_out_minor(ledger::ToAmount(p.paid_out).value_or(0));
  out->set_returned_minor(ledger::ToAmount(p.returned).value_or(0));
  out->set_budget_left_minor(ledger::ToAmount(p.budget_left()).value_or(0));
  out->set_valid_from_ns(p.valid_from);
  out->set_valid_until_ns(p.valid_until == ledger::kNever ? 0 : p.valid_until);
  for (const ledger::ProgramRules& r : p.versions) FromRules(r, out->add_versions());
}

void ToProto(const ledger::Currency& c, v1::Currency* out) {
  out->set_code(c.code);
  out->set_name(c.name);
  out->set_scale(c.scale);
  out->set_issuer_account(c.issuer_account);
  out->set_fee_account(c.fee_account);
  out->set_backing(c.backing);
  out->set_redemption_fee_bps(c.redemption_fee_bps);
  out->set_issued_minor(WideText(c.issued));
  out->set_burned_minor(WideText(c.burned));
  out->set_supply_minor(WideText(c.issued - c.burned));
  out->set_held_minor(WideText(c.held));
  out->set_reserve_minor(WideText(c.reserve));
}

}  // namespace kyoso::node
