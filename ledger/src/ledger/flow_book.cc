#include "flow_book.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>

#include "kyoso/ledger/codec.h"

namespace kyoso::ledger {
namespace {

std::string Prefix(const CurrencyCode& currency, const Period& period, FlowClass flow_class) {
  std::string key(currency);
  key.push_back('\0');
  key.push_back(static_cast<char>(period.kind));
  keys::AppendDay(period.start_day, &key);
  key.push_back(static_cast<char>(flow_class));
  return key;
}

// The book's current day (a day number), so that a reopened book goes on where it was
// even when ledger time has moved on since: a key no currency's records can have.
const std::string kBookDayKey("\0day", 4);

// The current day's log (flow_book.h): "\0log", the day, then each value's number.
std::string LogPrefix(int32_t day) {
  std::string key("\0log", 4);
  keys::AppendDay(day, &key);
  return key;
}

// A closed period's records are written in chunks of this many (see flow_book.h).
constexpr size_t kChunkRecordsMax = 4'096;
constexpr uint8_t kSameProgram = 1;
constexpr uint8_t kSamePayer = 2;

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool ReadVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void AppendText(std::string_view text, std::string* out) {
  AppendVarint(text.size(), out);
  out->append(text);
}

bool ReadText(std::string_view* in, std::string_view* text) {
  uint64_t size = 0;
  if (!ReadVarint(in, &size) || size > in->size()) return false;
  *text = in->substr(0, size);
  in->remove_prefix(size);
  return true;
}

// One record of a chunk: flags, the programme and payer unless the same as the record
// before's, the payee, the count, the sum (16 bytes, big-endian).
void AppendChunkRecord(const FlowPair& pair, const FlowPair* before, std::string* out) {
  uint8_t flags = 0;
  if (before != nullptr && before->program == pair.program) flags |= kSameProgram;
  if (before != nullptr && before->payer == pair.payer) flags |= kSamePayer;
  out->push_back(static_cast<char>(flags));
  if ((flags & kSameProgram) == 0) AppendText(pair.program, out);
  if ((flags & kSamePayer) == 0) AppendText(pair.payer, out);
  AppendText(pair.payee, out);
  AppendVarint(pair.count, out);
  // Sums are never negative: every flow adds a positive amount.
  keys::AppendU64(static_cast<uint64_t>(pair.sum >> 64), out);
  keys::AppendU64(static_cast<uint64_t>(pair.sum), out);
}

// Reads one record of a chunk into *pair, which holds the record before (`first`: there
// is none, and the record must not refer to it); false when it cannot be read.
bool ReadChunkRecord(std::string_view* in, bool first, FlowPair* pair) {
  if (in->empty()) return false;
  auto flags = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  if (first && flags != 0) return false;
  if ((flags & kSameProgram) == 0 && !ReadText(in, &pair->program)) return false;
  if ((flags & kSamePayer) == 0 && !ReadText(in, &pair->payer)) return false;
  if (!ReadText(in, &pair->payee) || !ReadVarint(in, &pair->count)) return false;
  if (in->size() < 16) return false;
  pair->sum = (FlowSum{keys::ReadU64(*in)} << 64) | keys::ReadU64(in->substr(8));
  in->remove_prefix(16);
  return true;
}

// Visits each record of a chunk; false when it cannot be read.
bool VisitChunk(std::string_view chunk, const FlowPairVisitor& visit) {
  FlowPair pair;
  for (bool first = true; !chunk.empty(); first = false) {
    if (!ReadChunkRecord(&chunk, first, &pair)) return false;
    visit(pair);
  }
  return true;
}

// A record of a day's log: its currency and class, then the record as a chunk's first.
void AppendLogRecord(std::string_view currency, FlowClass flow_class, const FlowPair& pair,
                     std::string* out) {
  AppendText(currency, out);
  out->push_back(static_cast<char>(flow_class));
  AppendChunkRecord(pair, nullptr, out);
}

bool ReadLogRecord(std::string_view* in, std::string_view* currency, FlowClass* flow_class,
                   FlowPair* pair) {
  if (!ReadText(in, currency) || in->empty()) return false;
  const auto number = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  if (number >= kFlowClassCount) return false;
  *flow_class = static_cast<FlowClass>(number);
  return ReadChunkRecord(in, /*first=*/true, pair);
}

}  // namespace

const std::string* FlowBook::Intern(std::string_view program) {
  auto it = programs_.find(program);
  if (it == programs_.end()) it = programs_.emplace(program).first;
  return &*it;
}

uint32_t FlowBook::CurrencyNumber(std::string_view currency) {
  auto it = std::find(currencies_.begin(), currencies_.end(), currency);  // A town has few.
  if (it == currencies_.end()) it = currencies_.insert(it, CurrencyCode(currency));
  return static_cast<uint32_t>(it - currencies_.begin());
}

void FlowBook::Enter(int32_t day) {
  for (auto [current, period] :
       {std::pair{&day_, Period{PeriodKind::kDay, day}},
        std::pair{&month_, PeriodOf(PeriodKind::kMonth, TimeNs{day} * kNsPerDay)}}) {
    if (period == current->period) continue;
    const size_t before = current->records.size();  // A day is much like the day before.
    current->period = period;
    current->Clear(before);
  }
  day_begins_ = TimeNs{day} * kNsPerDay;
  day_ends_ = day_begins_ + kNsPerDay;
}

void FlowBook::AddDayToMonth() {
  for (const Record& record : day_.records) {
    Record& month = month_.Find(record.key, record.currency);
    month.count += record.count;
    month.sum += record.sum;
  }
}

void FlowBook::Roll(TimeNs t, WriteBatch* out) {
  if (t >= day_begins_ && t < day_ends_) return;  // Usually: the same day as before.
  // The ending day's records, whole, in place of its log.
  PutChunks(day_, out);
  out->DeleteRange(Column::kFlows, LogPrefix(day_.period.start_day),
                   LogPrefix(day_.period.start_day + 1));
  for (uint32_t number : dirty_) day_.records[number].dirty = false;
  dirty_.clear();
  log_values_ = 0;
  AddDayToMonth();
  Period day = PeriodOf(PeriodKind::kDay, t);
  if (!(PeriodOf(PeriodKind::kMonth, t) == month_.period)) {
    PutChunks(month_, out);
    last_month_ = std::move(month_);
    month_ = Current{{PeriodKind::kMonth, INT32_MIN}, {}, {}};
  }
  Enter(day.start_day);  // Its first log value, at this batch's end, records the new day.
}

void FlowBook::PutChunks(const Current& period, WriteBatch* out) const {
  // Each currency's and class's records in key order (programme, payer, payee).
  std::vector<const Record*> sorted;
  sorted.reserve(period.records.size());
  for (const Record& record : period.records) sorted.push_back(&record);
  auto key_of = [](const Record* r) {
    return std::tuple(r->currency, r->key.flow_class, std::string_view(*r->key.program),
                      std::string_view(r->key.payer->id), std::string_view(r->key.payee->id));
  };
  std::sort(sorted.begin(), sorted.end(),
            [&](const Record* a, const Record* b) { return key_of(a) < key_of(b); });
  std::string chunk;
  size_t in_chunk = 0;
  uint32_t chunk_number = 0;
  FlowPair before;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Record& record = *sorted[i];
    auto same_group = [&](const Record* other) {
      return other->currency == record.currency && other->key.flow_class == record.key.flow_class;
    };
    if (i > 0 && !same_group(sorted[i - 1])) chunk_number = 0;
    FlowPair pair{*record.key.program, record.key.payer->id, record.key.payee->id, record.count,
                  record.sum};
    AppendChunkRecord(pair, in_chunk == 0 ? nullptr : &before, &chunk);
    before = pair;
    ++in_chunk;
    if (i + 1 < sorted.size() && same_group(sorted[i + 1]) && in_chunk < kChunkRecordsMax) {
      continue;
    }
    std::string key = Prefix(currencies_[record.currency], period.period, record.key.flow_class);
    keys::AppendU32(chunk_number++, &key);
    out->Put(Column::kFlows, key, chunk);
    chunk.clear();
    in_chunk = 0;
  }
}

