#include "kyoso/ledger/types.h"

#include <array>

namespace kyoso::ledger {
namespace {

constexpr std::array<std::string_view, kAccountKindCount> kKindPrefixes = {
    "res", "mch", "prd", "prg", "iss", "xch", "fee", "opr"};

constexpr std::array<std::string_view, kTransferKindCount> kTransferKindNames = {
    "issue", "top_up", "payment", "purchase", "refund", "redeem",    "exchange",   "correction",
    "hold",  "post",   "void",    "cash_out", "expiry", "demurrage", "hold_expiry"};

constexpr std::array<std::string_view, kResultCodeCount> kResultCodeNames = {
    "ok",
    "invalid_transfer_id",
    "amount_not_positive",
    "memo_too_long",
    "terminal_id_too_long",
    "invalid_account_id",
    "invalid_currency_code",
    "invalid_program_id",
    "invalid_name",
    "invalid_scale",
    "invalid_rate",
    "invalid_limit",
    "invalid_timeout",
    "invalid_window",
    "same_account",
    "linked_group_open",
    "reference_required",
    "memo_required",
    "parties_mismatch",
    "account_kind_mismatch",
    "invalid_key",
    "currency_not_found",
    "currency_exists",
    "account_not_found",
    "account_exists",
    "program_not_found",
    "program_exists",
    "transfer_not_found",
    "currency_mismatch",
    "duplicate_id_different_body",
    "account_frozen",
    "account_closed",
    "account_not_empty",
    "insufficient_funds",
    "lot_expired",
    "payee_not_eligible",
    "payer_not_allowed",
    "cap_exceeded",
    "balance_limit_exceeded",
    "budget_exhausted",
    "program_not_active",
    "rules_not_in_force",
    "effective_time_in_past",
    "not_backed",
    "not_redeemable",
    "cash_out_not_allowed",
    "rate_missing",
    "hold_not_pending",
    "hold_expired",
    "post_exceeds_hold",
    "not_refundable",
    "refund_exceeds_payment",
    "lots_limit_exceeded",
    "overflow",
    "linked_event_failed",
    "period_not_closed",
    "privacy_budget_exceeded",
    "invalid_release",
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string TransferId::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (int i = 0; i < 16; ++i) {
    hex[15 - i] = kDigits[(hi >> (4 * i)) & 0xF];
    hex[31 - i] = kDigits[(lo >> (4 * i)) & 0xF];
  }
  return hex;
}

std::optional<TransferId> TransferId::FromHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  TransferId id;
  for (size_t i = 0; i < 32; ++i) {
    int v = HexValue(hex[i]);
    if (v < 0) return std::nullopt;
    uint64_t& half = i < 16 ? id.hi : id.lo;
    half = (half << 4) | static_cast<uint64_t>(v);
  }
  return id;
}

std::string_view AccountKindPrefix(AccountKind kind) {
  return kKindPrefixes[static_cast<size_t>(kind)];
}

bool InCirculation(AccountKind kind) {
  return kind == AccountKind::kResident || kind == AccountKind::kMerchant ||
         kind == AccountKind::kProducer;
}

std::optional<AccountKind> AccountKindFromPrefix(std::string_view prefix) {
  for (size_t i = 0; i < kKindPrefixes.size(); ++i) {
    if (kKindPrefixes[i] == prefix) return static_cast<AccountKind>(i);
  }
  return std::nullopt;
}

std::string_view TransferKindName(TransferKind kind) {
  return kTransferKindNames[static_cast<size_t>(kind)];
}

std::string_view ResultCodeName(ResultCode code) {
  return kResultCodeNames[static_cast<size_t>(code)];
}

}  // namespace kyoso::ledger
