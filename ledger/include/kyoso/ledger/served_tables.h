// The municipality's flow tables as they are served (Query/GetFlowTable): each protected
// (disclosure.h) together with every other table a reader can ask for that shares figures
// with it. Pure.
//
// A period's tables are a family: all money, free money and each programme's money of
// the currency, each under 16 groupings of payers and of payees (kind, sector, district,
// programme). They share figures (ProtectGroupings), and all money is the sum of the
// others (ProtectParts, each programme's money a part), and where groupings nest in the
// period's accounts one table's row is the sum of another's rows (ProtectNesting, from
// the records' classes of accounts), so they are protected together, again until nothing
// more is hidden. A day is served with its month: the month's family
// first, then each table's days against its month (ProtectParts, the days' ISO weeks
// apart), then each day's family, and again until nothing more is hidden. A week hides
// what its days hide (ProtectWholeAgainstParts), then its family is protected. Every
// choice is deterministic, so a table is served the same however often it is asked.
//
// A period that has not ended is served, by default, only once all its days are in
// ended months (RunningPeriods::kEndedMonths, disclosure.h): nothing of it before, so
// what is served never changes, and a month's tables, days and weeks are protected once,
// together, from its final figures. Served up to the end of the last ended day
// (kEndedDays), its tables stay the same all day. Either way they are kept like an ended
// month's until the month (or the day) ends.
//
// Serving is in two steps: a snapshot of what it needs, copied out of the ledger where
// the ledger lives (TakeFlowSnapshot), then the protection from the snapshot alone, on
// any thread (the node's worker).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

// Served families kept so that asking again, or for another grouping, day or week of the
// same month, costs nothing: those of periods whose months have ended (their figures
// never change again: ledger time only moves forward), and those of running periods
// served up to the last ended month or day (the same until that month or day ends;
// keeping one of a later one drops those of earlier ones, never asked for again). The
// oldest kept goes first. For one set of rules (the node's). Not thread-safe: a caller
// that shares one between threads derives and locks around Find and Keep.
class ServedCache {
 public:
  using Kept = std::shared_ptr<const std::vector<ProtectedTable>>;
  explicit ServedCache(size_t families_max = 128) : families_max_(families_max) {}
  virtual ~ServedCache() = default;
  virtual Kept Find(const std::string& key) const;  // Null if not kept.
  virtual void Keep(std::string key, std::vector<ProtectedTable> family);
  size_t size() const { return families_.size(); }

 private:
  // Drops the running periods' families kept for days before the one of `key`'s.
  void DropEarlierDays(const std::string& key);

  size_t families_max_;
  std::map<std::string, Kept> families_;
  std::deque<std::string> order_;  // The oldest first.
};

// What serving tables of one currency needs of the ledger, copied out of it: the
// currency's programmes, the ledger's day, the served families a cache kept, and the
// pair records of every period whose family must be computed. Taken where the ledger
// lives (TakeFlowSnapshot: a copy, quick next to protecting), served from on any thread
// while the ledger applies more, so a long protection holds up no write.
struct FlowSnapshot {
  CurrencyCode currency;
  int32_t today = 0;  // The ledger's day: a month ending after it may change.
  RunningPeriods running = RunningPeriods::kEndedMonths;
  std::vector<ProgramId> programs;                // The currency's, in id order.
  std::map<std::string, ServedCache::Kept> kept;  // By the cache's key.
  // The pair records of each period whose family is not kept.
  std::map<std::pair<FlowClass, Period>, std::shared_ptr<const FlowRecords>> records;
};

// The snapshot serving `queries` (one currency) needs, periods that have not ended served
// as `running` says; with a cache, families it keeps are taken as kept rather than their
// records.
StatusOr<FlowSnapshot> TakeFlowSnapshot(const Ledger& ledger, const std::vector<FlowQuery>& queries,
                                        RunningPeriods running, const ServedCache* cache = nullptr);

// The first day of `period` whose flows its tables from `snapshot` do not hold: the
// period's end once it is served whole. Over ended months (kEndedMonths) that is once
// every month it touches has ended, and before, its first day (nothing); otherwise once
// it has ended, and before, the snapshot's day (kEndedDays) or the day after it (kLive:
// today's flows so far are held), never before the period's first day.
int32_t ServedUntil(const FlowSnapshot& snapshot, const Period& period);

// The table `query` (one of the snapshot's) asks for, as served. With a cache, what it
// keeps is used and what is computed kept.
StatusOr<ProtectedTable> ServedFlowTable(const FlowSnapshot& snapshot, const FlowQuery& query,
                                         const DisclosureRules& rules,
                                         ServedCache* cache = nullptr);
// The same from the ledger at once, running periods as `rules` say.
StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules,
                                         ServedCache* cache = nullptr);

// The family of `query`'s period, as served: for each money (all money, free money, then
// the currency's programmes in id order, and `query`'s if not among them), its 16
// groupings, payer grouping major.
StatusOr<std::vector<ProtectedTable>> ServedFamily(const FlowSnapshot& snapshot,
                                                   const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache = nullptr);
StatusOr<std::vector<ProtectedTable>> ServedFamily(const Ledger& ledger, const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache = nullptr);

}  // namespace kyoso::ledger