void FlowBook::Add(const TransferRecord& record, const Account& payer, const Account& payee,
                   const Account* issuer, WriteBatch* out) {
  ForEachFlow(
      record, [&](FlowClass flow_class, std::string_view program, Amount amount, FlowLeg leg) {
        if (leg == FlowLeg::kCashBack && issuer == nullptr) return;
        Key key = leg == FlowLeg::kCashBack ? Key{issuer, &payer, Intern(program), flow_class}
                                            : Key{&payer, &payee, Intern(program), flow_class};
        uint32_t currency = CurrencyNumber(payer.currency);
        Roll(record.timestamp, out);
        Record& day = day_.Find(key, currency);
        day.count += 1;
        day.sum += static_cast<uint64_t>(amount);
        if (!day.dirty) {
          day.dirty = true;
          dirty_.push_back(static_cast<uint32_t>(&day - day_.records.data()));
        }
      });
}

void FlowBook::Flush(WriteBatch* out) {
  if (dirty_.empty()) return;
  log_value_.clear();
  for (uint32_t number : dirty_) {
    Record& record = day_.records[number];
    const Key& key = record.key;
    AppendLogRecord(currencies_[record.currency], key.flow_class,
                    FlowPair{*key.program, key.payer->id, key.payee->id, record.count, record.sum},
                    &log_value_);
    record.dirty = false;
  }
  dirty_.clear();
  // The day's first value also records the book's day: a reopened book must find the log
  // even if the ledger's time has since moved on to a later day without a flow.
  if (log_values_ == 0) PutBookDay(out);
  std::string key = LogPrefix(day_.period.start_day);
  keys::AppendU32(log_values_++, &key);
  out->Put(Column::kFlows, key, log_value_);
}

