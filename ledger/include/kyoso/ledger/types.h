// Vocabulary types of the ledger: identifiers, ledger time, kinds and result codes.
//
// Everything here is a plain value type with no behaviour beyond parsing, formatting and
// validation. The names follow DESIGN.md §9.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kyoso::ledger {

// Ledger time: nanoseconds since the Unix epoch, stamped by the leader into each batch.
// The ledger never reads a clock; all time arrives in commands.
using TimeNs = int64_t;
inline constexpr TimeNs kNsPerMs = 1'000'000;
inline constexpr TimeNs kNsPerDay = 86'400'000'000'000;
// The whole seconds of ledger time `t`, rounded down (before 1970 too).
constexpr int64_t SecondsOf(TimeNs t) {
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  const int64_t seconds = t / kNsPerSecond;
  return seconds * kNsPerSecond > t ? seconds - 1 : seconds;
}
// A lot that never expires carries this expiry.
inline constexpr TimeNs kNever = INT64_MAX;

// A client-chosen 128-bit transfer id; 32 lowercase hex characters on the wire. Zero is
// reserved (it means "no transfer").
struct TransferId {
  uint64_t hi = 0;
  uint64_t lo = 0;

  bool is_zero() const { return hi == 0 && lo == 0; }
  std::string ToHex() const;
  // Parses exactly 32 hex characters (either case); nullopt otherwise.
  static std::optional<TransferId> FromHex(std::string_view hex);
  friend auto operator<=>(const TransferId&, const TransferId&) = default;
};

struct TransferIdHash {
  size_t operator()(const TransferId& id) const {
    return std::hash<uint64_t>()(id.hi * 0x9E3779B97F4A7C15ull ^ id.lo);
  }
};

// Account ids are readable strings "kind:name" (res:…, mch:bakery-12, …).
using AccountId = std::string;
// Currency codes are 3 to 8 capital letters.
using CurrencyCode = std::string;
// Programme ids are short names ("fresh-food"); empty means free money (no programme).
using ProgramId = std::string;

inline constexpr size_t kAccountIdLengthMax = 64;  // Fits a terminal's display line.
inline constexpr size_t kProgramIdLengthMax = 32;
inline constexpr size_t kMemoLengthMax = 140;  // A short note, not a document.
inline constexpr size_t kTerminalIdLengthMax = 64;
inline constexpr size_t kNameLengthMax = 80;      // Currency and programme display names.
inline constexpr size_t kCodeListLengthMax = 64;  // Eligible sectors or districts per rule.

enum class AccountKind : uint8_t {
  kResident = 0,
  kMerchant = 1,
  kProducer = 2,
  kProgram = 3,
  kIssuerReserve = 4,
  kExchangeClearing = 5,
  kFeeIncome = 6,
  kOperator = 7,
};
inline constexpr int kAccountKindCount = 8;
// The id prefix ("res", "mch", …) that accounts of this kind carry.
std::string_view AccountKindPrefix(AccountKind kind);
// True for the kinds whose money is in circulation (residents, merchants, producers), as
// opposed to the issuer's reserve, programme budgets, clearing and fee accounts.
bool InCirculation(AccountKind kind);
std::optional<AccountKind> AccountKindFromPrefix(std::string_view prefix);
// A set of account kinds as a bit mask (bit = 1 << kind).
using AccountKindMask = uint32_t;
inline constexpr AccountKindMask KindBit(AccountKind kind) {
  return AccountKindMask{1} << static_cast<unsigned>(kind);
}

enum class AccountStatus : uint8_t { kActive = 0, kFrozen = 1, kClosed = 2 };

enum class TransferKind : uint8_t {
  kIssue = 0,       // The issuer creates money, optionally under a programme.
  kTopUp = 1,       // National money in; programme incentive on top.
  kPayment = 2,     // Resident pays a merchant.
  kPurchase = 3,    // Business-to-business: merchant pays a producer or merchant.
  kRefund = 4,      // A merchant returns (part of) a payment: the very lots it moved.
  kRedeem = 5,      // A business turns local money into national money (burn + fee).
  kExchange = 6,    // Into another currency at the rate in force, via clearing accounts.
  kCorrection = 7,  // An operator's correcting entry; never an edit.
  kHold = 8,        // The pending half of a two-phase transfer.
  kPost = 9,        // Capture of a hold, up to the held amount.
  kVoid = 10,       // Release of a hold.
  kCashOut = 11,    // A resident cashes unused money back; incentive clawed back pro rata.
  // Entries made by the ledger itself when a tick runs.
  kExpiry = 12,
  kDemurrage = 13,
  kHoldExpiry = 14,
};
inline constexpr int kTransferKindCount = 15;
std::string_view TransferKindName(TransferKind kind);

// The outcome of one command. Every failure is specific, so a terminal can say what to
// do; none is a generic "failed".
enum class ResultCode : uint16_t {
  kOk = 0,
  // Malformed commands.
  kInvalidTransferId,
  kAmountNotPositive,
  kMemoTooLong,
  kTerminalIdTooLong,
  kInvalidAccountId,
  kInvalidCurrencyCode,
  kInvalidProgramId,
  kInvalidName,
  kInvalidScale,
  kInvalidRate,
  kInvalidLimit,
  kInvalidTimeout,
  kInvalidWindow,
  kSameAccount,
  kLinkedGroupOpen,
  kReferenceRequired,
  kMemoRequired,
  kPartiesMismatch,
  kAccountKindMismatch,
  kInvalidKey,
  // Missing or conflicting objects.
  kCurrencyNotFound,
  kCurrencyExists,
  kAccountNotFound,
  kAccountExists,
  kProgramNotFound,
  kProgramExists,
  kTransferNotFound,
  kCurrencyMismatch,
  kDuplicateIdDifferentBody,
  // Rules.
  kAccountFrozen,
  kAccountClosed,
  kAccountNotEmpty,
  kInsufficientFunds,
  kLotExpired,
  kPayeeNotEligible,
  kPayerNotAllowed,
  kCapExceeded,
  kBalanceLimitExceeded,
  kBudgetExhausted,
  kProgramNotActive,
  kRulesNotInForce,
  kEffectiveTimeInPast,
  kNotBacked,
  kNotRedeemable,
  kCashOutNotAllowed,
  kRateMissing,
  kHoldNotPending,
  kHoldExpired,
  kPostExceedsHold,
  kNotRefundable,
  kRefundExceedsPayment,
  kLotsLimitExceeded,
  kOverflow,
  kLinkedEventFailed,
  // Published releases (kyoso/ledger/releases.h).
  kPeriodNotClosed,
  kPrivacyBudgetExceeded,
  kInvalidRelease,  // Malformed: id, partitions, cells, bounds or epsilon.
};
inline constexpr int kResultCodeCount = static_cast<int>(ResultCode::kInvalidRelease) + 1;
// A stable snake_case name for logs, the API and documentation.
std::string_view ResultCodeName(ResultCode code);

}  // namespace kyoso::ledger
