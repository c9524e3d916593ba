// Commands, batches and results: the input and output of Ledger::Apply.
//
// A Batch is what one committed raft entry carries: the leader's timestamp and the
// commands of many clients. Applying the same batches in the same order gives the same
// results and the same bytes on every replica.
#pragma once

#include <array>
#include <cstdint>
#include <variant>
#include <vector>

#include "kyoso/ledger/domain.h"
#include "kyoso/ledger/releases.h"

namespace kyoso::ledger {

// Commands per batch: bounds the work (and the raft entry) of one apply.
inline constexpr size_t kBatchCommandsMax = 8'192;

struct CreateCurrency {
  CurrencyCode code;
  std::string name;
  int32_t scale = 0;
  AccountId issuer_account;  // Created with the currency (kind issuer reserve).
  AccountId fee_account;     // Created with the currency (kind fee income).
  CurrencyCode backing;      // Empty: mutual credit.
  int64_t redemption_fee_bps = 0;
  Rational demurrage_rate;
  TimeNs demurrage_period_ns = 0;
  TimeNs default_lot_validity_ns = 0;
  friend bool operator==(const CreateCurrency&, const CreateCurrency&) = default;
};

// The account's kind is given by its id's prefix (res:, mch:, …).
struct CreateAccount {
  AccountId id;
  CurrencyCode currency;
  std::string district;
  std::string sector;
  Amount balance_max = 0;
  Amount credit_limit = 0;
  Amount monthly_spend_cap = 0;
  std::string owner_key;
  bool research_consent = false;
  friend bool operator==(const CreateAccount&, const CreateAccount&) = default;
};

struct SetAccountStatus {
  AccountId id;
  AccountStatus status = AccountStatus::kActive;
  friend bool operator==(const SetAccountStatus&, const SetAccountStatus&) = default;
};

// A resident lost the device holding its wallet key: the issuer registers a new key. The
// account, its balance and its lots stay; signatures by the old key no longer move them.
struct RotateOwnerKey {
  AccountId id;
  std::string owner_key;  // Raw 32-byte Ed25519 public key.
  friend bool operator==(const RotateOwnerKey&, const RotateOwnerKey&) = default;
};

struct SetResearchConsent {
  AccountId id;
  bool consent = false;
  friend bool operator==(const SetResearchConsent&, const SetResearchConsent&) = default;
};

struct CreateProgram {
  ProgramId id;
  std::string name;
  CurrencyCode currency;
  Amount budget = 0;
  TimeNs valid_from = 0;
  TimeNs valid_until = kNever;
  ProgramRules rules;  // The first version; its effective_at is valid_from if earlier.
  friend bool operator==(const CreateProgram&, const CreateProgram&) = default;
};

// An effective time of 0 in SetProgramRules or SetExchangeRate means "from the moment
// the command is applied": a client cannot know the ledger time in advance.
inline constexpr TimeNs kEffectiveNow = 0;

// A new version of a programme's rules; effective no earlier than the batch time, so a
// rule change never rewrites history.
struct SetProgramRules {
  ProgramId id;
  ProgramRules rules;
  friend bool operator==(const SetProgramRules&, const SetProgramRules&) = default;
};

// A new exchange rate version; effective no earlier than the batch time.
struct SetExchangeRate {
  ExchangeRate rate;
  friend bool operator==(const SetExchangeRate&, const SetExchangeRate&) = default;
};

// Runs, at the batch time, hold timeouts, lot expiries and demurrage.
struct Tick {
  friend bool operator==(const Tick&, const Tick&) = default;
};

using Command = std::variant<CreateCurrency, CreateAccount, SetAccountStatus, SetResearchConsent,
                             CreateProgram, SetProgramRules, SetExchangeRate, TransferRequest, Tick,
                             RotateOwnerKey, PublishRelease>;

struct Batch {
  uint64_t index = 0;    // The raft index (or a local counter); strictly increasing.
  TimeNs timestamp = 0;  // The leader's clock when it proposed the batch.
  std::vector<Command> commands;
};

using ChainHead = std::array<uint8_t, 32>;

struct CommandResult {
  ResultCode code = ResultCode::kOk;
  uint64_t seq = 0;      // Transfers: the global sequence number when applied.
  TimeNs timestamp = 0;  // Transfers: the ledger timestamp when applied.
  Amount fee = 0;
  Amount incentive = 0;
  Amount settled = 0;
  Amount credited = 0;
  bool duplicate = false;  // The transfer id was seen before: this is its first result.
  friend bool operator==(const CommandResult&, const CommandResult&) = default;
};

struct BatchResult {
  std::vector<CommandResult> results;  // One per command, in order.
  ChainHead chain_head{};              // After this batch.
};

}  // namespace kyoso::ledger