void FlowBook::PutBookDay(WriteBatch* out) const {
  std::string value;
  keys::AppendU32(static_cast<uint32_t>(day_.period.start_day), &value);
  out->Put(Column::kFlows, kBookDayKey, value);
}

Status FlowBook::Load(const Store& store, TimeNs now, const std::vector<CurrencyCode>& currencies,
                      const AccountFinder& find) {
  kept_records_.clear();
  kept_records_order_.clear();
  kept_pairs_ = 0;
  std::string value;
  Status read = store.Get(Column::kFlows, kBookDayKey, &value);
  if (!read.ok() && !read.IsNotFound()) return read;
  if (read.ok() && value.size() != 4) return Status::Corruption("unreadable flows day");
  // A book without its day has never written a flow: `now`'s day will do.
  int32_t day = read.ok() ? static_cast<int32_t>(keys::ReadU32(value))
                          : PeriodOf(PeriodKind::kDay, now).start_day;
  day_ = Current{{PeriodKind::kDay, INT32_MIN}, {}, {}};
  month_ = Current{{PeriodKind::kMonth, INT32_MIN}, {}, {}};
  dirty_.clear();
  log_values_ = 0;
  Enter(day);
  last_month_ =
      Current{PeriodOf(PeriodKind::kMonth, (month_.period.start_day - 1) * kNsPerDay), {}, {}};
  for (const CurrencyCode& currency : currencies) {
    KYOSO_RETURN_IF_ERROR(LoadRecords(store, currency, last_month_.period, {&last_month_}, find));
    for (int32_t d = month_.period.start_day; d < day; ++d) {
      KYOSO_RETURN_IF_ERROR(
          LoadRecords(store, currency, Period{PeriodKind::kDay, d}, {&month_}, find));
    }
  }
  return LoadDayLog(store, find);
}

Status FlowBook::LoadDayLog(const Store& store, const AccountFinder& find) {
  const std::string start = LogPrefix(day_.period.start_day);
  Status broken = Status::Ok();
  Status scanned = store.Scan(Column::kFlows, start, LogPrefix(day_.period.start_day + 1), false,
                              [&](std::string_view key, std::string_view value) {
                                if (key.size() != start.size() + 4) {
                                  broken =
                                      Status::Corruption("unreadable key in the day's flow log");
                                  return false;
                                }
                                log_values_ = keys::ReadU32(key.substr(start.size())) + 1;
                                broken = ReplayLogValue(value, find);
                                return broken.ok();
                              });
  return scanned.ok() ? broken : scanned;
}

