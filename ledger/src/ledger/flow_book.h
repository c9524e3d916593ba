// FlowBook: the flows' pair records (kyoso/ledger/flows.h) in column kFlows, kept on
// apply, and the flow tables read from them (internal to ledger/).
//
// Apply keeps one record per pair of accounts (and programme and flow class) per day and
// per calendar month: the number of transfers and their sum. A week's table adds up its
// seven days. A period's stored keys start with the currency, a 0 byte, the period kind,
// its first day and the flow class, so one period's records of one class are one key
// range.
//
// A day's and a month's records are written once, when the period ends, in chunks: its
// records of one currency and class in key order (programme, payer, payee), up to 4,096
// a value, under the period's prefix and the chunk's number (4 bytes); a record in a
// chunk is a flags byte (same programme, same payer as the record before), the
// programme and the payer unless the same, the payee (each a varint length and its
// bytes), the count (varint) and the sum (16 bytes). Reading an old period's table is
// then a few large reads, not one per pair of accounts that met.
//
// Until the day ends, its records are kept in its log: each batch that changed some
// writes one value, under "\0log", the day and the value's number (4 bytes), holding
// each changed record as it now is (its currency, its class, then the record as a
// chunk's first). A reopened book replays the day's log, the later values winning. When
// the day ends, its chunks are written and its log deleted in the same batch. One value
// per batch rather than one key per record keeps the store's work per payment small.
//
// The book holds every record of the current day and month, and of the last month, in memory, keyed
// by account pointers, so apply never reads the store: a record not in memory does not exist yet
// (ledger time only moves forward, so a period's records are all made while it is
// current). A flow updates only the current day's record; the current month's in memory
// are those of its days before today, each day added when it ends, so a month's table
// adds today's to them. Until the month ends it is the sum of its days, which is how a
// reopened book rebuilds it. The book's current day is kept under a key of its own (a 0
// byte, "day"), so a reopened book carries on from where it was even if ledger time has
// moved on since without a flow.
#pragma once

#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "flow_table.h"
#include "kyoso/ledger/flows.h"
#include "kyoso/ledger/status.h"
#include "kyoso/ledger/store.h"

namespace kyoso::ledger {

using AccountFinder = std::function<const Account*(std::string_view id)>;

class FlowBook {
 public:
  // Reads the records of the day and month holding ledger time `now` for `currencies`.
  Status Load(const Store& store, TimeNs now, const std::vector<CurrencyCode>& currencies,
              const AccountFinder& find);
  // Adds what `record` (which took effect) moved from `payer` to `payee`, and a cash-back
  // from `issuer` (the currency's; needed only for a record with an incentive) to
  // `payer`; the accounts must live as long as the book. Writes records into `out` when a
  // period ends.
  void Add(const TransferRecord& record, const Account& payer, const Account& payee,
           const Account* issuer, WriteBatch* out);
  // Writes every record changed since the last flush into `out`, as one value of the
  // day's log.
  void Flush(WriteBatch* out);

  // Visits the pair records of one currency, period and class, with their accounts (null
  // for an account `find` does not know): from memory when the book holds the period.
  // Only the flows of days before `before_day`, as Records.
  using ResolvedPairVisitor =
      std::function<void(std::string_view program, const Account* payer, const Account* payee,
                         uint64_t count, FlowSum sum)>;
  Status ForEachPair(const Store& store, const CurrencyCode& currency, const Period& period,
                     FlowClass flow_class, const AccountFinder& find,
                     const ResolvedPairVisitor& visit,
                     int32_t before_day = std::numeric_limits<int32_t>::max()) const;

  // The pair records of one currency, period and class, copied with their accounts'
  // groups: from memory when the book holds the period, else from `store`. Those of a
  // closed period are kept (kKeptPairsMax, kKeptPeriodsMax), so that asking again, as every
  // ask of a day of the current month does for the days before it, costs nothing. Only
  // the flows of days before `before_day`, which must not be before the book's day unless
  // it is at or before the period's start (nothing) or at or after its end (all of it).
  StatusOr<std::shared_ptr<const FlowRecords>> Records(
      const Store& store, const CurrencyCode& currency, const Period& period, FlowClass flow_class,
      const AccountFinder& find, int32_t before_day = std::numeric_limits<int32_t>::max()) const;

  // Groups the pair records `query` names into its table (Records: a closed period's
  // are kept once read); `find` looks accounts up.
  StatusOr<FlowTable> Table(const Store& store, const FlowQuery& query,
                            const AccountFinder& find) const;
  // The same for several queries of one currency, period and class (grouped otherwise),
  // reading the pair records once.
  StatusOr<std::vector<FlowTable>> Tables(const Store& store, const std::vector<FlowQuery>& queries,
                                          const AccountFinder& find) const;

