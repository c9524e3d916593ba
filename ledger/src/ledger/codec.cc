#include "kyoso/ledger/codec.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kyoso/ledger/journal.h"

namespace kyoso::ledger {
namespace {

// Writer and Reader are the two archives. Each Serialize(archive, value) below lists a
// type's fields once; the Writer appends them and the Reader parses them back.
//
// The Writer gathers bytes in a small buffer of its own and appends them to the output
// in one go when it fills up and at Finish: a field then costs a bounds check and a few
// stores instead of a std::string append each.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  ~Writer() { assert(used_ == 0); }  // Finish was called.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  static constexpr bool kReading = false;

  template <typename... Ts>
  void operator()(Ts&... values) {
    (Put(values), ...);
  }
  // Appends what is still buffered to the output. Out of line: the fields' fast paths
  // stay small enough to inline.
  [[gnu::noinline]] void Finish() {
    out_->append(buffer_, used_);
    used_ = 0;
  }

 private:
  static constexpr size_t kBufferBytes = 512;
  static constexpr size_t kVarintBytesMax = 10;

  // Room for `size` more bytes in the buffer (size <= kBufferBytes).
  char* Room(size_t size) {
    if (kBufferBytes - used_ < size) [[unlikely]]
      Finish();
    return buffer_ + used_;
  }
  // Every integer field goes through here: inlined, each costs a few instructions.
  [[gnu::always_inline]] void PutVarint(uint64_t v) {
    char* bytes = Room(kVarintBytesMax);
    size_t size = 0;
    while (v >= 0x80) {
      bytes[size++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    bytes[size++] = static_cast<char>(v);
    used_ += size;
  }
  void PutBigEndian(uint64_t v) {
    char* bytes = Room(8);
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (56 - 8 * i));
    used_ += 8;
  }
  void Put(bool& v) {
    *Room(1) = v ? 1 : 0;
    ++used_;
  }
  void Put(uint8_t& v) { PutVarint(v); }
  void Put(uint16_t& v) { PutVarint(v); }
  void Put(uint32_t& v) { PutVarint(v); }
  void Put(uint64_t& v) { PutVarint(v); }
  void Put(int32_t& v) {
    int64_t wide = v;
    Put(wide);
  }
  [[gnu::always_inline]] void Put(int64_t& v) {
    PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Put(std::string& v) { Put(static_cast<std::string_view>(v)); }
  // Writes like a std::string: for bytes held elsewhere (the journal's encodings).
  void Put(std::string_view v) {
    PutVarint(v.size());
    if (v.size() > kBufferBytes) {
      Finish();
      out_->append(v);
      return;
    }
    std::memcpy(Room(v.size()), v.data(), v.size());
    used_ += v.size();
  }
  // As keys::AppendTransfer: 16 big-endian bytes.
  void Put(TransferId& v) {
    PutBigEndian(v.hi);
    PutBigEndian(v.lo);
  }
  void Put(Wide& v) {
    bool negative = v < 0;
    Wide magnitude = negative ? Wide(-v) : v;
    uint64_t low = static_cast<uint64_t>(magnitude & std::numeric_limits<uint64_t>::max());
    uint64_t high = static_cast<uint64_t>(magnitude >> 64);
    Put(negative);
    PutVarint(high);
    PutVarint(low);
  }
  template <typename E>
  requires std::is_enum_v<E>
  void Put(E& v) { PutVarint(static_cast<uint64_t>(v)); }
  template <typename T>
  void Put(std::vector<T>& list) {
    PutVarint(list.size());
    for (T& item : list) Put(item);
  }
  template <typename T>
  requires std::is_class_v<T>
  void Put(T& value) { Serialize(*this, value); }

  std::string* out_;
  char buffer_[kBufferBytes];
  size_t used_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  static constexpr bool kReading = true;

  template <typename... Ts>
  void operator()(Ts&... values) {
    (Get(values), ...);
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  void Fail() { ok_ = false; }

 private:
  bool GetVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && !in_.empty(); shift += 7) {
      auto byte = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    ok_ = false;
    return false;
  }
  template <typename U>
  void GetBounded(U* v) {
    uint64_t raw = 0;
    if (!GetVarint(&raw) || raw > std::numeric_limits<U>::max()) {
      ok_ = false;
      return;
    }
    *v = static_cast<U>(raw);
  }
  void Get(bool& v) {
    if (in_.empty() || static_cast<uint8_t>(in_.front()) > 1) {
      ok_ = false;
      return;
    }
    v = in_.front() == 1;
    in_.remove_prefix(1);
  }
  void Get(uint8_t& v) { GetBounded(&v); }
  void Get(uint16_t& v) { GetBounded(&v); }
  void Get(uint32_t& v) { GetBounded(&v); }
  void Get(uint64_t& v) { GetBounded(&v); }
  void Get(int64_t& v) {
    uint64_t raw = 0;
    if (!GetVarint(&raw)) return;
    v = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  }
  void Get(int32_t& v) {
    int64_t wide = 0;
    Get(wide);
    if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max()) {
      ok_ = false;
      return;
    }
    v = static_cast<int32_t>(wide);
  }
  void Get(std::string& v) {
    uint64_t size = 0;
    if (!GetVarint(&size) || size > in_.size()) {
      ok_ = false;
      return;
    }
    v.assign(in_.substr(0, size));
    in_.remove_prefix(size);
  }
  void Get(TransferId& v) {
    if (in_.size() < 16) {
      ok_ = false;
      return;
    }
    auto parsed = keys::ParseTransfer(in_.substr(0, 16));
    v = *parsed;
    in_.remove_prefix(16);
  }
  void Get(Wide& v) {
    bool negative = false;
    uint64_t high = 0;
    uint64_t low = 0;
    Get(negative);
    if (!GetVarint(&high) || !GetVarint(&low)) return;
    // Magnitudes above int128's range cannot have been written; refuse them.
    if (high > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      ok_ = false;
      return;
    }
    Wide magnitude = (Wide(high) << 64) | Wide(low);
    v = negative ? Wide(-magnitude) : magnitude;
  }
  template <typename E>
  requires std::is_enum_v<E>
  void Get(E& v) {
    std::underlying_type_t<E> raw{};
    Get(raw);
    v = static_cast<E>(raw);
    if (!ValidEnum(v)) ok_ = false;
  }
  template <typename T>
  void Get(std::vector<T>& list) {
    uint64_t size = 0;
    // Every element takes at least one byte, so a larger count is a lie.
    if (!GetVarint(&size) || size > in_.size()) {
      ok_ = false;
      return;
    }
    list.clear();
    list.resize(size);
    for (T& item : list) {
      if (!ok_) return;
      Get(item);
    }
  }
  template <typename T>
  requires std::is_class_v<T>
  void Get(T& value) { Serialize(*this, value); }

  static bool ValidEnum(AccountKind v) { return static_cast<int>(v) < kAccountKindCount; }
  static bool ValidEnum(AccountStatus v) { return v <= AccountStatus::kClosed; }
  static bool ValidEnum(TransferKind v) { return static_cast<int>(v) < kTransferKindCount; }
  static bool ValidEnum(ResultCode v) { return static_cast<int>(v) < kResultCodeCount; }
  static bool ValidEnum(HoldState v) { return v <= HoldState::kExpired; }
  static bool ValidEnum(FlowClass v) { return static_cast<int>(v) < kFlowClassCount; }
  static bool ValidEnum(GroupBy v) { return v <= GroupBy::kProgram; }

  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

namespace {

template <size_t... I>
Command VariantFromIndexImpl(size_t index, std::index_sequence<I...>) {
  Command result;
  ((index == I ? (result = std::variant_alternative_t<I, Command>{}, 0) : 0), ...);
  return result;
}

Command VariantFromIndex(size_t index) {
  return VariantFromIndexImpl(index, std::make_index_sequence<std::variant_size_v<Command>>{});
}

}  // namespace

// Field lists: the durable format. Append new fields only under a new format version.
template <typename A>
void Serialize(A& a, Rational& v) {
  a(v.num, v.den);
}
template <typename A>
void Serialize(A& a, Lot& v) {
  a(v.program, v.expiry, v.amount);
}
template <typename A>
void Serialize(A& a, ProgramUsage& v) {
  a(v.program, v.month, v.received_in_month, v.topup_outstanding, v.incentive_outstanding);
}
template <typename A>
void Serialize(A& a, Currency& v) {
  a(v.code, v.name, v.scale, v.issuer_account, v.fee_account, v.backing, v.redemption_fee_bps,
    v.demurrage_rate, v.demurrage_period_ns, v.default_lot_validity_ns, v.issued, v.burned, v.held,
    v.reserve, v.demurrage_next_at);
}
template <typename A>
void Serialize(A& a, Account& v) {
  a(v.id, v.kind, v.currency, v.district, v.sector, v.status, v.balance_max, v.credit_limit,
    v.monthly_spend_cap, v.owner_key, v.research_consent, v.lots, v.spend_month, v.spent_in_month,
    v.usage);
}
template <typename A>
void Serialize(A& a, ProgramRules& v) {
  a(v.effective_at, v.bonus_bps, v.cashback_bps, v.resident_monthly_cap, v.payee_kinds,
    v.payee_sectors, v.payee_districts, v.redeemer_kinds, v.lot_validity_ns, v.cash_out_allowed);
}
template <typename A>
void Serialize(A& a, Program& v) {
  a(v.id, v.name, v.currency, v.budget, v.valid_from, v.valid_until, v.versions, v.paid_out,
    v.returned);
}
template <typename A>
void Serialize(A& a, ExchangeRate& v) {
  a(v.from, v.to, v.effective_at, v.rate, v.fee_bps);
}
template <typename A>
void Serialize(A& a, TransferRequest& v) {
  a(v.id, v.kind, v.from, v.to, v.amount, v.program, v.ref, v.hold_timeout_ns, v.linked, v.memo,
    v.terminal);
}
template <typename A>
void Serialize(A& a, TransferRecord& v) {
  a(v.request, v.result, v.seq, v.timestamp, v.currency, v.lots, v.fee, v.incentive, v.settled,
    v.credited, v.refunded, v.hold_state, v.posted, v.hold_expires_at);
}
template <typename A>
void Serialize(A& a, HistoryEntry& v) {
  // The account and sequence number live in the key.
  a(v.timestamp, v.transfer, v.kind, v.delta, v.balance_after);
}
template <typename A>
void Serialize(A& a, CreateCurrency& v) {
  a(v.code, v.name, v.scale, v.issuer_account, v.fee_account, v.backing, v.redemption_fee_bps,
    v.demurrage_rate, v.demurrage_period_ns, v.default_lot_validity_ns);
}
template <typename A>
void Serialize(A& a, CreateAccount& v) {
  a(v.id, v.currency, v.district, v.sector, v.balance_max, v.credit_limit, v.monthly_spend_cap,
    v.owner_key, v.research_consent);
}
template <typename A>
void Serialize(A& a, SetAccountStatus& v) {
  a(v.id, v.status);
}
template <typename A>
void Serialize(A& a, SetResearchConsent& v) {
  a(v.id, v.consent);
}
template <typename A>
void Serialize(A& a, CreateProgram& v) {
  a(v.id, v.name, v.currency, v.budget, v.valid_from, v.valid_until, v.rules);
}
template <typename A>
void Serialize(A& a, SetProgramRules& v) {
  a(v.id, v.rules);
}
template <typename A>
void Serialize(A& a, SetExchangeRate& v) {
  a(v.rate);
}
template <typename A>
void Serialize(A&, Tick&) {}
template <typename A>
void Serialize(A& a, RotateOwnerKey& v) {
  a(v.id, v.owner_key);
}

template <typename A>
void Serialize(A& a, ReleaseBounds& v) {
  a(v.max_cells, v.max_count, v.max_amount);
}
template <typename A>
void Serialize(A& a, ReleaseSpec& v) {
  a(v.currency, v.month, v.flow_class, v.payer_group, v.payee_group, v.payer_partitions,
    v.payee_partitions, v.bounds);
}
template <typename A>
void Serialize(A& a, ReleaseCell& v) {
  a(v.count, v.sum);
}
template <typename A>
void Serialize(A& a, PublishRelease& v) {
  a(v.id, v.spec, v.epsilon_milli, v.budget_milli, v.count_margin, v.sum_margin, v.cells,
    v.contributors);
}
template <typename A>
void Serialize(A& a, Release& v) {
  a(v.release, v.published_at, v.spent_after_milli);
}

template <typename A>
void Serialize(A& a, Command& command) {
  auto tag = static_cast<uint8_t>(command.index());
  a(tag);
  if constexpr (A::kReading) {
    if (!a.ok() || tag >= std::variant_size_v<Command>) {
      a.Fail();
      return;
    }
    command = VariantFromIndex(tag);
  }
  std::visit([&a](auto& alternative) { Serialize(a, alternative); }, command);
}
template <typename A>
void Serialize(A& a, CommandResult& v) {
  a(v.code, v.seq, v.timestamp, v.fee, v.incentive, v.settled, v.credited, v.duplicate);
}
template <typename A>
void Serialize(A& a, Batch& v) {
  a(v.index, v.timestamp, v.commands);
}

namespace {

template <typename T>
void EncodeVersioned(const T& value, std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  Writer writer(out);
  writer(const_cast<T&>(value));  // The Writer only reads.
  writer.Finish();
}

template <typename T>
StatusOr<T> DecodeVersioned(std::string_view bytes, std::string_view what) {
  if (bytes.empty() || static_cast<uint8_t>(bytes.front()) != kFormatVersion) {
    return Status::Corruption(std::string(what) + ": unknown format version");
  }
  Reader reader(bytes.substr(1));
  T value{};
  reader(value);
  if (!reader.done()) return Status::Corruption(std::string(what) + ": malformed encoding");
  return value;
}

}  // namespace

void EncodeJournalValue(std::string_view batch, std::string_view results, const ChainHead& head,
                        std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  Writer writer(out);
  std::string_view head_bytes(reinterpret_cast<const char*>(head.data()), head.size());
  writer(batch, results, head_bytes);
  writer.Finish();
}
StatusOr<JournalEntry> DecodeJournalValue(uint64_t index, std::string_view bytes) {
  std::string where = "journal entry " + std::to_string(index);
  if (bytes.empty() || static_cast<uint8_t>(bytes.front()) != kFormatVersion) {
    return Status::Corruption(where + ": unknown format version");
  }
  JournalEntry entry;
  entry.index = index;
  std::string head;
  Reader reader(bytes.substr(1));
  reader(entry.batch, entry.results, head);
  if (!reader.done() || head.size() != entry.chain_head.size()) {
    return Status::Corruption(where + ": malformed encoding");
  }
  std::copy(head.begin(), head.end(), entry.chain_head.begin());
  return entry;
}

void EncodeBatch(const Batch& batch, std::string* out) {
  EncodeVersioned(batch, out);
}
StatusOr<Batch> DecodeBatch(std::string_view bytes) {
  return DecodeVersioned<Batch>(bytes, "batch");
}
void EncodeCommand(const Command& command, std::string* out) {
  EncodeVersioned(command, out);
}
StatusOr<Command> DecodeCommand(std::string_view bytes) {
  return DecodeVersioned<Command>(bytes, "command");
}
void EncodeResults(const std::vector<CommandResult>& results, std::string* out) {
  EncodeVersioned(results, out);
}
StatusOr<std::vector<CommandResult>> DecodeResults(std::string_view bytes) {
  return DecodeVersioned<std::vector<CommandResult>>(bytes, "results");
}
void EncodeCurrency(const Currency& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<Currency> DecodeCurrency(std::string_view bytes) {
  return DecodeVersioned<Currency>(bytes, "currency");
}
void EncodeAccount(const Account& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<Account> DecodeAccount(std::string_view bytes) {
  return DecodeVersioned<Account>(bytes, "account");
}
void EncodeProgram(const Program& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<Program> DecodeProgram(std::string_view bytes) {
  return DecodeVersioned<Program>(bytes, "program");
}
void EncodeRates(const std::vector<ExchangeRate>& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<std::vector<ExchangeRate>> DecodeRates(std::string_view bytes) {
  return DecodeVersioned<std::vector<ExchangeRate>>(bytes, "rates");
}
void EncodeTransferRecord(const TransferRecord& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<TransferRecord> DecodeTransferRecord(std::string_view bytes) {
  return DecodeVersioned<TransferRecord>(bytes, "transfer record");
}
void EncodeTransferRequest(const TransferRequest& value, std::string* out) {
  EncodeVersioned(value, out);
}
void EncodeRelease(const Release& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<Release> DecodeRelease(std::string_view bytes) {
  return DecodeVersioned<Release>(bytes, "release");
}
void EncodeHistoryValue(const HistoryEntry& value, std::string* out) {
  EncodeVersioned(value, out);
}
StatusOr<HistoryEntry> DecodeHistoryValue(std::string_view bytes) {
  return DecodeVersioned<HistoryEntry>(bytes, "history entry");
}

}  // namespace kyoso::ledger