Status FlowBook::ReplayLogValue(std::string_view value, const AccountFinder& find) {
  while (!value.empty()) {
    std::string_view currency;
    FlowClass flow_class;
    FlowPair pair;
    if (!ReadLogRecord(&value, &currency, &flow_class, &pair)) {
      return Status::Corruption("unreadable record in the day's flow log");
    }
    const Account* payer = find(pair.payer);
    const Account* payee = find(pair.payee);
    if (payer == nullptr || payee == nullptr) {
      return Status::Corruption("a flow record names an unknown account");
    }
    // A value holds a record's totals after its batch: the last one read is the latest.
    Record& record =
        day_.Find(Key{payer, payee, Intern(pair.program), flow_class}, CurrencyNumber(currency));
    record.count = pair.count;
    record.sum = pair.sum;
  }
  return Status::Ok();
}

Status FlowBook::LoadRecords(const Store& store, const CurrencyCode& currency, const Period& period,
                             std::initializer_list<Current*> into, const AccountFinder& find) {
  for (int c = 0; c < kFlowClassCount; ++c) {
    auto flow_class = static_cast<FlowClass>(c);
    Status unknown = Status::Ok();
    KYOSO_RETURN_IF_ERROR(
        ScanFlowPairs(store, currency, period, flow_class, [&](const FlowPair& pair) {
          const Account* payer = find(pair.payer);
          const Account* payee = find(pair.payee);
          if (payer == nullptr || payee == nullptr) {
            unknown = Status::Corruption("a flow record names an unknown account");
            return;
          }
          Key key{payer, payee, Intern(pair.program), flow_class};
          for (Current* current : into) {
            Record& record = current->Find(key, CurrencyNumber(currency));
            record.count += pair.count;
            record.sum += pair.sum;
          }
        }));
    KYOSO_RETURN_IF_ERROR(unknown);
  }
  return Status::Ok();
}

namespace {

// A closed period's chunks in the range of keys starting with `start`.
Status ScanChunks(const Store& store, const std::string& start, const FlowPairVisitor& visit) {
  std::string end = start;
  end.back() = static_cast<char>(end.back() + 1);
  bool readable = true;
  Status scanned = store.Scan(
      Column::kFlows, start, end, false, [&](std::string_view key, std::string_view value) {
        readable = key.size() == start.size() + 4 && VisitChunk(value, visit);
        return readable;
      });
  if (!scanned.ok()) return scanned;
  return readable ? Status::Ok() : Status::Corruption("unreadable flow records of a period");
}

}  // namespace

Status ScanFlowPairs(const Store& store, const CurrencyCode& currency, const Period& period,
                     FlowClass flow_class, const FlowPairVisitor& visit) {
  if (period.kind != PeriodKind::kWeek) {
    return ScanChunks(store, Prefix(currency, period, flow_class), visit);
  }
  for (int32_t day = period.start_day; day < PeriodEndDay(period); ++day) {
    Period one{PeriodKind::kDay, day};
    KYOSO_RETURN_IF_ERROR(ScanChunks(store, Prefix(currency, one, flow_class), visit));
  }
  return Status::Ok();
}

Status FlowBook::CheckBeforeDay(const Period& period, int32_t before_day) const {
  if (before_day >= day_.period.start_day || before_day <= period.start_day ||
      before_day >= PeriodEndDay(period)) {
    return Status::Ok();
  }
  // The store holds ended days whole: it cannot leave out the days from before_day on.
  return Status::InvalidArgument("flows before " + DayText(before_day) +
                                 " only: the book has passed that day (" +
                                 DayText(day_.period.start_day) + ")");
}

const FlowBook::Current* FlowBook::InMemory(const Period& period) const {
  if (period == day_.period) return &day_;
  if (period == month_.period) return &month_;
  if (period == last_month_.period) return &last_month_;
  return nullptr;
}

StatusOr<FlowTable> FlowBook::Table(const Store& store, const FlowQuery& query,
                                    const AccountFinder& find) const {
  StatusOr<std::vector<FlowTable>> tables = Tables(store, {query}, find);
  if (!tables.ok()) return tables.status();
  return std::move(tables->front());
}

