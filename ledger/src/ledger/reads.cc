// Reads that go to the Store: transfer records, history, balances in the past.
#include <algorithm>
#include <limits>

#include "kyoso/ledger/codec.h"
#include "state.h"

namespace kyoso::ledger {
namespace {

// The first key after every history key of `account`.
std::string HistoryEnd(std::string_view account) {
  std::string key(account);
  key.push_back('\x01');
  return key;
}

}  // namespace

StatusOr<std::optional<TransferRecord>> Ledger::FindTransfer(const TransferId& id) const {
  std::string value;
  Status status = store_->Get(Column::kTransfers, keys::Transfer(id), &value);
  if (status.IsNotFound()) return std::optional<TransferRecord>();
  KYOSO_RETURN_IF_ERROR(status);
  StatusOr<TransferRecord> record = DecodeTransferRecord(value);
  if (!record.ok()) return record.status();
  return std::optional<TransferRecord>(std::move(record).value());
}

StatusOr<uint64_t> Ledger::LastSeqAt(TimeNs at) const {
  if (at >= state_->last_timestamp) return state_->last_seq;
  uint64_t seq = 0;
  Status parse_status;
  KYOSO_RETURN_IF_ERROR(store_->Scan(Column::kBatches, "", keys::BatchStart(at + 1), true,
                                     [&](std::string_view key, std::string_view value) {
                                       StatusOr<TimeNs> first_timestamp =
                                           keys::ParseBatchStart(key);
                                       StatusOr<keys::BatchSpan> span = keys::ParseBatchSpan(value);
                                       if (!first_timestamp.ok() || !span.ok()) {
                                         parse_status = Status::Corruption("batch start record");
                                         return false;
                                       }
                                       // Entries of a batch are stamped one nanosecond apart from
                                       // its first timestamp.
                                       uint64_t offset =
                                           static_cast<uint64_t>(at - *first_timestamp);
                                       seq = span->first_seq + std::min(offset, span->count - 1);
                                       return false;
                                     }));
  KYOSO_RETURN_IF_ERROR(parse_status);
  return seq;
}

StatusOr<std::vector<JournalEntry>> Ledger::Journal(uint64_t from, size_t limit) const {
  std::vector<JournalEntry> entries;
  if (limit == 0) return entries;
  Status parse_status;
  KYOSO_RETURN_IF_ERROR(store_->Scan(Column::kJournal, keys::U64(from), "", false,
                                     [&](std::string_view key, std::string_view value) {
                                       StatusOr<uint64_t> index = keys::ParseU64(key);
                                       StatusOr<JournalEntry> entry =
                                           index.ok() ? DecodeJournalValue(*index, value)
                                                      : StatusOr<JournalEntry>(index.status());
                                       if (!entry.ok()) {
                                         parse_status = entry.status();
                                         return false;
                                       }
                                       entries.push_back(std::move(entry).value());
                                       return entries.size() < limit;
                                     }));
  KYOSO_RETURN_IF_ERROR(parse_status);
  return entries;
}

StatusOr<Amount> Ledger::BalanceAtSeq(std::string_view account, uint64_t seq) const {
  if (FindAccount(account) == nullptr) return Status::NotFound("account " + std::string(account));
  Amount balance = 0;
  Status parse_status;
  std::string end = seq == UINT64_MAX ? HistoryEnd(account) : keys::History(account, seq + 1);
  KYOSO_RETURN_IF_ERROR(store_->Scan(Column::kHistory, keys::History(account, 0), end, true,
                                     [&](std::string_view, std::string_view value) {
                                       StatusOr<HistoryEntry> entry = DecodeHistoryValue(value);
                                       if (!entry.ok()) parse_status = entry.status();
                                       if (entry.ok()) balance = entry->balance_after;
                                       return false;
                                     }));
  KYOSO_RETURN_IF_ERROR(parse_status);
  return balance;
}

StatusOr<Amount> Ledger::BalanceAtTime(std::string_view account, TimeNs at) const {
  StatusOr<uint64_t> seq = LastSeqAt(at);
  if (!seq.ok()) return seq.status();
  return BalanceAtSeq(account, *seq);
}

StatusOr<HistoryPage> Ledger::History(std::string_view account, const HistoryQuery& query) const {
  if (FindAccount(account) == nullptr) return Status::NotFound("account " + std::string(account));
  if (query.limit == 0 || query.limit > kHistoryPageMax) {
    return Status::InvalidArgument("history page limit must be 1 to " +
                                   std::to_string(kHistoryPageMax));
  }
  uint64_t low = 0;
  if (query.from != INT64_MIN) {
    StatusOr<uint64_t> before = LastSeqAt(query.from - 1);
    if (!before.ok()) return before.status();
    low = *before + 1;
  }
  StatusOr<uint64_t> high = LastSeqAt(query.until);
  if (!high.ok()) return high.status();
  uint64_t last = *high;
  if (query.cursor != 0) {
    if (query.newest_first) last = std::min(last, query.cursor);
    if (!query.newest_first) low = std::max(low, query.cursor);
  }
  HistoryPage page;
  if (low > last) return page;
  Status parse_status;
  std::string end = last == UINT64_MAX ? HistoryEnd(account) : keys::History(account, last + 1);
  KYOSO_RETURN_IF_ERROR(store_->Scan(
      Column::kHistory, keys::History(account, low), end, query.newest_first,
      [&](std::string_view key, std::string_view value) {
        StatusOr<uint64_t> seq = keys::ParseHistorySeq(key);
        StatusOr<HistoryEntry> entry = DecodeHistoryValue(value);
        if (!seq.ok() || !entry.ok()) {
          parse_status = Status::Corruption("history entry of " + std::string(account));
          return false;
        }
        if (page.entries.size() == query.limit) {
          page.next_cursor = *seq;  // The first entry of the next page.
          return false;
        }
        entry->account = std::string(account);
        entry->seq = *seq;
        page.entries.push_back(std::move(entry).value());
        return true;
      }));
  KYOSO_RETURN_IF_ERROR(parse_status);
  return page;
}

namespace {

Wide WideOf(StockSum value) {
  auto magnitude = static_cast<StockBits>(value);
  if (value < 0) magnitude = ~magnitude + 1;
  Wide wide =
      (Wide(static_cast<uint64_t>(magnitude >> 64)) << 64) | Wide(static_cast<uint64_t>(magnitude));
  return value < 0 ? Wide(-wide) : wide;
}

}  // namespace

StatusOr<Wide> Ledger::MoneyInCirculation(const CurrencyCode& currency,
                                          const ProgramId& program) const {
  StatusOr<StockPoint> point =
      StockBook::PointAt(*store_, currency, program, std::numeric_limits<int64_t>::max());
  if (!point.ok()) return point.status();
  return WideOf(point->stock);
}

StatusOr<Wide> Ledger::CirculationIntegral(const CurrencyCode& currency, const ProgramId& program,
                                           int64_t at_seconds) const {
  StatusOr<StockPoint> point = StockBook::PointAt(*store_, currency, program, at_seconds);
  if (!point.ok()) return point.status();
  return WideOf(point->IntegralAt(at_seconds));
}

StatusOr<FlowTable> Ledger::Flows(const FlowQuery& query) const {
  return state_->flows.Table(*store_, query,
                             [this](std::string_view id) { return state_->accounts.Find(id); });
}

StatusOr<std::vector<FlowTable>> Ledger::Flows(const std::vector<FlowQuery>& queries) const {
  for (const FlowQuery& query : queries) {
    const FlowQuery& first = queries.front();
    if (query.currency != first.currency || !(query.period == first.period) ||
        query.flow_class != first.flow_class) {
      return Status::InvalidArgument(
          "flow tables read together must share currency, period and class");
    }
  }
  return state_->flows.Tables(*store_, queries,
                              [this](std::string_view id) { return state_->accounts.Find(id); });
}

StatusOr<std::shared_ptr<const FlowRecords>> Ledger::FlowRecordsOf(const CurrencyCode& currency,
                                                                   const Period& period,
                                                                   FlowClass flow_class,
                                                                   int32_t before_day) const {
  return state_->flows.Records(
      *store_, currency, period, flow_class,
      [this](std::string_view id) { return state_->accounts.Find(id); }, before_day);
}

}  // namespace kyoso::ledger
