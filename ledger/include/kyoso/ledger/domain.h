// Domain records of the ledger: currencies, accounts with their lots, programmes with
// versioned rules, exchange rates, and the record kept for every transfer.
//
// These are plain values. The rules that change them live in the Ledger (ledger.h);
// their durable encodings live in codec.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kyoso/ledger/money.h"
#include "kyoso/ledger/types.h"

namespace kyoso::ledger {

// Lots per account are bounded so that drawing and storing an account stays cheap; lots
// of one programme with the same expiry day are merged, and past the bound the two lots
// of a programme with the nearest expiries are merged at the earlier expiry.
inline constexpr size_t kLotsPerAccountMax = 32;
// Versions of a programme's rules or of one exchange rate kept in force and history.
inline constexpr size_t kRuleVersionsMax = 64;
// Demurrage periods caught up by a single tick; later ticks continue.
inline constexpr int kDemurragePeriodsPerTickMax = 12;

struct Currency {
  CurrencyCode code;
  std::string name;
  int32_t scale = 0;         // Decimals of the minor unit (0 for a won-backed currency).
  AccountId issuer_account;  // iss:…, the source of issued money.
  AccountId fee_account;     // fee:…, receives redemption and exchange fees.
  CurrencyCode backing;      // National currency held in reserve; empty: mutual credit.
  int64_t redemption_fee_bps = 0;
  Rational demurrage_rate;             // Charged once per period on positive balances.
  TimeNs demurrage_period_ns = 0;      // 0: no demurrage.
  TimeNs default_lot_validity_ns = 0;  // For issued free money; 0: never expires.

  // Running totals, in minor units.
  Wide issued = 0;   // Created by issue, top-up and incentives.
  Wide burned = 0;   // Destroyed by redemption, cash-out, expiry and demurrage.
  Wide held = 0;     // In pending holds (debited from payers, not yet credited).
  Wide reserve = 0;  // National money held against the currency (backed currencies).
  TimeNs demurrage_next_at = 0;

  bool backed() const { return !backing.empty(); }
  friend bool operator==(const Currency&, const Currency&) = default;
};

// Part of a balance: money of one programme (or free money, program empty) that expires
// at `expiry` (kNever for none). Only an account's free, never-expiring lot may be
// negative, and only within a mutual-credit account's credit limit.
struct Lot {
  ProgramId program;
  TimeNs expiry = kNever;
  Amount amount = 0;

  bool restricted() const { return !program.empty(); }
  friend bool operator==(const Lot&, const Lot&) = default;
};

// What a resident has received of a programme in a month (for the monthly cap) and the
// incentive still outstanding on their top-ups (for a pro-rata clawback on cash-out).
struct ProgramUsage {
  ProgramId program;
  int32_t month = 0;  // Months since 1970-01 of `received_in_month`.
  Amount received_in_month = 0;
  Amount topup_outstanding = 0;      // Top-up principal that earned this incentive.
  Amount incentive_outstanding = 0;  // Incentive granted on that principal.
  friend bool operator==(const ProgramUsage&, const ProgramUsage&) = default;
};

struct Account {
  AccountId id;
  AccountKind kind = AccountKind::kResident;
  CurrencyCode currency;
  std::string district;
  std::string sector;
  AccountStatus status = AccountStatus::kActive;
  Amount balance_max = 0;        // 0: no maximum.
  Amount credit_limit = 0;       // How far below zero (mutual-credit currencies only).
  Amount monthly_spend_cap = 0;  // 0: no cap.
  std::string owner_key;         // Raw Ed25519 public key (32 bytes); empty if none.
  bool research_consent = false;

  std::vector<Lot> lots;  // In drawing order (see lots.h).
  int32_t spend_month = 0;
  Amount spent_in_month = 0;
  std::vector<ProgramUsage> usage;