StatusOr<std::vector<FlowTable>> FlowBook::Tables(const Store& store,
                                                  const std::vector<FlowQuery>& queries,
                                                  const AccountFinder& find) const {
  if (queries.empty()) return std::vector<FlowTable>{};
  const FlowQuery& first = queries.front();
  StatusOr<std::shared_ptr<const FlowRecords>> records =
      Records(store, first.currency, first.period, first.flow_class, find);
  if (!records.ok()) return records.status();
  return GroupFlows(**records, queries);
}

namespace {

// Numbers the parties and programmes of records as they are copied.
class RecordsCopier {
 public:
  explicit RecordsCopier(FlowRecords* records) : records_(records) {}

  void Add(std::string_view program, const Account* payer, const Account* payee, uint64_t count,
           FlowSum sum) {
    records_->pairs.push_back(
        {ProgramNumber(program), PartyNumber(payer), PartyNumber(payee), count, sum});
  }
  // The same for a record read from memory, whose programme is a name the book interned:
  // numbered by its address, without comparing names.
  void AddInterned(const std::string* program, const Account* payer, const Account* payee,
                   uint64_t count, FlowSum sum) {
    records_->pairs.push_back(
        {InternedNumber(program), PartyNumber(payer), PartyNumber(payee), count, sum});
  }

 private:
  uint32_t InternedNumber(const std::string* program) {
    for (const auto& [name, number] : interned_) {
      if (name == program) return number;
    }
    const uint32_t number = ProgramNumber(*program);
    interned_.emplace_back(program, number);
    return number;
  }
  uint32_t ProgramNumber(std::string_view program) {
    // Records come grouped by programme: the last one is usually the one.
    if (last_program_ != UINT32_MAX && records_->programs[last_program_] == program) {
      return last_program_;
    }
    auto it = std::find(records_->programs.begin(), records_->programs.end(), program);
    if (it == records_->programs.end()) it = records_->programs.emplace(it, program);
    last_program_ = static_cast<uint32_t>(it - records_->programs.begin());
    return last_program_;
  }
  uint32_t PartyNumber(const Account* account) {
    auto [it, added] =
        numbers_.try_emplace(account, static_cast<uint32_t>(records_->parties.size()));
    if (added) {
      records_->parties.push_back({std::string(AccountGroup(GroupBy::kKind, account)),
                                   std::string(AccountGroup(GroupBy::kSector, account)),
                                   std::string(AccountGroup(GroupBy::kDistrict, account))});
    }
    return it->second;
  }

  FlowRecords* records_;
  absl::flat_hash_map<const Account*, uint32_t> numbers_;
  uint32_t last_program_ = UINT32_MAX;
  std::vector<std::pair<const std::string*, uint32_t>> interned_;  // A town has few programmes.
};

}  // namespace

StatusOr<std::shared_ptr<const FlowRecords>> FlowBook::Records(
    const Store& store, const CurrencyCode& currency, const Period& period, FlowClass flow_class,
    const AccountFinder& find, int32_t before_day) const {
  KYOSO_RETURN_IF_ERROR(CheckBeforeDay(period, before_day));
  // Kept: a closed period's records, whole.
  const bool closed = PeriodEndDay(period) <= std::min(day_.period.start_day, before_day);
  std::string key = closed ? Prefix(currency, period, flow_class) : std::string();
  if (auto kept = kept_records_.find(key); closed && kept != kept_records_.end()) {
    return kept->second;
  }
  StatusOr<FlowRecords> copied = CopyRecords(store, currency, period, flow_class, find, before_day);
  if (!copied.ok()) return copied.status();
  if (closed) copied->pairs.shrink_to_fit();  // Reserved for every class's records.
  auto records = std::make_shared<const FlowRecords>(std::move(*copied));
  if (closed) KeepRecords(std::move(key), records);
  return records;
}

namespace {

// What kept records weigh, in pairs: an account's groups take about two pairs' room.
size_t Weight(const FlowRecords& records) {
  return records.pairs.size() + 2 * records.parties.size();
}

}  // namespace

