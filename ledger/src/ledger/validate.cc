#include "validate.h"

#include <algorithm>
#include <array>

namespace kyoso::ledger {
namespace {

constexpr bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// IsNameChar for every byte: every transfer checks two account ids, byte by byte.
constexpr std::array<bool, 256> kNameChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = IsNameChar(static_cast<char>(c));
  return table;
}();

bool AllNameChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return kNameChars[static_cast<unsigned char>(c)]; });
}

}  // namespace

bool ValidCurrencyCode(std::string_view code) {
  return code.size() >= 3 && code.size() <= 8 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::optional<AccountKind> KindOfAccountId(std::string_view id) {
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return AccountKindFromPrefix(id.substr(0, colon));
}

bool ValidAccountId(std::string_view id) {
  size_t colon = id.find(':');
  if (id.size() > kAccountIdLengthMax || colon == std::string_view::npos) return false;
  std::string_view name = id.substr(colon + 1);
  return KindOfAccountId(id).has_value() && !name.empty() && AllNameChars(name);
}

bool ValidProgramId(std::string_view id) {
  // "free" names money of no programme in the flows (flows.h): no programme may take it.
  return !id.empty() && id.size() <= kProgramIdLengthMax && AllNameChars(id) && id != "free";
}

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= kNameLengthMax &&
         std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

bool ValidCode(std::string_view code) {
  return code.size() <= 32 && AllNameChars(code);
}

bool ValidBasisPoints(int64_t bps) {
  return bps >= 0 && bps <= 10'000;
}

bool ValidDuration(TimeNs duration) {
  return duration >= 0 && duration <= kDurationMax;
}

ResultCode ValidateRules(const ProgramRules& rules) {
  if (!ValidBasisPoints(rules.bonus_bps) || !ValidBasisPoints(rules.cashback_bps)) {
    return ResultCode::kInvalidRate;
  }
  if (rules.resident_monthly_cap < 0 || !ValidDuration(rules.lot_validity_ns)) {
    return ResultCode::kInvalidLimit;
  }
  if (rules.payee_sectors.size() > kCodeListLengthMax ||
      rules.payee_districts.size() > kCodeListLengthMax) {
    return ResultCode::kInvalidLimit;
  }
  auto all_valid = [](const std::vector<std::string>& codes) {
    return std::all_of(codes.begin(), codes.end(),
                       [](const std::string& c) { return !c.empty() && ValidCode(c); });
  };
  if (!all_valid(rules.payee_sectors) || !all_valid(rules.payee_districts)) {
    return ResultCode::kInvalidName;
  }
  AccountKindMask all_kinds = (AccountKindMask{1} << kAccountKindCount) - 1;
  if ((rules.payee_kinds & ~all_kinds) != 0 || (rules.redeemer_kinds & ~all_kinds) != 0) {
    return ResultCode::kInvalidLimit;
  }
  return ResultCode::kOk;
}

ResultCode ValidateTransferShape(const TransferRequest& request) {
  if (request.id.is_zero()) return ResultCode::kInvalidTransferId;
  if (request.memo.size() > kMemoLengthMax) return ResultCode::kMemoTooLong;
  if (request.terminal.size() > kTerminalIdLengthMax) return ResultCode::kTerminalIdTooLong;
  bool refers = request.kind == TransferKind::kRefund || request.kind == TransferKind::kPost ||
                request.kind == TransferKind::kVoid;
  if (refers && request.ref.is_zero()) return ResultCode::kReferenceRequired;
  if (request.kind != TransferKind::kVoid && request.amount <= 0) {
    return ResultCode::kAmountNotPositive;
  }
  if (!ValidAccountId(request.from) || !ValidAccountId(request.to)) {
    return ResultCode::kInvalidAccountId;
  }
  // No kind moves money from an account to itself (a post, void or refund names the
  // hold's or payment's two parties, which differ too).
  if (request.from == request.to) return ResultCode::kSameAccount;
  if (request.kind == TransferKind::kHold &&
      (request.hold_timeout_ns <= 0 || request.hold_timeout_ns > kHoldTimeoutMax)) {
    return ResultCode::kInvalidTimeout;
  }
  if (!request.program.empty() && !ValidProgramId(request.program)) {
    return ResultCode::kInvalidProgramId;
  }
  return ResultCode::kOk;
}

}  // namespace kyoso::ledger
