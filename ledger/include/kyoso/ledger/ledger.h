// Ledger: the deterministic state machine of Kyoso.
//
// Apply(batch) applies a batch of commands in order and returns one result per command.
// The batch is written to the Store as one WriteBatch that also records the applied
// index and the new hash-chain head, so after a crash the ledger is exactly at a batch
// boundary, and a batch is never applied twice. The ledger reads no clock, draws no
// random number, opens no socket and starts no thread: time arrives in the batch, and
// the same batches in the same order give the same results, state and chain head on
// every replica.
//
// Currencies, accounts (with their lots), programmes and rates are memory-resident and
// written through to the Store; transfer records and history live only in the Store.
//
// Thread-safety: none. One thread applies and reads; the node serialises access.
// Errors: Apply returns a non-ok Status only when the Store fails or the batch is out of
// order; after a Store failure the Ledger must be discarded and reopened.
#pragma once

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/flows.h"
#include "kyoso/ledger/journal.h"
#include "kyoso/ledger/releases.h"
#include "kyoso/ledger/store.h"

namespace kyoso::ledger {

// History entries returned per page at most.
inline constexpr size_t kHistoryPageMax = 1'000;

struct HistoryQuery {
  TimeNs from = INT64_MIN;   // Entries at or after this ledger time...
  TimeNs until = INT64_MAX;  // ...and at or before this one.
  uint64_t cursor = 0;       // 0: start; else the next_cursor of the previous page.
  size_t limit = 100;
  bool newest_first = true;
};

struct HistoryPage {
  std::vector<HistoryEntry> entries;
  uint64_t next_cursor = 0;  // 0 when there is no further page.
};

// A stretch of ledger time whose transfers are read back in the order they took effect,
// a page at a time (research microdata). A page ends at the end of a batch, so no batch
// is ever split between two pages.
struct TransferScan {
  TimeNs from = 0;                  // Transfers stamped at or after this time...
  TimeNs until = 0;                 // ...and before this one.
  std::optional<TimeNs> resume_at;  // Unset: from the start; else a page's `next`.
  size_t records_min = 1'000;       // A page ends with the batch that brings it this many.
};

struct TransferScanPage {
  std::vector<TransferRecord> records;  // Transfers that took effect, replays not repeated.
  std::optional<TimeNs> next;           // Where the next page starts; unset at the end.
};

class Ledger {
 public:
  // Opens the ledger on `store` (which must outlive it), loading the memory-resident
  // state. A store written by a newer format version is refused.
  static StatusOr<std::unique_ptr<Ledger>> Open(Store* store);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Applies `batch`, whose index must be greater than applied_index().
  StatusOr<BatchResult> Apply(const Batch& batch);

  uint64_t applied_index() const;
  const ChainHead& chain_head() const;
  uint64_t last_seq() const;
  TimeNs last_timestamp() const;

  const Currency* FindCurrency(std::string_view code) const;
  const Account* FindAccount(std::string_view id) const;
  const Program* FindProgram(std::string_view id) const;
  std::optional<ExchangeRate> RateAt(std::string_view from, std::string_view to, TimeNs at) const;
  const std::map<CurrencyCode, Currency>& currencies() const;
  const std::map<ProgramId, Program>& programs() const;
  // Visits every account (in no particular order).
  void ForEachAccount(const std::function<void(const Account&)>& visit) const;

  // The record of a transfer, or nullopt if the id was never seen.
  StatusOr<std::optional<TransferRecord>> FindTransfer(const TransferId& id) const;
  StatusOr<HistoryPage> History(std::string_view account, const HistoryQuery& query) const;
  // The balance right after the transfer with sequence number `seq` (0: before any).
  StatusOr<Amount> BalanceAtSeq(std::string_view account, uint64_t seq) const;
  // The balance at ledger time `at`, after every entry stamped at or before it.
  StatusOr<Amount> BalanceAtTime(std::string_view account, TimeNs at) const;
  // The last sequence number stamped at or before `at` (0 if none).
  StatusOr<uint64_t> LastSeqAt(TimeNs at) const;
  // A page of the transfers that took effect in `scan`'s stretch of time (failed ones
  // and replays left out). InvalidArgument for an empty stretch or records_min of 0;
  // FailedPrecondition when a batch in it was recorded before the ledger kept each
  // batch's journal index.
  StatusOr<TransferScanPage> TransfersBetween(const TransferScan& scan) const;
  // Up to `limit` journal entries (journal.h) of batches with index ≥ `from`, in order.
  StatusOr<std::vector<JournalEntry>> Journal(uint64_t from, size_t limit) const;
  // The flow table `query` asks for (flows.h), from the pair records kept on apply.
  StatusOr<FlowTable> Flows(const FlowQuery& query) const;
  // The tables of several queries of one currency, period and flow class (grouped
  // otherwise, or of other programmes), in their order, from one reading of the records.
  StatusOr<std::vector<FlowTable>> Flows(const std::vector<FlowQuery>& queries) const;
  // The pair records the tables of one currency, period and class are grouped from,
  // copied out (FlowRecords: GroupFlows groups them on any thread); those of a closed
  // period are kept and shared, so asking again costs nothing. With `before_day`, only
  // the flows of the days before it: the ledger's current day or a later one, or for a
  // period it does not cut (at or before its first day: nothing; at or after its end:
  // all of it) any day; else InvalidArgument.
  StatusOr<std::shared_ptr<const FlowRecords>> FlowRecordsOf(
      const CurrencyCode& currency, const Period& period, FlowClass flow_class,
      int32_t before_day = std::numeric_limits<int32_t>::max()) const;
  // Money in circulation: what residents, merchants and producers hold of `program`'s
  // money ("" for free money) in `currency`, now; and its integral over ledger time from
  // the beginning up to `at_seconds` (whole seconds since 1970, UTC), in minor units ×
  // seconds, as kept on apply. The integral saturates rather than wrap (it would take
  // 10^20 minor units held for a century).
  StatusOr<Wide> MoneyInCirculation(const CurrencyCode& currency, const ProgramId& program) const;
  StatusOr<Wide> CirculationIntegral(const CurrencyCode& currency, const ProgramId& program,
                                     int64_t at_seconds) const;

  // Published releases (releases.h). The bounded, exact figures a release of `spec` adds
  // its noise to; InvalidArgument for bounds or partitions out of range.
  StatusOr<BoundedTable> BoundFlows(const ReleaseSpec& spec) const;
  StatusOr<std::optional<Release>> FindRelease(const ReleaseId& id) const;
  // Every release, in id order, until `visit` returns false.
  Status ForEachRelease(const std::function<bool(const Release&)>& visit) const;
  // The ids of the releases that include `account` (as a payer), in id order.
  StatusOr<std::vector<ReleaseId>> ReleasesIncluding(const AccountId& account) const;
  // The epsilon spent on a month so far, in thousandths.
  uint32_t PrivacySpent(const CurrencyCode& currency, int32_t month) const;

  struct State;

 private:
  Ledger(Store* store, std::unique_ptr<State> state);
  Status Commit(const Batch& batch, BatchResult* result, class Applier& applier);

  Store* store_;
  std::unique_ptr<State> state_;
  bool broken_ = false;  // Set while applying; stays set if the apply failed midway.
  // Scratch buffers reused from batch to batch: they keep their capacity, so a batch's
  // encodings do not grow them from empty each time.
  WriteBatch write_;
  std::string batch_bytes_;
  std::string result_bytes_;
  std::string journal_value_;
};

// The balance of an account: the sum of its lots.
Amount BalanceOf(const Account& account);

}  // namespace kyoso::ledger
