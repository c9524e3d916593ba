// Applier: applies one batch's commands to the ledger state (internal to ledger/).
//
// It holds what the batch changes until commit: the dirty records, new history entries
// and hold index changes, and writes them into one WriteBatch. Inside a linked group it
// keeps an undo log so a failing member rolls the whole group back. Every apply function
// checks all of its conditions before it changes anything.
#pragma once

#include <functional>
#include <optional>
#include <unordered_set>
#include <variant>

#include "kyoso/ledger/flows.h"
#include "kyoso/ledger/lots.h"
#include "state.h"

namespace kyoso::ledger {

class Applier {
 public:
  Applier(Ledger::State& state, const Store& store, const Batch& batch);

  // Applies every command; one result each. Store read failures end up in io_status().
  std::vector<CommandResult> ApplyAll();
  const Status& io_status() const { return io_status_; }
  // Writes everything the batch changed, except the meta records and the flows.
  void WriteChanges(WriteBatch* out) const;
  // Visits every account this batch changed, as it is now.
  template <typename Visit>
  void ForEachChangedAccount(Visit&& visit) const {
    for (const AccountEntry* entry : dirty_accounts_) visit(*entry);
  }
  // Visits the records of this batch's transfers that move money between two accounts
  // (kyoso/ledger/flows.h), in the order they took effect.
  template <typename Visit>
  void ForEachFlowRecord(Visit&& visit) const {
    for (const TransferId& id : flow_records_) visit(*BatchRecord(id));
  }

 private:
  struct Savepoint {
    size_t undo_size;
    size_t history_size;
    size_t hold_ops_size;
    size_t flows_size;
    uint64_t last_seq;
    TimeNs last_timestamp;
  };
  struct AccountUndo {
    AccountId id;
    std::optional<Account> before;
  };
  struct CurrencyUndo {
    CurrencyCode code;
    std::optional<Currency> before;
  };
  struct ProgramUndo {
    ProgramId id;
    std::optional<Program> before;
  };
  struct RecordUndo {
    TransferId id;
    std::optional<TransferRecord> before;
  };
  using Undo = std::variant<AccountUndo, CurrencyUndo, ProgramUndo, RecordUndo>;
  struct HoldOp {
    bool is_delete;
    TimeNs expires_at;
    TransferId id;
  };

 public:
  // --- Used by the apply functions. ---
  TimeNs now() const { return state_.last_timestamp + 1; }
  const Ledger::State& state() const { return state_; }
  // Ticks consume the lazy expiry indexes directly; nothing else mutates state here.
  Ledger::State& tick_indexes() { return state_; }
  const Account* FindAccount(std::string_view id) const;
  const Currency* FindCurrency(std::string_view code) const;
  const Program* FindProgram(std::string_view id) const;
  Account& MutableAccount(const AccountId& id);
  // The same for an account found by FindAccount in this batch, without a second lookup.
  Account& MutableAccount(const Account& account);
  Currency& MutableCurrency(const CurrencyCode& code);
  Program& MutableProgram(const ProgramId& id);
  // Create new records; they must not exist.
  Account& InsertAccount(Account account);
  void InsertCurrency(Currency currency);
  void InsertProgram(Program program);
  void SetRates(const std::pair<CurrencyCode, CurrencyCode>& pair, std::vector<ExchangeRate> rates);

  std::optional<TransferRecord> LookupRecord(const TransferId& id);
  void PutRecord(TransferRecord record);

  // Assigns the next sequence number and timestamp to an entry that takes effect.
  void Stamp(uint64_t* seq, TimeNs* timestamp);
  uint64_t current_seq() const { return state_.last_seq; }
  TimeNs current_timestamp() const { return state_.last_timestamp; }
  // Appends a history line for `account` (balance after = its current balance).
  void Journal(const Account& account, TransferKind kind, const TransferId& transfer, Amount delta);
  void PutHold(TimeNs expires_at, const TransferId& id);
  void DeleteHold(TimeNs expires_at, const TransferId& id);
  void IndexLotExpiries(const Account& account);
  // A release published before or by this batch, or nullopt.
  std::optional<Release> LookupRelease(const ReleaseId& id);
  void AddRelease(Release release);
  // The epsilon spent on a month (thousandths), to read or to add to.
  uint32_t& PrivacySpent(const CurrencyCode& currency, int32_t month);