  friend bool operator==(const Account&, const Account&) = default;
};

struct ProgramRules {
  TimeNs effective_at = 0;                 // In force from this ledger time until the next version.
  int64_t bonus_bps = 0;                   // Incentive on a top-up.
  int64_t cashback_bps = 0;                // Incentive on a payment made under the programme.
  Amount resident_monthly_cap = 0;         // Programme money one resident may receive a month.
  AccountKindMask payee_kinds = 0;         // Who may be paid with this programme's money.
  std::vector<std::string> payee_sectors;  // Empty: any sector.
  std::vector<std::string> payee_districts;  // Empty: any district.
  AccountKindMask redeemer_kinds = 0;        // Who may redeem this programme's money.
  TimeNs lot_validity_ns = 0;                // Expiry of the programme's lots; 0: never.
  bool cash_out_allowed = false;             // Residents may cash unused top-ups back.
  friend bool operator==(const ProgramRules&, const ProgramRules&) = default;
};

struct Program {
  ProgramId id;
  std::string name;
  CurrencyCode currency;
  Amount budget = 0;  // Programme money it may pay out in all.
  TimeNs valid_from = 0;
  TimeNs valid_until = kNever;
  std::vector<ProgramRules> versions;  // Ascending effective_at.

  Wide paid_out = 0;  // Issued under the programme (issues, incentives).
  Wide returned = 0;  // Come back: expired, clawed back, refunded by cash-out.

  Wide budget_left() const { return Wide(budget) - paid_out + returned; }
  // The rules in force at `at`, or nullptr before the first version.
  const ProgramRules* RulesAt(TimeNs at) const;
  friend bool operator==(const Program&, const Program&) = default;
};

struct ExchangeRate {
  CurrencyCode from;
  CurrencyCode to;
  TimeNs effective_at = 0;
  Rational rate;        // Minor units of `to` per minor unit of `from`.
  int64_t fee_bps = 0;  // Taken in `from` before conversion, to from's fee account.
  friend bool operator==(const ExchangeRate&, const ExchangeRate&) = default;
};

enum class HoldState : uint8_t { kNone = 0, kPending = 1, kPosted = 2, kVoided = 3, kExpired = 4 };

// A transfer as submitted: the body that idempotency compares.
struct TransferRequest {
  TransferId id;
  TransferKind kind = TransferKind::kPayment;
  AccountId from;
  AccountId to;
  Amount amount = 0;
  ProgramId program;           // Issue/top-up/payment: the programme it is made under.
  TransferId ref;              // Refund, post, void: the transfer it refers to.
  TimeNs hold_timeout_ns = 0;  // Hold: how long the hold stays pending.
  bool linked = false;         // Linked with the next command: all or nothing.
  std::string memo;
  std::string terminal;
  friend bool operator==(const TransferRequest&, const TransferRequest&) = default;
};

// What the ledger keeps of a transfer, by id: the request, its outcome, and the state a
// later refund, post or void needs.
struct TransferRecord {
  TransferRequest request;
  ResultCode result = ResultCode::kOk;
  uint64_t seq = 0;  // Global sequence number; 0 when the transfer failed.
  TimeNs timestamp = 0;
  CurrencyCode currency;
  std::vector<Lot> lots;  // The lots that left the payer (in the payer's currency).
  Amount fee = 0;         // Redemption or exchange fee.
  Amount incentive = 0;   // Top-up bonus or cash-back granted; cash-out clawback.
  Amount settled = 0;     // Redeem, cash-out: national money paid out.
  Amount credited = 0;    // Exchange: amount credited in the payee's currency.
  Amount refunded = 0;    // Payments and purchases: refunded so far.
  HoldState hold_state = HoldState::kNone;
  Amount posted = 0;  // Holds: amount captured.
  TimeNs hold_expires_at = 0;
  friend bool operator==(const TransferRecord&, const TransferRecord&) = default;
};

// One line of an account's history: a movement of its balance.
struct HistoryEntry {
  AccountId account;
  uint64_t seq = 0;
  TimeNs timestamp = 0;
  TransferId transfer;
  TransferKind kind = TransferKind::kPayment;
  Amount delta = 0;          // Signed change of the balance.
  Amount balance_after = 0;  // Balance right after this entry.
  friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};

}  // namespace kyoso::ledger
