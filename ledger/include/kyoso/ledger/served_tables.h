// The municipality's flow tables as they are served (Query/GetFlowTable): each protected
// (disclosure.h) together with every other table a reader can ask for that shares figures
// with it. Pure.
//
// A table's period has 16 tables, one per grouping of payers and of payees (kind, sector,
// district, programme); they share totals, so they are protected together
// (ProtectGroupings). A day is served with its month: the month's 16 tables first, then
// each grouping's days against its month (ProtectParts, the days' ISO weeks apart), then
// each day's 16 tables together, and again until nothing more is hidden. A week hides what
// its days hide (ProtectWholeAgainstParts), then its 16 tables are protected together.
// Every choice is deterministic, so a table is served the same however often it is asked.
#pragma once

#include <vector>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

// The 16 groupings of a period's tables (payer grouping major), and the place of
// `query`'s among them.
std::vector<FlowQuery> Groupings(const FlowQuery& query);
size_t GroupingIndex(const FlowQuery& query);

// The table `query` asks for, as served.
StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules);

// The 16 tables (Groupings) of `query`'s period, as served.
StatusOr<std::vector<ProtectedTable>> ServedGroupings(const Ledger& ledger, const FlowQuery& query,
                                                      const DisclosureRules& rules);

}  // namespace kyoso::ledger