 private:
  CommandResult ApplyOne(const Command& command);
  CommandResult ApplyTransfer(const TransferRequest& request);
  // Applies commands [begin, end) as one linked group.
  void ApplyGroup(size_t begin, size_t end, std::vector<CommandResult>* results);
  // The answer for a member of a failed group, recording it if its id is new.
  CommandResult FailGroupMember(const TransferRequest& request, ResultCode code);
  Savepoint Save() const;
  // Marks an account to be written at commit, once per batch.
  // A changed account's lots are noted for the money in circulation before it changes
  // (the caller changes it after), except for a new account's.
  void MarkChanged(AccountEntry& entry, bool is_new = false);
  void Rollback(const Savepoint& savepoint);
  // The slot of `id` in record_slots_, or the empty slot where it would go.
  size_t RecordSlot(const TransferId& id) const;
  void GrowRecordSlots();
  // The record this batch wrote for `id`, or nullptr.
  const TransferRecord* BatchRecord(const TransferId& id) const;
  // Sets or, with nullopt, unsets the record this batch wrote for `id`.
  void SetBatchRecord(const TransferId& id, std::optional<TransferRecord> record);
  template <typename U, typename Key>
  void RememberBefore(char tag, const Key& key, const std::string& key_text);

  Ledger::State& state_;
  const Store& store_;
  const Batch& batch_;
  Status io_status_;

  std::vector<const AccountEntry*> dirty_accounts_;
  std::set<CurrencyCode> dirty_currencies_;
  std::set<ProgramId> dirty_programs_;
  std::set<std::pair<CurrencyCode, CurrencyCode>> dirty_rates_;
  // The transfer records this batch wrote, in order of first write, and an
  // open-addressing index over them by id (a power of two of slots, at most half full).
  // A record a rolled-back group had written stays in place, marked absent
  // (record_written_), so the index never needs to delete.
  std::vector<TransferRecord> records_;
  std::vector<bool> record_written_;
  std::vector<uint32_t> record_slots_;
  std::vector<HistoryEntry> history_;
  std::vector<HoldOp> hold_ops_;
  std::vector<TransferId> flow_records_;
  std::vector<Release> releases_;
  std::set<std::pair<CurrencyCode, int32_t>> dirty_budgets_;
  uint64_t first_seq_ = 0;
  TimeNs first_timestamp_ = 0;

  bool in_group_ = false;
  std::vector<Undo> undo_;
  std::unordered_set<std::string> saved_in_group_;
};

// Hold returns, shared by terminals (post, void) and ticks (hold expiry). The payer's
// lots once `lots` come back (merged, or as free money past the lot bound), or nullopt
// when they cannot: the balance would leave int64, or nothing can merge.
std::optional<std::vector<Lot>> LotsAfterReturn(const Account& payer, const std::vector<Lot>& lots);
// Gives a hold's `lots` back to its payer (LotsAfterReturn must have succeeded), ends the
// hold in `end_state` and journals the entry.
void ReleaseHold(Applier& applier, TransferRecord& hold, const std::vector<Lot>& lots,
                 HoldState end_state, TransferKind kind, const TransferId& entry_id);

// Per-command apply functions, one file per area. Each returns the command's result
// code and, for transfers, fills the record.
ResultCode ApplyCreateCurrency(Applier& applier, const CreateCurrency& command);
ResultCode ApplyCreateAccount(Applier& applier, const CreateAccount& command);
ResultCode ApplySetAccountStatus(Applier& applier, const SetAccountStatus& command);
ResultCode ApplyRotateOwnerKey(Applier& applier, const RotateOwnerKey& command);
ResultCode ApplySetResearchConsent(Applier& applier, const SetResearchConsent& command);
ResultCode ApplyCreateProgram(Applier& applier, const CreateProgram& command);
ResultCode ApplySetProgramRules(Applier& applier, const SetProgramRules& command);
ResultCode ApplySetExchangeRate(Applier& applier, const SetExchangeRate& command);
void ApplyTick(Applier& applier);
ResultCode ApplyTransferKind(Applier& applier, TransferRecord& record);
CommandResult ApplyPublishRelease(Applier& applier, const PublishRelease& command);

}  // namespace kyoso::ledger
