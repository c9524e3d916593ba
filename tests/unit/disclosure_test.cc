// Disclosure control of the municipality's flow tables (kyoso/ledger/disclosure.h) on
// adversarial tables: too few payers, a dominant merchant, totals that would give a
// suppressed cell away, and parts of a period that would.
#include "kyoso/ledger/disclosure.h"

#include <gtest/gtest.h>

namespace kyoso::unit {
namespace {

using ledger::DisclosureRules;
using ledger::FlowCell;
using ledger::FlowTable;
using ledger::ProtectedTable;
using ledger::Suppression;
using ledger::Wide;

// A cell with `payers` payers and `payees` payees of equal shares (two largest: two shares).
FlowCell Even(std::string payer, std::string payee, int64_t sum, uint64_t payers = 20,
              uint64_t payees = 20) {
  FlowCell cell{std::move(payer), std::move(payee), payers, sum, payers, payees, {}, {}};
  cell.top_payers[0] = cell.top_payers[1] = Wide(sum) / payers;
  cell.top_payees[0] = cell.top_payees[1] = Wide(sum) / payees;
  return cell;
}

FlowTable Table(std::vector<FlowCell> cells) {
  return FlowTable{{}, std::move(cells)};
}

Suppression Of(const ProtectedTable& table, const std::string& payer, const std::string& payee) {
  for (const auto& cell : table.cells) {
    if (cell.cell.payer_group == payer && cell.cell.payee_group == payee) return cell.suppression;
  }
  ADD_FAILURE() << "no cell " << payer << " -> " << payee;
  return Suppression::kReleased;
}

// No row or column of a protected table keeps exactly one hidden cell.
void ExpectNoLonelyHiddenCell(const ProtectedTable& table) {
  std::map<std::string, int> rows, columns;
  for (const auto& cell : table.cells) {
    rows[cell.cell.payer_group] += cell.released() ? 0 : 1;
    columns[cell.cell.payee_group] += cell.released() ? 0 : 1;
  }
  for (const auto& [row, hidden] : rows) EXPECT_NE(hidden, 1) << "row " << row;
  for (const auto& [column, hidden] : columns) EXPECT_NE(hidden, 1) << "column " << column;
}

TEST(DisclosureTest, TenPayersAndTenPayeesAtLeast) {
  DisclosureRules rules;
  ProtectedTable table =
      ledger::Protect(Table({Even("res", "food", 9'000, 9, 20), Even("res", "tools", 9'000, 20, 9),
                             Even("res", "wood", 10'000, 10, 10)}),
                      rules);
  EXPECT_EQ(table.cells[0].suppression, Suppression::kPrimary);  // Nine payers.
  EXPECT_EQ(table.cells[1].suppression, Suppression::kPrimary);  // Nine payees.
  EXPECT_EQ(table.cells[2].suppression, Suppression::kReleased);
  rules.min_payers = rules.min_payees = 9;  // Thresholds are configuration.
  EXPECT_EQ(ledger::Protect(Table({Even("res", "food", 9'000, 9, 9)}), rules).cells[0].suppression,
            Suppression::kReleased);
}

TEST(DisclosureTest, OneDominantMerchantHidesTheCell) {
  // Twenty residents pay twelve merchants 10,000; one merchant takes 8,000 and the next
  // 600: 86% > 85%. At 7,900 + 600 = 85% exactly the cell is shown.
  FlowCell dominated = Even("res", "food", 10'000, 20, 12);
  dominated.top_payees[0] = 8'000;
  dominated.top_payees[1] = 600;
  FlowCell at_limit = dominated;
  at_limit.payer_group = "mch";
  at_limit.top_payees[0] = 7'900;
  ProtectedTable table = ledger::Protect(Table({at_limit, dominated}), DisclosureRules{});
  EXPECT_EQ(Of(table, "res", "food"), Suppression::kPrimary);
  EXPECT_EQ(Of(table, "mch", "food"), Suppression::kSecondary);  // Else the column total tells.
  // A dominant payer counts the same.
  FlowCell payer = Even("res", "wood", 10'000);
  payer.top_payers[0] = 9'000;
  EXPECT_EQ(ledger::Protect(Table({payer}), DisclosureRules{}).cells[0].suppression,
            Suppression::kPrimary);
}

TEST(DisclosureTest, TotalsNeverGiveASuppressedCellAway) {
  // A x: too few payers. Row A then has one hidden cell: its smallest other (A y 50)
  // goes; columns x and y then have one each: their smallest others (C x 40, C y 30) go;
  // every row and column now hides two or none.
  FlowTable flows = Table({Even("A", "x", 100, 5), Even("A", "y", 50), Even("A", "z", 70),
                           Even("B", "x", 60), Even("B", "y", 80), Even("B", "z", 90),
                           Even("C", "x", 40), Even("C", "y", 30), Even("C", "z", 200)});
  ProtectedTable table = ledger::Protect(flows, DisclosureRules{});
  EXPECT_EQ(Of(table, "A", "x"), Suppression::kPrimary);
  for (auto [payer, payee] : {std::pair{"A", "y"}, {"C", "x"}, {"C", "y"}}) {
    EXPECT_EQ(Of(table, payer, payee), Suppression::kSecondary) << payer << " " << payee;
  }
  for (auto [payer, payee] :
       {std::pair{"A", "z"}, {"B", "x"}, {"B", "y"}, {"B", "z"}, {"C", "z"}}) {
    EXPECT_EQ(Of(table, payer, payee), Suppression::kReleased) << payer << " " << payee;
  }
  ExpectNoLonelyHiddenCell(table);
  EXPECT_TRUE(table.total.released);
  EXPECT_EQ(table.total.sum, 720);
  // The same figures give the same pattern.
  ProtectedTable again = ledger::Protect(flows, DisclosureRules{});
  for (size_t i = 0; i < table.cells.size(); ++i) {
    EXPECT_EQ(again.cells[i].suppression, table.cells[i].suppression);
  }
}

TEST(DisclosureTest, ATotalWithOneHiddenCellIsHidden) {
  // One row with one cell, hidden: its row total, column total and grand total would be
  // that cell.
  ProtectedTable table = ledger::Protect(Table({Even("A", "x", 100, 3)}), DisclosureRules{});
  EXPECT_FALSE(table.payer_totals[0].released);
  EXPECT_FALSE(table.payee_totals[0].released);
  EXPECT_FALSE(table.total.released);
}

TEST(DisclosureTest, PartsOfAPeriodDoNotGiveACellAway) {
  // The month shows res→food but hides res→tools (three payers; res→wood and the mch
  // cells of tools and wood go with it). Week 2 alone hides res→food (four payers that
  // week): week 1 must hide it too, or the month minus week 1 would be week 2. Both weeks
  // show res→tools: one (the smaller, week 1) must hide it, or they add up to the month's.
  ProtectedTable month = ledger::Protect(
      Table({Even("mch", "food", 500), Even("mch", "tools", 400), Even("mch", "wood", 600),
             Even("res", "food", 1'000), Even("res", "tools", 300, 3), Even("res", "wood", 350)}),
      DisclosureRules{});
  ASSERT_EQ(Of(month, "res", "food"), Suppression::kReleased);
  ASSERT_EQ(Of(month, "res", "tools"), Suppression::kPrimary);
  std::vector<ProtectedTable> weeks = {
      ledger::Protect(
          Table({Even("mch", "food", 250), Even("mch", "tools", 200), Even("mch", "wood", 300),
                 Even("res", "food", 800), Even("res", "tools", 100), Even("res", "wood", 175)}),
          DisclosureRules{}),
      ledger::Protect(
          Table({Even("mch", "food", 250), Even("mch", "tools", 200), Even("mch", "wood", 300),
                 Even("res", "food", 200, 4), Even("res", "tools", 200), Even("res", "wood", 175)}),
          DisclosureRules{})};
  ASSERT_EQ(Of(weeks[0], "res", "food"), Suppression::kReleased);
  ASSERT_EQ(Of(weeks[1], "res", "food"), Suppression::kPrimary);
  ledger::ProtectParts(month, &weeks);
  EXPECT_EQ(Of(weeks[0], "res", "food"), Suppression::kSecondary);
  EXPECT_EQ(Of(weeks[0], "res", "tools"), Suppression::kSecondary);
  EXPECT_EQ(Of(weeks[1], "res", "tools"), Suppression::kReleased);
  for (const ProtectedTable& week : weeks) ExpectNoLonelyHiddenCell(week);
}

TEST(DisclosureTest, AWeekDoesNotGiveAwayADaySuppressedAlone) {
  // Monday hides res→food (three payers), and with it the other three cells (secondary).
  // The week shows every cell, and the other six days do: the week minus them would be
  // Monday's, so the week hides them too. Had Tuesday hidden them as well, the week
  // minus the rest would only be Monday's and Tuesday's sum: the week would show them.
  auto day = [](uint64_t food_payers) {
    return ledger::Protect(Table({Even("mch", "food", 70), Even("mch", "tools", 60),
                                  Even("res", "food", 100, food_payers), Even("res", "tools", 50)}),
                           DisclosureRules{});
  };
  auto week = [] {
    return ledger::Protect(Table({Even("mch", "food", 490), Even("mch", "tools", 420),
                                  Even("res", "food", 700), Even("res", "tools", 350)}),
                           DisclosureRules{});
  };
  std::vector<ProtectedTable> days = {day(3)};
  for (int d = 1; d < 7; ++d) days.push_back(day(20));
  ASSERT_EQ(Of(days[0], "res", "food"), Suppression::kPrimary);
  ASSERT_EQ(Of(days[1], "res", "food"), Suppression::kReleased);
  ProtectedTable alone = week();
  ASSERT_EQ(Of(alone, "res", "food"), Suppression::kReleased);
  ledger::ProtectWholeAgainstParts(days, &alone);
  EXPECT_EQ(Of(alone, "res", "food"), Suppression::kSecondary);
  ExpectNoLonelyHiddenCell(alone);
  // No cell the week shows is hidden in exactly one day.
  for (const auto& cell : alone.cells) {
    if (!cell.released()) continue;
    int hidden = 0;
    for (const ProtectedTable& d : days) {
      hidden += Of(d, cell.cell.payer_group, cell.cell.payee_group) != Suppression::kReleased;
    }
    EXPECT_NE(hidden, 1) << cell.cell.payer_group << "->" << cell.cell.payee_group;
  }

  days[1] = day(3);
  ProtectedTable two = week();
  ledger::ProtectWholeAgainstParts(days, &two);
  EXPECT_EQ(Of(two, "res", "food"), Suppression::kReleased);
  EXPECT_TRUE(two.total.released);
}

TEST(DisclosureTest, AWeeksTotalsDoNotGiveAwayADaysHiddenTotal) {
  // On Monday residents bought only crafts, from three of them: the cell, its row total
  // and the grand total are hidden. The other days they bought food. The week hides
  // crafts too (three payers) and food beside it, which leaves residents' row total,
  // food plus crafts; less the other days' row totals (their food), that is Monday's
  // crafts: the week's row total must be hidden, and its grand total.
  std::vector<ProtectedTable> days = {ledger::Protect(
      Table({Even("mch", "food", 70), Even("res", "crafts", 90, 3)}), DisclosureRules{})};
  for (int d = 1; d < 7; ++d) {
    days.push_back(ledger::Protect(Table({Even("mch", "food", 70), Even("res", "food", 100)}),
                                   DisclosureRules{}));
  }
  ASSERT_FALSE(days[0].payer_totals[1].released);
  ProtectedTable week = ledger::Protect(
      Table({Even("mch", "food", 490), Even("res", "crafts", 90, 3), Even("res", "food", 600)}),
      DisclosureRules{});
  ASSERT_EQ(week.payer_totals[1].group, "res");
  ASSERT_TRUE(week.payer_totals[1].released) << "the gap this closes";
  ledger::ProtectWholeAgainstParts(days, &week);
  EXPECT_FALSE(week.payer_totals[1].released);
  EXPECT_FALSE(week.total.released);
  // No total the week shows is hidden in exactly one day.
  for (bool by_payer : {true, false}) {
    for (const auto& total : by_payer ? week.payer_totals : week.payee_totals) {
      if (!total.released) continue;
      int hidden = 0;
      for (const ProtectedTable& d : days) {
        for (const auto& t : by_payer ? d.payer_totals : d.payee_totals) {
          hidden += t.group == total.group && !t.released;
        }
      }
      EXPECT_NE(hidden, 1) << total.group;
    }
  }
}

}  // namespace
}  // namespace kyoso::unit