void FlowBook::KeepRecords(std::string key, std::shared_ptr<const FlowRecords> records) const {
  const size_t weight = Weight(*records);
  if (weight > kKeptPairsMax) return;
  while (kept_pairs_ + weight > kKeptPairsMax || kept_records_.size() >= kKeptPeriodsMax) {
    auto oldest = kept_records_.find(kept_records_order_.front());
    kept_pairs_ -= Weight(*oldest->second);
    kept_records_.erase(oldest);
    kept_records_order_.pop_front();
  }
  kept_pairs_ += weight;
  kept_records_order_.push_back(key);
  kept_records_.emplace(std::move(key), std::move(records));
}

template <typename Visit>
void FlowBook::ForEachInMemory(const Current& current, const CurrencyCode& currency,
                               FlowClass flow_class, int32_t before_day, Visit&& visit) const {
  auto known = std::find(currencies_.begin(), currencies_.end(), currency);
  auto number = static_cast<uint32_t>(known - currencies_.begin());
  const bool with_today = day_.period.start_day < before_day;
  // The current month's records are those of its days before today: today's follow.
  for (const Current* part : {&current, &current == &month_ ? &day_ : nullptr}) {
    if (part == nullptr || (part == &day_ && !with_today)) continue;
    for (const Record& record : part->records) {
      if (record.key.flow_class == flow_class && record.currency == number) visit(record);
    }
  }
}

StatusOr<FlowRecords> FlowBook::CopyRecords(const Store& store, const CurrencyCode& currency,
                                            const Period& period, FlowClass flow_class,
                                            const AccountFinder& find, int32_t before_day) const {
  FlowRecords records{currency, period, flow_class, {}, {}, {}};
  if (before_day <= period.start_day) return records;
  // At most the records the book holds of the period, of every class: one allocation
  // (growing by doubling would touch twice the memory, a page fault per 4 KiB).
  RecordsCopier copier(&records);
  if (const Current* current = InMemory(period)) {
    records.pairs.reserve(current->records.size() + (current == &month_ ? day_.records.size() : 0));
    ForEachInMemory(*current, currency, flow_class, before_day, [&copier](const Record& record) {
      copier.AddInterned(record.key.program, record.key.payer, record.key.payee, record.count,
                         record.sum);
    });
    return records;
  }
  KYOSO_RETURN_IF_ERROR(ForEachPair(
      store, currency, period, flow_class, find,
      [&copier](std::string_view program, const Account* payer, const Account* payee,
                uint64_t count, FlowSum sum) { copier.Add(program, payer, payee, count, sum); },
      before_day));
  return records;
}

Status FlowBook::ForEachPair(const Store& store, const CurrencyCode& currency, const Period& period,
                             FlowClass flow_class, const AccountFinder& find,
                             const ResolvedPairVisitor& visit, int32_t before_day) const {
  KYOSO_RETURN_IF_ERROR(CheckBeforeDay(period, before_day));
  if (before_day <= period.start_day) return Status::Ok();
  auto visit_record = [&visit](const Record& record) {
    visit(*record.key.program, record.key.payer, record.key.payee, record.count, record.sum);
  };
  if (const Current* current = InMemory(period)) {
    ForEachInMemory(*current, currency, flow_class, before_day, visit_record);
    return Status::Ok();
  }
  // Records come ordered by programme, payer, payee: the payer is usually the last one.
  absl::flat_hash_map<std::string_view, const Account*> accounts;  // Views of Account::id.
  auto resolve = [&](std::string_view id) {
    if (auto it = accounts.find(id); it != accounts.end()) return it->second;
    const Account* account = find(id);
    if (account != nullptr) accounts.emplace(account->id, account);
    return account;
  };
  const Account* payer = nullptr;
  KYOSO_RETURN_IF_ERROR(
      ScanFlowPairs(store, currency, period, flow_class, [&](const FlowPair& pair) {
        if (payer == nullptr || payer->id != pair.payer) payer = resolve(pair.payer);
        visit(pair.program, payer, resolve(pair.payee), pair.count, pair.sum);
      }));
  // A week that holds today: the store has its days before today; today is in its log.
  const int32_t today = day_.period.start_day;
  if (period.start_day <= today && today < PeriodEndDay(period)) {
    ForEachInMemory(day_, currency, flow_class, before_day, visit_record);
  }
  return Status::Ok();
}

}  // namespace kyoso::ledger
