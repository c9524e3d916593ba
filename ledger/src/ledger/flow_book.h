// FlowBook: the flows' pair records (kyoso/ledger/flows.h) in column kFlows, kept on
// apply, and the flow tables read from them (internal to ledger/).
//
// Apply keeps one record per day and one per calendar month; a week's table adds up its
// seven days. A record's key is the currency, a 0 byte, the period kind, its first day,
// the flow class, then programme, payer and payee separated by 0 bytes (never in an id),
// so one period's records of one class are one key range. Its value is the count (8
// bytes) and the sum (16 bytes), big-endian.
//
// The book holds every record of the current day and month in memory, keyed by account
// pointers, so apply never reads the store: a record not in memory does not exist yet
// (ledger time only moves forward, so a period's records are all made while it is
// current). Each batch writes each record it changed once.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

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
  // Adds what `record` (which took effect) moved from `payer` to `payee`; the accounts
  // must live as long as the book. Writes records into `out` when a period ends.
  void Add(const TransferRecord& record, const Account& payer, const Account& payee,
           WriteBatch* out);
  // Writes every record changed since the last flush into `out`.
  void Flush(WriteBatch* out);

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
  struct Entry {
    FlowTotals totals;
    bool dirty = false;
  };
  using Records = std::unordered_map<Key, Entry, KeyHash>;
  struct Current {
    Period period;
    Records records;
  };

  // Moves the current day and month to those holding `t`, flushing first if they change.
  void Roll(TimeNs t, WriteBatch* out);
  const std::string* Intern(std::string_view program);
  Status LoadPeriod(const Store& store, const CurrencyCode& currency, Current& current,
                    const AccountFinder& find);

  Current day_{{PeriodKind::kDay, 0}, {}};
  Current month_{{PeriodKind::kMonth, 0}, {}};
  TimeNs day_begins_ = 0;  // The current day's ledger times: [begins, ends).
  TimeNs day_ends_ = 0;
  std::set<std::string, std::less<>> programs_;
  std::string key_;  // Flush's key buffer.
  std::vector<std::pair<const Current*, Records::value_type*>> dirty_;
};

// Sums while scanning: positive amounts in a 128-bit accumulator (2^64 additions of
// int64 amounts would be needed to overflow it).
__extension__ typedef unsigned __int128 FlowSum;

// A pair record as a scan yields it.
struct FlowPair {
  std::string_view program;
  std::string_view payer;
  std::string_view payee;
  uint64_t count = 0;
  FlowSum sum = 0;
};
using FlowPairVisitor = std::function<void(const FlowPair&)>;

// Visits the pair records of one currency, period and class (a week: its seven days).
Status ScanFlowPairs(const Store& store, const CurrencyCode& currency, const Period& period,
                     FlowClass flow_class, const FlowPairVisitor& visit);

// Groups the pair records `query` names into its table; `find` looks accounts up.
StatusOr<FlowTable> BuildFlowTable(const Store& store, const FlowQuery& query,
                                   const AccountFinder& find);

}  // namespace kyoso::ledger
