#include "applier.h"

#include <cassert>
#include <limits>

#include "kyoso/ledger/codec.h"

namespace kyoso::ledger {
namespace {

constexpr uint32_t kNoRecord = std::numeric_limits<uint32_t>::max();

// Spreads every bit of a transfer id into the low bits that pick a record slot: client
// ids may differ only in their high bits.
size_t RecordHash(const TransferId& id) {
  uint64_t h = id.hi * 0x9E3779B97F4A7C15ull ^ id.lo;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  return h ^ (h >> 32);
}

bool IsLinked(const Command& command) {
  const auto* transfer = std::get_if<TransferRequest>(&command);
  return transfer != nullptr && transfer->linked;
}

CommandResult ResultOf(const TransferRecord& record, bool duplicate) {
  return CommandResult{record.result,    record.seq,     record.timestamp, record.fee,
                       record.incentive, record.settled, record.credited,  duplicate};
}

}  // namespace

Applier::Applier(Ledger::State& state, const Store& store, const Batch& batch)
    : state_(state), store_(store), batch_(batch) {
  // At most one record per command, and a history line or two for most of them.
  records_.reserve(batch.commands.size());
  record_written_.reserve(batch.commands.size());
  history_.reserve(2 * batch.commands.size());
  size_t slots = 16;
  while (slots < 2 * batch.commands.size()) slots *= 2;
  record_slots_.assign(slots, kNoRecord);
  // Ledger time never goes backwards, even if the leader's clock does.
  if (batch.timestamp > state_.last_timestamp + 1) state_.last_timestamp = batch.timestamp - 1;
  first_seq_ = state_.last_seq + 1;
  first_timestamp_ = state_.last_timestamp + 1;
}

std::vector<CommandResult> Applier::ApplyAll() {
  std::vector<CommandResult> results(batch_.commands.size());
  size_t i = 0;
  while (i < batch_.commands.size() && io_status_.ok()) {
    size_t end = i;
    while (end < batch_.commands.size() && IsLinked(batch_.commands[end])) ++end;
    if (end == i) {
      results[i] = ApplyOne(batch_.commands[i]);
      ++i;
      continue;
    }
    // A group ends with a transfer that is not linked; a batch that ends first, or a
    // command of another kind, leaves it open and none of it is applied.
    if (end == batch_.commands.size() ||
        !std::holds_alternative<TransferRequest>(batch_.commands[end])) {
      for (size_t k = i; k < end; ++k) results[k].code = ResultCode::kLinkedGroupOpen;
      i = end;
      continue;
    }
    ApplyGroup(i, end + 1, &results);
    i = end + 1;
  }
  return results;
}

CommandResult Applier::ApplyOne(const Command& command) {
  CommandResult result;
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, TransferRequest>) {
          result = ApplyTransfer(c);
        } else if constexpr (std::is_same_v<T, Tick>) {
          ApplyTick(*this);
        } else if constexpr (std::is_same_v<T, CreateCurrency>) {
          result.code = ApplyCreateCurrency(*this, c);
        } else if constexpr (std::is_same_v<T, CreateAccount>) {
          result.code = ApplyCreateAccount(*this, c);
        } else if constexpr (std::is_same_v<T, SetAccountStatus>) {
          result.code = ApplySetAccountStatus(*this, c);
        } else if constexpr (std::is_same_v<T, RotateOwnerKey>) {
          result.code = ApplyRotateOwnerKey(*this, c);
        } else if constexpr (std::is_same_v<T, SetResearchConsent>) {
          result.code = ApplySetResearchConsent(*this, c);
        } else if constexpr (std::is_same_v<T, CreateProgram>) {
          result.code = ApplyCreateProgram(*this, c);
        } else if constexpr (std::is_same_v<T, PublishRelease>) {
          result = ApplyPublishRelease(*this, c);
        } else if constexpr (std::is_same_v<T, SetProgramRules>) {
          result.code = ApplySetProgramRules(*this, c);
        } else {
          static_assert(std::is_same_v<T, SetExchangeRate>);
          result.code = ApplySetExchangeRate(*this, c);
        }
      },
      command);
  return result;
}