 private:
  struct Key {
    const Account* payer;
    const Account* payee;
    const std::string* program;  // Interned in programs_.
    FlowClass flow_class;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Record {
    Key key;
    uint32_t currency;  // Numbered in currencies_.
    bool dirty = false;
    uint64_t count = 0;
    FlowSum sum = 0;
  };
  // A period's records in the order they were made (so a table reads them in sequence),
  // indexed by key: open addressing (linear probing) over 8-byte slots, a power of two
  // of them, at most half full. A slot holds 32 bits of the key's hash, so a probe
  // rarely reads a record that is not the one sought, and the record's number + 1 (0:
  // empty). Growing rehashes from the records, read in sequence.
  struct Current {
    struct Slot {
      uint32_t tag = 0;
      uint32_t number = 0;
    };
    Period period;
    std::vector<Record> records;
    std::vector<Slot> slots;
    // The record of `key`, made empty (of `currency`) if there is none.
    Record& Find(const Key& key, uint32_t currency);
    // Empties the period, keeping room for `expected` records.
    void Clear(size_t expected);

   private:
    void Rehash(size_t slot_count);
  };

  // Moves the current day and month to those holding `t`: writes the ending day in
  // chunks in place of its log, and the whole month when it ends. The flow that rolls
  // the day is the new day's first, so the batch's Flush records the new day.
  void Roll(TimeNs t, WriteBatch* out);
  // Makes `day` and its month current, emptying what changes.
  void Enter(int32_t day);
  // Adds the current day's records to the current month's (when the day ends).
  void AddDayToMonth();
  void PutBookDay(WriteBatch* out) const;
  // Writes an ended period's records, in chunks.
  void PutChunks(const Current& period, WriteBatch* out) const;
  const std::string* Intern(std::string_view program);
  uint32_t CurrencyNumber(std::string_view currency);
  const Current* InMemory(const Period& period) const;
  // InvalidArgument for a `before_day` the book cannot honour for `period` (Records): one
  // within the period and before the book's day.
  Status CheckBeforeDay(const Period& period, int32_t before_day) const;
  // Visits the records of `current` (the current month: and today's, if today is before
  // `before_day`) of one currency and class.
  template <typename Visit>
  void ForEachInMemory(const Current& current, const CurrencyCode& currency, FlowClass flow_class,
                       int32_t before_day, Visit&& visit) const;
  // Adds one period's stored records to each of `into`.
  Status LoadRecords(const Store& store, const CurrencyCode& currency, const Period& period,
                     std::initializer_list<Current*> into, const AccountFinder& find);
  // Rebuilds the current day's records from its log.
  Status LoadDayLog(const Store& store, const AccountFinder& find);
  Status ReplayLogValue(std::string_view value, const AccountFinder& find);

  Current day_{{PeriodKind::kDay, 0}, {}, {}};
  Current month_{{PeriodKind::kMonth, 0}, {}, {}};       // Its days before day_.
  Current last_month_{{PeriodKind::kMonth, 0}, {}, {}};  // The most asked for of closed periods.
  TimeNs day_begins_ = 0;  // The current day's ledger times: [begins, ends).
  TimeNs day_ends_ = 0;
  std::set<std::string, std::less<>> programs_;
  std::string log_value_;    // Flush's buffer.
  uint32_t log_values_ = 0;  // The current day's log values written (the next one's number).
  std::vector<CurrencyCode> currencies_;
  // Closed periods' records, by period prefix: 2 million pairs' weight (48 bytes a pair,
  // an account's groups two pairs), about 100 MB, in 1,024 periods at most (a month's
  // days of every class are 155).
  static constexpr size_t kKeptPairsMax = 2'000'000;
  static constexpr size_t kKeptPeriodsMax = 1'024;
  mutable std::map<std::string, std::shared_ptr<const FlowRecords>> kept_records_;
  mutable std::deque<std::string> kept_records_order_;  // The oldest first.
  mutable size_t kept_pairs_ = 0;
  // Copies the records (Records, without keeping).
  StatusOr<FlowRecords> CopyRecords(const Store& store, const CurrencyCode& currency,
                                    const Period& period, FlowClass flow_class,
                                    const AccountFinder& find, int32_t before_day) const;
  void KeepRecords(std::string key, std::shared_ptr<const FlowRecords> records) const;
  std::vector<uint32_t> dirty_;  // The current day's records changed since the last flush.
};

// A pair record as a scan yields it.
struct FlowPair {
  std::string_view program;
  std::string_view payer;
  std::string_view payee;
  uint64_t count = 0;
  FlowSum sum = 0;
};
using FlowPairVisitor = std::function<void(const FlowPair&)>;

// Visits the stored pair records of one currency, period and class (a week: its seven
// days): those of ended periods only, as the current day is in its log until it ends.
Status ScanFlowPairs(const Store& store, const CurrencyCode& currency, const Period& period,
                     FlowClass flow_class, const FlowPairVisitor& visit);

}  // namespace kyoso::ledger
