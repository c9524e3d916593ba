#include "kyoso/ledger/ledger.h"

#include "applier.h"
#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/journal.h"

namespace kyoso::ledger {
namespace {

// A store that has applied batches must have `marker`, which every batch writes since
// the store's layout changed as `without` says it was before.
Status RequireMarker(const Store& store, std::string_view marker, const Ledger::State& state,
                     std::string_view without) {
  std::string value;
  Status status = store.Get(Column::kMeta, marker, &value);
  if (status.IsNotFound() && state.applied_index > 0) {
    return Status::FailedPrecondition("this data directory was written by a Kyoso that " +
                                      std::string(without) +
                                      "; there is no migration: start from a new data directory");
  }
  return status.IsNotFound() ? Status::Ok() : status;
}

Status ReadMeta(const Store& store, Ledger::State* state) {
  std::string value;
  Status status = store.Get(Column::kMeta, keys::kFormat, &value);
  if (status.IsNotFound()) return Status::Ok();  // A new store.
  KYOSO_RETURN_IF_ERROR(status);
  if (value.size() != 1 || static_cast<uint8_t>(value[0]) != kFormatVersion) {
    return Status::FailedPrecondition(
        "store format version " + std::to_string(value.empty() ? 0 : value[0]) +
        " is not the supported version " + std::to_string(kFormatVersion));
  }
  auto read_u64 = [&](std::string_view key, uint64_t* out) -> Status {
    KYOSO_RETURN_IF_ERROR(store.Get(Column::kMeta, key, &value));
    StatusOr<uint64_t> parsed = keys::ParseU64(value);
    if (!parsed.ok()) return parsed.status();
    *out = *parsed;
    return Status::Ok();
  };
  uint64_t last_timestamp = 0;
  KYOSO_RETURN_IF_ERROR(read_u64(keys::kAppliedIndex, &state->applied_index));
  KYOSO_RETURN_IF_ERROR(read_u64(keys::kNextSeq, &state->last_seq));
  KYOSO_RETURN_IF_ERROR(read_u64(keys::kLastTimestamp, &last_timestamp));
  state->last_timestamp = static_cast<TimeNs>(last_timestamp);
  KYOSO_RETURN_IF_ERROR(store.Get(Column::kMeta, keys::kChainHead, &value));
  if (value.size() != state->chain_head.size()) return Status::Corruption("chain head size");
  std::copy(value.begin(), value.end(), state->chain_head.begin());
  // Its money in circulation could not be rebuilt the same way on every replica, and its
  // flow records of the day would not be read.
  KYOSO_RETURN_IF_ERROR(
      RequireMarker(store, keys::kCirculation, *state, "did not keep the money in circulation"));
  return RequireMarker(store, keys::kFlowDayLog, *state,
                       "kept the day's flow records one key each");
}

template <typename T>
Status Load(StatusOr<T> decoded, T* into) {
  if (!decoded.ok()) return decoded.status();
  *into = std::move(decoded).value();
  return Status::Ok();
}

Status LoadStateRecord(std::string_view key, std::string_view value, Ledger::State* state) {
  if (key.empty()) return Status::Corruption("empty state key");
  std::string name(key.substr(1));
  switch (key[0]) {
    case keys::kCurrencyTag:
      return Load(DecodeCurrency(value), &state->currencies[name]);
    case keys::kAccountTag: {
      StatusOr<Account> account = DecodeAccount(value);
      if (!account.ok()) return account.status();
      state->accounts.Put(std::move(account).value());
      return Status::Ok();
    }
    case keys::kProgramTag:
      return Load(DecodeProgram(value), &state->programs[name]);
    case keys::kRateTag: {
      size_t zero = name.find('\0');
      if (zero == std::string::npos) return Status::Corruption("rate key");
      auto pair = std::make_pair(name.substr(0, zero), name.substr(zero + 1));
      return Load(DecodeRates(value), &state->rates[pair]);
    }
    default:
      return Status::Corruption("unknown state record tag");
  }
}

Status LoadState(const Store& store, Ledger::State* state) {
  Status record_status;
  KYOSO_RETURN_IF_ERROR(
      store.Scan(Column::kState, "", "", false, [&](std::string_view key, std::string_view value) {
        record_status = LoadStateRecord(key, value, state);
        return record_status.ok();
      }));
  KYOSO_RETURN_IF_ERROR(record_status);
  KYOSO_RETURN_IF_ERROR(
      store.Scan(Column::kHolds, "", "", false, [&](std::string_view key, std::string_view) {
        StatusOr<std::pair<TimeNs, TransferId>> hold = keys::ParseHold(key);
        if (!hold.ok()) record_status = hold.status();
        if (hold.ok()) state->hold_expiries.insert(*hold);
        return hold.ok();
      }));
  KYOSO_RETURN_IF_ERROR(record_status);
  KYOSO_RETURN_IF_ERROR(release_keys::LoadPrivacySpent(store, &state->privacy_spent));
  for (const auto& entry : state->accounts.entries()) {
    for (const Lot& lot : entry->lots) {
      if (lot.expiry != kNever) state->lot_expiries.emplace(lot.expiry, entry->id);
    }
  }
  return Status::Ok();
}

}  // namespace

Ledger::Ledger(Store* store, std::unique_ptr<State> state)
    : store_(store), state_(std::move(state)) {}
Ledger::~Ledger() = default;

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(Store* store) {
  auto state = std::make_unique<State>();
  KYOSO_RETURN_IF_ERROR(ReadMeta(*store, state.get()));
  KYOSO_RETURN_IF_ERROR(LoadState(*store, state.get()));
  std::vector<CurrencyCode> currencies;
  for (const auto& [code, currency] : state->currencies) currencies.push_back(code);
  const AccountTable& accounts = state->accounts;
  KYOSO_RETURN_IF_ERROR(state->flows.Load(
      *store, state->last_timestamp, currencies,
      [&accounts](std::string_view id) -> const Account* { return accounts.Find(id); }));
  return std::unique_ptr<Ledger>(new Ledger(store, std::move(state)));
}

StatusOr<BatchResult> Ledger::Apply(const Batch& batch) {
  if (broken_) {
    return Status::FailedPrecondition("an earlier store failure left this ledger unusable; reopen");
  }
  if (batch.index <= state_->applied_index) {
    return Status::FailedPrecondition("batch " + std::to_string(batch.index) +
                                      " is not after the applied index " +
                                      std::to_string(state_->applied_index));
  }
  if (batch.commands.size() > kBatchCommandsMax) {
    return Status::InvalidArgument("batch has more than " + std::to_string(kBatchCommandsMax) +
                                   " commands");
  }
  // From here on the memory state changes; any failure leaves it unusable.
  broken_ = true;
  Applier applier(*state_, *store_, batch);
  BatchResult result;
  result.results = applier.ApplyAll();
  KYOSO_RETURN_IF_ERROR(applier.io_status());
  KYOSO_RETURN_IF_ERROR(Commit(batch, &result, applier));
  broken_ = false;
  return result;
}

Status Ledger::Commit(const Batch& batch, BatchResult* result, Applier& applier) {
  batch_bytes_.clear();
  result_bytes_.clear();
  EncodeBatch(batch, &batch_bytes_);
  EncodeResults(result->results, &result_bytes_);
  result->chain_head = NextChainHead(state_->chain_head, batch_bytes_, result_bytes_);

  WriteBatch& write = write_;
  write.Clear();
  applier.WriteChanges(&write);
  applier.ForEachFlowRecord([&](const TransferRecord& record) {
    const Account* payer = state_->accounts.Find(record.request.from);
    const Account* payee = state_->accounts.Find(record.request.to);
    const Account* issuer = nullptr;  // Only a cash-back comes from the issuer.
    if (record.incentive > 0) {
      auto currency = state_->currencies.find(record.currency);
      if (currency != state_->currencies.end()) {
        issuer = state_->accounts.Find(currency->second.issuer_account);
      }
    }
    if (payer != nullptr && payee != nullptr) {
      state_->flows.Add(record, *payer, *payee, issuer, &write);
    }
  });
  state_->flows.Flush(&write);
  applier.ForEachChangedAccount([&](const Account& account) { state_->stocks.After(account); });
  KYOSO_RETURN_IF_ERROR(state_->stocks.Commit(*store_, state_->last_timestamp, &write));
  std::string head(result->chain_head.begin(), result->chain_head.end());
  write.Put(Column::kMeta, keys::kFormat, std::string(1, static_cast<char>(kFormatVersion)));
  write.Put(Column::kMeta, keys::kCirculation, std::string());
  write.Put(Column::kMeta, keys::kFlowDayLog, std::string());
  write.Put(Column::kMeta, keys::kAppliedIndex, keys::U64(batch.index));
  write.Put(Column::kMeta, keys::kChainHead, head);
  journal_value_.clear();
  EncodeJournalValue(batch_bytes_, result_bytes_, result->chain_head, &journal_value_);
  write.Put(Column::kJournal, keys::U64(batch.index), journal_value_);
  write.Put(Column::kMeta, keys::kNextSeq, keys::U64(state_->last_seq));
  write.Put(Column::kMeta, keys::kLastTimestamp,
            keys::U64(static_cast<uint64_t>(state_->last_timestamp)));
  KYOSO_RETURN_IF_ERROR(store_->Write(write));
  state_->applied_index = batch.index;
  state_->chain_head = result->chain_head;
  return Status::Ok();
}

uint64_t Ledger::applied_index() const {
  return state_->applied_index;
}
const ChainHead& Ledger::chain_head() const {
  return state_->chain_head;
}
uint64_t Ledger::last_seq() const {
  return state_->last_seq;
}
TimeNs Ledger::last_timestamp() const {
  return state_->last_timestamp;
}

const Currency* Ledger::FindCurrency(std::string_view code) const {
  auto it = state_->currencies.find(CurrencyCode(code));
  return it == state_->currencies.end() ? nullptr : &it->second;
}

const Account* Ledger::FindAccount(std::string_view id) const {
  return state_->accounts.Find(id);
}

const Program* Ledger::FindProgram(std::string_view id) const {
  auto it = state_->programs.find(ProgramId(id));
  return it == state_->programs.end() ? nullptr : &it->second;
}

std::optional<ExchangeRate> Ledger::RateAt(std::string_view from, std::string_view to,
                                           TimeNs at) const {
  auto it = state_->rates.find({CurrencyCode(from), CurrencyCode(to)});
  if (it == state_->rates.end()) return std::nullopt;
  std::optional<ExchangeRate> in_force;
  for (const ExchangeRate& rate : it->second) {
    if (rate.effective_at <= at) in_force = rate;
  }
  return in_force;
}

const std::map<CurrencyCode, Currency>& Ledger::currencies() const {
  return state_->currencies;
}
const std::map<ProgramId, Program>& Ledger::programs() const {
  return state_->programs;
}

void Ledger::ForEachAccount(const std::function<void(const Account&)>& visit) const {
  for (const auto& entry : state_->accounts.entries()) visit(*entry);
}

}  // namespace kyoso::ledger