CommandResult Applier::ApplyTransfer(const TransferRequest& request) {
  CommandResult result;
  if (request.id.is_zero()) {
    result.code = ResultCode::kInvalidTransferId;
    return result;
  }
  if (std::optional<TransferRecord> seen = LookupRecord(request.id)) {
    if (!(seen->request == request)) {
      result.code = ResultCode::kDuplicateIdDifferentBody;
      return result;
    }
    result = CommandResult{seen->result,    seen->seq,     seen->timestamp, seen->fee,
                           seen->incentive, seen->settled, seen->credited,  true};
    return result;
  }
  TransferRecord record;
  record.request = request;
  record.timestamp = now();
  record.result = ApplyTransferKind(*this, record);
  if (record.result != ResultCode::kOk) {
    record.seq = 0;
    record.lots.clear();
  }
  result = ResultOf(record, false);
  if (record.result == ResultCode::kOk && FlowClassOf(record.request.kind)) {
    flow_records_.push_back(record.request.id);
  }
  PutRecord(std::move(record));
  return result;
}

void Applier::ApplyGroup(size_t begin, size_t end, std::vector<CommandResult>* results) {
  Savepoint savepoint = Save();
  in_group_ = true;
  size_t failed = end;
  for (size_t k = begin; k < end; ++k) {
    (*results)[k] = ApplyOne(batch_.commands[k]);
    if ((*results)[k].code != ResultCode::kOk) {
      failed = k;
      break;
    }
  }
  in_group_ = false;
  saved_in_group_.clear();
  if (failed == end) {
    undo_.clear();
    return;
  }
  // All or nothing: undo the group, then answer each member as a retry of the same
  // group will be answered: ids seen before keep their first result, the others are
  // recorded as failed.
  Rollback(savepoint);
  ResultCode cause = (*results)[failed].code;
  for (size_t k = begin; k < end; ++k) {
    const auto& request = std::get<TransferRequest>(batch_.commands[k]);
    (*results)[k] = FailGroupMember(request, k == failed ? cause : ResultCode::kLinkedEventFailed);
  }
}

CommandResult Applier::FailGroupMember(const TransferRequest& request, ResultCode code) {
  if (request.id.is_zero()) return CommandResult{ResultCode::kInvalidTransferId};
  if (std::optional<TransferRecord> seen = LookupRecord(request.id)) {
    if (!(seen->request == request)) return CommandResult{ResultCode::kDuplicateIdDifferentBody};
    return ResultOf(*seen, true);
  }
  TransferRecord record;
  record.request = request;
  record.timestamp = now();
  record.result = code;
  CommandResult result = ResultOf(record, false);
  PutRecord(std::move(record));
  return result;
}

Applier::Savepoint Applier::Save() const {
  return Savepoint{undo_.size(),         history_.size(), hold_ops_.size(),
                   flow_records_.size(), state_.last_seq, state_.last_timestamp};
}

void Applier::Rollback(const Savepoint& savepoint) {
  while (undo_.size() > savepoint.undo_size) {
    std::visit(
        [this](auto& undo) {
          using T = std::decay_t<decltype(undo)>;
          auto restore = [](auto& map, const auto& key, auto& before) {
            if (before) {
              map[key] = std::move(*before);
            } else {
              map.erase(key);
            }
          };
          if constexpr (std::is_same_v<T, AccountUndo>) {
            // Accounts are created only outside groups, so the entry is still there.
            static_cast<Account&>(*state_.accounts.Find(undo.id)) = std::move(*undo.before);
          } else if constexpr (std::is_same_v<T, CurrencyUndo>) {
            restore(state_.currencies, undo.code, undo.before);
          } else if constexpr (std::is_same_v<T, ProgramUndo>) {
            restore(state_.programs, undo.id, undo.before);
          } else {
            SetBatchRecord(undo.id, std::move(undo.before));
          }
        },
        undo_.back());
    undo_.pop_back();
  }
  history_.resize(savepoint.history_size);
  hold_ops_.resize(savepoint.hold_ops_size);
  flow_records_.resize(savepoint.flows_size);
  state_.last_seq = savepoint.last_seq;
  state_.last_timestamp = savepoint.last_timestamp;
}

