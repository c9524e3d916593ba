// GroupFlows (kyoso/ledger/flows.h) against a plain reference: random pair records of a
// few dozen accounts, grouped every way, must give the cells the definitions give
// (count, sum, distinct payers and payees, the two largest contributors on each side).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "kyoso/ledger/flows.h"

namespace kyoso::unit {
namespace {

using ledger::FlowCell;
using ledger::FlowQuery;
using ledger::FlowRecords;
using ledger::GroupBy;
using ledger::Wide;

// Random records: accounts of a few kinds, sectors and districts (some unknown), money of
// three programmes and free money, and a pair of accounts sometimes met twice (a week's
// records are its days', a pair once a day).
FlowRecords RandomRecords(std::mt19937_64& random) {
  FlowRecords records;
  records.programs = {"", "fresh-food", "recycling", "free"};  // "free" names free money too.
  const int parties = 5 + static_cast<int>(random() % 40);
  for (int p = 0; p < parties; ++p) {
    if (random() % 12 == 0) {
      records.parties.push_back({"unknown", "unknown", "unknown"});
      continue;
    }
    const char* kinds[] = {"res", "mch", "prd"};
    const std::string kind = kinds[random() % 3];
    const std::string sector = kind == "res" ? "none" : "s" + std::to_string(random() % 4);
    records.parties.push_back({kind, sector, "d" + std::to_string(random() % 3)});
  }
  const int pairs = static_cast<int>(random() % 300);
  for (int i = 0; i < pairs; ++i) {
    FlowRecords::Pair pair;
    pair.program = static_cast<uint32_t>(random() % records.programs.size());
    pair.payer = static_cast<uint32_t>(random() % records.parties.size());
    pair.payee = static_cast<uint32_t>(random() % records.parties.size());
    pair.count = 1 + random() % 3;
    pair.sum = 1 + random() % 10'000;
    if (random() % 50 == 0) pair.sum <<= 70;  // Sums past 64 bits.
    records.pairs.push_back(pair);
  }
  return records;
}

std::string GroupOf(const FlowRecords& records, GroupBy by, uint32_t party, uint32_t program) {
  const FlowRecords::Party& p = records.parties[party];
  switch (by) {
    case GroupBy::kKind:
      return p.kind;
    case GroupBy::kSector:
      return p.sector;
    case GroupBy::kDistrict:
      return p.district;
    case GroupBy::kProgram:
      break;
  }
  const std::string& id = records.programs[program];
  return id.empty() ? "free" : id;
}

Wide ToWide(ledger::FlowSum sum) {
  return (Wide(static_cast<uint64_t>(sum >> 64)) << 64) | Wide(static_cast<uint64_t>(sum));
}

void TopTwo(const std::map<uint32_t, Wide>& sums, Wide top[2]) {
  std::multiset<Wide, std::greater<>> sorted;
  for (const auto& [who, sum] : sums) sorted.insert(sum);
  auto it = sorted.begin();
  for (int i = 0; i < 2 && it != sorted.end(); ++i, ++it) top[i] = *it;
}

// The table by the definitions, one pair at a time.
std::vector<FlowCell> Reference(const FlowRecords& records, const FlowQuery& query) {
  using Cell = std::pair<std::string, std::string>;
  std::map<Cell, FlowCell> cells;
  std::map<Cell, std::map<uint32_t, Wide>> by_payer, by_payee;
  for (const FlowRecords::Pair& pair : records.pairs) {
    if (query.program && records.programs[pair.program] != *query.program) continue;
    const Cell at{GroupOf(records, query.payer_group, pair.payer, pair.program),
                  GroupOf(records, query.payee_group, pair.payee, pair.program)};
    FlowCell& cell = cells[at];
    cell.payer_group = at.first;
    cell.payee_group = at.second;
    cell.count += pair.count;
    cell.sum += ToWide(pair.sum);
    by_payer[at][pair.payer] += ToWide(pair.sum);
    by_payee[at][pair.payee] += ToWide(pair.sum);
  }
  std::vector<FlowCell> out;
  for (auto& [at, cell] : cells) {
    cell.distinct_payers = by_payer[at].size();
    cell.distinct_payees = by_payee[at].size();
    TopTwo(by_payer[at], cell.top_payers);
    TopTwo(by_payee[at], cell.top_payees);
    out.push_back(cell);
  }
  return out;
}

// Every grouping on each side, under all money, free money, a programme, the programme
// literally named "free" (grouped with free money under the programme grouping, apart
// from it as a money), a programme without records; and one query asked twice.
std::vector<FlowQuery> EveryGroupingOfFiveMonies() {
  std::vector<FlowQuery> queries;
  for (std::optional<ledger::ProgramId> money :
       {std::optional<ledger::ProgramId>(), std::optional<ledger::ProgramId>(""),
        std::optional<ledger::ProgramId>("fresh-food"), std::optional<ledger::ProgramId>("free"),
        std::optional<ledger::ProgramId>("no-such-programme")}) {
    for (int payers = 0; payers < 4; ++payers) {
      for (int payees = 0; payees < 4; ++payees) {
        FlowQuery query;
        query.currency = "BUNJI";
        query.payer_group = static_cast<GroupBy>(payers);
        query.payee_group = static_cast<GroupBy>(payees);
        query.program = money;
        queries.push_back(query);
      }
    }
  }
  queries.push_back(queries[5]);
  queries.push_back(queries[16 * 2 + 7]);
  return queries;
}

void ExpectTheDefinitions(const FlowRecords& records, const std::vector<FlowQuery>& queries,
                          const std::string& what) {
  const std::vector<ledger::FlowTable> tables = ledger::GroupFlows(records, queries);
  ASSERT_EQ(tables.size(), queries.size());
  for (size_t t = 0; t < queries.size(); ++t) {
    ASSERT_EQ(tables[t].cells, Reference(records, queries[t])) << what << ", table " << t;
  }
}

TEST(GroupFlowsTest, EveryGroupingOfRandomRecordsGivesTheCellsOfTheDefinitions) {
  const std::vector<FlowQuery> queries = EveryGroupingOfFiveMonies();
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 random(seed);
    ExpectTheDefinitions(RandomRecords(random), queries, "seed " + std::to_string(seed));
  }
}

TEST(GroupFlowsTest, NoRecordsGiveEmptyTables) {
  FlowRecords none;
  for (const ledger::FlowTable& table : ledger::GroupFlows(none, EveryGroupingOfFiveMonies())) {
    EXPECT_TRUE(table.cells.empty());
  }
  none.programs = {"", "fresh-food"};
  none.parties = {{"res", "none", "d0"}};
  for (const ledger::FlowTable& table : ledger::GroupFlows(none, EveryGroupingOfFiveMonies())) {
    EXPECT_TRUE(table.cells.empty());
  }
}

// A district each for 700 accounts: 490,000 pairs of districts, far more than the cells
// a table numbers densely, and a few thousand of them met.
TEST(GroupFlowsTest, ThousandsOfGroupsCostOnlyTheCellsMet) {
  std::mt19937_64 random(7);
  FlowRecords records;
  records.programs = {"", "fresh-food"};
  for (int p = 0; p < 700; ++p) {
    records.parties.push_back(
        {p % 2 == 0 ? "res" : "mch", "s" + std::to_string(p % 5), "d" + std::to_string(p)});
  }
  for (int i = 0; i < 3'000; ++i) {
    records.pairs.push_back({static_cast<uint32_t>(random() % 2),
                             static_cast<uint32_t>(random() % 700),
                             static_cast<uint32_t>(random() % 700), 1, 1 + random() % 500});
  }
  ExpectTheDefinitions(records, EveryGroupingOfFiveMonies(), "700 districts");
}

}  // namespace
}  // namespace kyoso::unit
