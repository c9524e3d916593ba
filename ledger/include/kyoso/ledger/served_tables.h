// The municipality's flow tables as they are served (Query/GetFlowTable): each protected
// (disclosure.h) together with every other table a reader can ask for that shares figures
// with it. Pure.
//
// A period's tables are a family: all money, free money and each programme's money of
// the currency, each under 16 groupings of payers and of payees (kind, sector, district,
// programme). They share figures (ProtectGroupings), and all money is the sum of the
// others (ProtectParts, each programme's money a part), so they are protected together,
// again until nothing more is hidden. A day is served with its month: the month's family
// first, then each table's days against its month (ProtectParts, the days' ISO weeks
// apart), then each day's family, and again until nothing more is hidden. A week hides
// what its days hide (ProtectWholeAgainstParts), then its family is protected. Every
// choice is deterministic, so a table is served the same however often it is asked.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

// The tables of `query`'s period, currency and class: for each money (all money, free
// money, then the currency's programmes in id order, and `query`'s if not among them),
// its 16 groupings, payer grouping major.
std::vector<FlowQuery> Family(const Ledger& ledger, const FlowQuery& query);

// Served families of periods whose months have ended (their figures never change again:
// ledger time only moves forward), kept so that asking again, or for another grouping,
// day or week of the same month, costs nothing. The oldest kept goes first. For one set
// of rules (the node's); not thread-safe (the node reads on its apply thread).
class ServedCache {
 public:
  explicit ServedCache(size_t families_max = 128) : families_max_(families_max) {}
  const std::vector<ProtectedTable>* Find(const std::string& key) const;
  void Keep(std::string key, std::vector<ProtectedTable> family);

 private:
  size_t families_max_;
  std::map<std::string, std::vector<ProtectedTable>> families_;
  std::deque<std::string> order_;  // The oldest first.
};

// The table `query` asks for, as served. With a cache, what it keeps is used and what is
// computed kept.
StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules,
                                         ServedCache* cache = nullptr);

// The family (Family) of `query`'s period, as served, in Family's order.
StatusOr<std::vector<ProtectedTable>> ServedFamily(const Ledger& ledger, const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache = nullptr);

}  // namespace kyoso::ledger