template <typename U, typename Key>
void Applier::RememberBefore(char tag, const Key& key, const std::string& key_text) {
  if (!in_group_) return;
  if (!saved_in_group_.insert(std::string(1, tag) + key_text).second) return;
  U undo;
  if constexpr (std::is_same_v<U, AccountUndo>) {
    undo.id = key;
    if (const AccountEntry* entry = state_.accounts.Find(key)) {
      undo.before = static_cast<const Account&>(*entry);
    }
  } else if constexpr (std::is_same_v<U, CurrencyUndo>) {
    undo.code = key;
    if (auto it = state_.currencies.find(key); it != state_.currencies.end()) {
      undo.before = it->second;
    }
  } else if constexpr (std::is_same_v<U, ProgramUndo>) {
    undo.id = key;
    if (auto it = state_.programs.find(key); it != state_.programs.end()) undo.before = it->second;
  } else {
    undo.id = key;
    if (const TransferRecord* record = BatchRecord(key)) undo.before = *record;
  }
  undo_.emplace_back(std::move(undo));
}

const Account* Applier::FindAccount(std::string_view id) const {
  return state_.accounts.Find(id);
}

const Currency* Applier::FindCurrency(std::string_view code) const {
  auto it = state_.currencies.find(CurrencyCode(code));
  return it == state_.currencies.end() ? nullptr : &it->second;
}

const Program* Applier::FindProgram(std::string_view id) const {
  auto it = state_.programs.find(ProgramId(id));
  return it == state_.programs.end() ? nullptr : &it->second;
}

Account& Applier::MutableAccount(const AccountId& id) {
  const Account* account = FindAccount(id);
  assert(account != nullptr);
  return MutableAccount(*account);
}

Account& Applier::MutableAccount(const Account& account) {
  // Every Account the Applier hands out is the base of an AccountEntry in the state.
  assert(FindAccount(account.id) == &account);
  auto& entry = static_cast<AccountEntry&>(const_cast<Account&>(account));
  RememberBefore<AccountUndo>('a', entry.id, entry.id);
  MarkChanged(entry);
  return entry;
}

void Applier::MarkChanged(AccountEntry& entry, bool is_new) {
  if (entry.changed_in_batch == batch_.index) return;
  entry.changed_in_batch = batch_.index;
  dirty_accounts_.push_back(&entry);
  if (!is_new) state_.stocks.Before(entry);  // A new account held nothing before.
}

Currency& Applier::MutableCurrency(const CurrencyCode& code) {
  RememberBefore<CurrencyUndo>('c', code, code);
  dirty_currencies_.insert(code);
  return state_.currencies.at(code);
}

Program& Applier::MutableProgram(const ProgramId& id) {
  RememberBefore<ProgramUndo>('p', id, id);
  dirty_programs_.insert(id);
  return state_.programs.at(id);
}

Account& Applier::InsertAccount(Account account) {
  assert(!in_group_);  // Admin commands are never linked, so no undo is needed.
  assert(state_.accounts.Find(account.id) == nullptr);
  AccountEntry& entry = state_.accounts.Put(std::move(account));
  MarkChanged(entry, /*is_new=*/true);
  return entry;
}

void Applier::InsertCurrency(Currency currency) {
  assert(!in_group_);
  dirty_currencies_.insert(currency.code);
  CurrencyCode code = currency.code;
  state_.currencies.emplace(code, std::move(currency));
}

void Applier::InsertProgram(Program program) {
  assert(!in_group_);
  dirty_programs_.insert(program.id);
  ProgramId id = program.id;
  state_.programs.emplace(id, std::move(program));
}

void Applier::SetRates(const std::pair<CurrencyCode, CurrencyCode>& pair,
                       std::vector<ExchangeRate> rates) {
  assert(!in_group_);  // Rates are set by admin commands, which are never linked.
  dirty_rates_.insert(pair);
  state_.rates[pair] = std::move(rates);
}

std::optional<TransferRecord> Applier::LookupRecord(const TransferId& id) {
  if (const TransferRecord* record = BatchRecord(id)) return *record;
  std::string value;
  keys::TransferKey key = keys::TransferKeyOf(id);
  Status status = store_.Get(Column::kTransfers, std::string_view(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) {
    io_status_ = status;
    return std::nullopt;
  }
  StatusOr<TransferRecord> record = DecodeTransferRecord(value);
  if (!record.ok()) {
    io_status_ = record.status();
    return std::nullopt;
  }
  return std::move(record).value();
}

void Applier::PutRecord(TransferRecord record) {
  // Only a linked group needs the record's key for its undo log; build it only there.
  if (in_group_)
    RememberBefore<RecordUndo>('t', record.request.id, keys::Transfer(record.request.id));
  TransferId id = record.request.id;
  SetBatchRecord(id, std::move(record));
}

size_t Applier::RecordSlot(const TransferId& id) const {
  const size_t mask = record_slots_.size() - 1;
  for (size_t slot = RecordHash(id) & mask;; slot = (slot + 1) & mask) {
    uint32_t index = record_slots_[slot];
    if (index == kNoRecord || records_[index].request.id == id) return slot;
  }
}

void Applier::GrowRecordSlots() {
  record_slots_.assign(2 * record_slots_.size(), kNoRecord);
  for (size_t i = 0; i < records_.size(); ++i) {
    record_slots_[RecordSlot(records_[i].request.id)] = static_cast<uint32_t>(i);
  }
}

const TransferRecord* Applier::BatchRecord(const TransferId& id) const {
  uint32_t index = record_slots_[RecordSlot(id)];
  return index != kNoRecord && record_written_[index] ? &records_[index] : nullptr;
}

void Applier::SetBatchRecord(const TransferId& id, std::optional<TransferRecord> record) {
  size_t slot = RecordSlot(id);
  uint32_t index = record_slots_[slot];
  if (index == kNoRecord) {
    if (!record) return;
    // Ticks, posts and refunds also rewrite earlier transfers' records, so a batch may
    // hold more records than commands: keep the index at most half full.
    if (2 * (records_.size() + 1) > record_slots_.size()) {
      GrowRecordSlots();
      slot = RecordSlot(id);
    }
    record_slots_[slot] = static_cast<uint32_t>(records_.size());
    records_.push_back(std::move(*record));
    record_written_.push_back(true);
    return;
  }
  record_written_[index] = record.has_value();
  if (record) records_[index] = std::move(*record);
}

void Applier::Stamp(uint64_t* seq, TimeNs* timestamp) {
  *seq = ++state_.last_seq;
  *timestamp = ++state_.last_timestamp;
}

void Applier::Journal(const Account& account, TransferKind kind, const TransferId& transfer,
                      Amount delta) {
  history_.push_back(HistoryEntry{account.id, state_.last_seq, state_.last_timestamp, transfer,
                                  kind, delta, BalanceOf(account)});
}

void Applier::PutHold(TimeNs expires_at, const TransferId& id) {
  hold_ops_.push_back(HoldOp{false, expires_at, id});
  state_.hold_expiries.emplace(expires_at, id);
}

void Applier::DeleteHold(TimeNs expires_at, const TransferId& id) {
  hold_ops_.push_back(HoldOp{true, expires_at, id});
}

void Applier::IndexLotExpiries(const Account& account) {
  for (const Lot& lot : account.lots) {
    if (lot.expiry != kNever) state_.lot_expiries.emplace(lot.expiry, account.id);
  }
}

std::optional<Release> Applier::LookupRelease(const ReleaseId& id) {
  for (const Release& release : releases_) {
    if (release.release.id == id) return release;
  }
  std::string value;
  Status read = store_.Get(Column::kReleases, release_keys::Release(id), &value);
  if (read.IsNotFound()) return std::nullopt;
  StatusOr<Release> release = read.ok() ? DecodeRelease(value) : StatusOr<Release>(read);
  if (!release.ok()) {
    if (io_status_.ok()) io_status_ = release.status();
    return std::nullopt;
  }
  return std::move(release).value();
}

void Applier::AddRelease(Release release) {
  releases_.push_back(std::move(release));
}

uint32_t& Applier::PrivacySpent(const CurrencyCode& currency, int32_t month) {
  dirty_budgets_.emplace(currency, month);
  return state_.privacy_spent[{currency, month}];
}

void Applier::WriteChanges(WriteBatch* out) const {
  // Values are encoded straight into the batch's buffer; `key` is reused for the keys
  // that do not fit std::string's inline buffer.
  std::string key;
  for (const AccountEntry* entry : dirty_accounts_) {
    key.assign(1, keys::kAccountTag).append(entry->id);
    out->PutWith(Column::kState, key, [&](std::string* value) { EncodeAccount(*entry, value); });
  }
  for (const CurrencyCode& code : dirty_currencies_) {
    out->PutWith(Column::kState, keys::Currency(code),
                 [&](std::string* value) { EncodeCurrency(state_.currencies.at(code), value); });
  }
  for (const ProgramId& id : dirty_programs_) {
    out->PutWith(Column::kState, keys::Program(id),
                 [&](std::string* value) { EncodeProgram(state_.programs.at(id), value); });
  }
  for (const auto& pair : dirty_rates_) {
    out->PutWith(Column::kState, keys::Rate(pair.first, pair.second),
                 [&](std::string* value) { EncodeRates(state_.rates.at(pair), value); });
  }
  for (size_t i = 0; i < records_.size(); ++i) {
    if (!record_written_[i]) continue;
    const TransferRecord& record = records_[i];
    keys::TransferKey transfer_key = keys::TransferKeyOf(record.request.id);
    out->PutWith(Column::kTransfers, std::string_view(transfer_key.data(), transfer_key.size()),
                 [&](std::string* value) { EncodeTransferRecord(record, value); });
  }
  for (const HistoryEntry& entry : history_) {
    key.clear();
    keys::AppendHistory(entry.account, entry.seq, &key);
    out->PutWith(Column::kHistory, key,
                 [&](std::string* value) { EncodeHistoryValue(entry, value); });
  }
  for (const Release& release : releases_) {
    const PublishRelease& published = release.release;
    out->PutWith(Column::kReleases, release_keys::Release(published.id),
                 [&](std::string* value) { EncodeRelease(release, value); });
    for (const AccountId& account : published.contributors) {
      out->Put(Column::kReleases, release_keys::Included(account, published.id), "");
    }
  }
  for (const auto& month : dirty_budgets_) {
    out->Put(Column::kReleases, release_keys::Budget(month.first, month.second),
             release_keys::EncodeSpent(state_.privacy_spent.at(month)));
  }
  for (const HoldOp& op : hold_ops_) {
    if (op.is_delete) {
      out->Delete(Column::kHolds, keys::Hold(op.expires_at, op.id));
    } else {
      out->Put(Column::kHolds, keys::Hold(op.expires_at, op.id), "");
    }
  }
  if (state_.last_seq >= first_seq_) {
    // Entries of this batch are numbered first_seq_.. and stamped first_timestamp_..,
    // one nanosecond apart, so a time maps to a sequence number (Ledger::LastSeqAt) and
    // to the batch's journal entry (Ledger::TransfersBetween).
    out->Put(Column::kBatches, keys::BatchStart(first_timestamp_),
             keys::BatchSpanValue({first_seq_, state_.last_seq - first_seq_ + 1, batch_.index}));
  }
}

}  // namespace kyoso::ledger
