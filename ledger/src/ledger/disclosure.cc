// Disclosure control of flow tables (see kyoso/ledger/disclosure.h).
#include "kyoso/ledger/disclosure.h"

#include <array>
#include <map>
#include <optional>
#include <tuple>

#include "table_cycles.h"

namespace kyoso::ledger {
namespace {

using Groups = std::pair<std::string, std::string>;

bool Dominated(const Wide (&top)[2], const Wide& sum, int percent) {
  return (top[0] + top[1]) * 100 > sum * percent;
}

Suppression Primary(const FlowCell& cell, const DisclosureRules& rules) {
  return PassesPrimary(cell, rules) ? Suppression::kReleased : Suppression::kPrimary;
}

const std::string& LineOf(const ProtectedCell& cell, bool by_payer) {
  return by_payer ? cell.cell.payer_group : cell.cell.payee_group;
}

// Cell positions per row (by_payer) or per column.
std::map<std::string, std::vector<size_t>> Lines(const std::vector<ProtectedCell>& cells,
                                                 bool by_payer) {
  std::map<std::string, std::vector<size_t>> lines;
  for (size_t i = 0; i < cells.size(); ++i) lines[LineOf(cells[i], by_payer)].push_back(i);
  return lines;
}

// Whether cell a should be hidden before cell b: the smaller sum, then by groups.
bool HideFirst(const ProtectedCell& a, const ProtectedCell& b) {
  return std::tie(a.cell.sum, a.cell.payer_group, a.cell.payee_group) <
         std::tie(b.cell.sum, b.cell.payer_group, b.cell.payee_group);
}

// Hides the smallest released cell of each line with exactly one hidden cell; true if
// it hid any.
bool HideBesideLonelyCells(std::vector<ProtectedCell>& cells, bool by_payer) {
  bool hid = false;
  for (const auto& [line, members] : Lines(cells, by_payer)) {
    size_t hidden = 0;
    std::optional<size_t> smallest;
    for (size_t i : members) {
      if (!cells[i].released()) ++hidden;
      if (cells[i].released() && (!smallest || HideFirst(cells[i], cells[*smallest]))) {
        smallest = i;
      }
    }
    if (hidden == 1 && smallest) {
      cells[*smallest].suppression = Suppression::kSecondary;
      hid = true;
    }
  }
  return hid;
}

void Secondary(std::vector<ProtectedCell>& cells) {
  for (bool hid = true; hid;) {
    bool in_rows = HideBesideLonelyCells(cells, true);  // Both, every round.
    bool in_columns = HideBesideLonelyCells(cells, false);
    hid = in_rows || in_columns;
  }
}

// Row or column totals: a total is shown unless exactly one of its cells is hidden, or it
// was hidden before (`before`: the same side's totals of an earlier round, or none).
std::vector<FlowTotal> Totals(const std::vector<ProtectedCell>& cells, bool by_payer,
                              const std::vector<FlowTotal>& before) {
  std::vector<FlowTotal> totals;
  for (const auto& [line, members] : Lines(cells, by_payer)) {
    FlowTotal total{line, 0, 0, true};
    size_t hidden = 0;
    for (size_t i : members) {
      total.count += cells[i].cell.count;
      total.sum += cells[i].cell.sum;
      hidden += cells[i].released() ? 0 : 1;
    }
    total.released = hidden != 1;
    totals.push_back(std::move(total));
  }
  if (before.size() == totals.size()) {  // Lines never go away: the same groups, in order.
    for (size_t i = 0; i < totals.size(); ++i)
      totals[i].released = totals[i].released && before[i].released;
  }
  return totals;
}

size_t HiddenTotals(const std::vector<FlowTotal>& totals) {
  size_t hidden = 0;
  for (const FlowTotal& total : totals) hidden += total.released ? 0 : 1;
  return hidden;
}

void ComputeTotals(ProtectedTable& table) {
  table.payer_totals = Totals(table.cells, true, table.payer_totals);
  table.payee_totals = Totals(table.cells, false, table.payee_totals);
  const bool was_released = table.total.released;
  table.total = FlowTotal{};
  size_t hidden = 0;
  for (const ProtectedCell& cell : table.cells) {
    table.total.count += cell.cell.count;
    table.total.sum += cell.cell.sum;
    hidden += cell.released() ? 0 : 1;
  }
  // The grand total minus what is shown must not single out one cell, row or column.
  table.total.released = was_released && hidden != 1 && HiddenTotals(table.payer_totals) != 1 &&
                         HiddenTotals(table.payee_totals) != 1;
}

// The cell of `table` (a ProtectedTable, const or not) for `groups`, or nullptr.
template <typename Table>
auto FindCell(Table& table, const Groups& groups) -> decltype(&table.cells[0]) {
  for (auto& cell : table.cells) {
    if (cell.cell.payer_group == groups.first && cell.cell.payee_group == groups.second) {
      return &cell;
    }
  }
  return nullptr;
}

// For one cell of the whole period: hides it in a second part when exactly one part
// hides it (the whole shows it), or in one part when none does (the whole hides it and
// the parts would add up to it). True if it hid any.
bool ProtectAcrossParts(const ProtectedCell& whole, std::vector<ProtectedTable>& parts) {
  Groups groups{whole.cell.payer_group, whole.cell.payee_group};
  size_t hidden = 0;
  ProtectedCell* smallest = nullptr;
  for (ProtectedTable& part : parts) {
    ProtectedCell* cell = FindCell(part, groups);
    if (cell == nullptr) continue;  // Nothing in that part: a known zero.
    if (!cell->released()) ++hidden;
    if (cell->released() && (smallest == nullptr || cell->cell.sum < smallest->cell.sum)) {
      smallest = cell;
    }
  }
  size_t wanted = whole.released() ? 1 : 0;  // The count of hidden parts that gives it away.
  if (hidden != wanted || smallest == nullptr) return false;
  smallest->suppression = Suppression::kSecondary;
  return true;
}

// Whether exactly one of `parts` hides the cell of `whole`'s groups.
bool HiddenInOneCellPart(const std::vector<ProtectedTable>& parts, const ProtectedCell& whole) {
  Groups groups{whole.cell.payer_group, whole.cell.payee_group};
  size_t hidden = 0;
  for (const ProtectedTable& part : parts) {
    const ProtectedCell* cell = FindCell(part, groups);
    if (cell != nullptr && !cell->released()) ++hidden;
  }
  return hidden == 1;
}

// Whether exactly one of `parts` hides its row (by_payer) or column total of `group`.
bool HiddenInOneTotalPart(const std::vector<ProtectedTable>& parts, const std::string& group,
                          bool by_payer) {
  size_t hidden = 0;
  for (const ProtectedTable& part : parts) {
    for (const FlowTotal& total : by_payer ? part.payer_totals : part.payee_totals) {
      if (total.group == group && !total.released) ++hidden;
    }
  }
  return hidden == 1;
}

// Hides the smallest released cell of `whole` in the row (by_payer) or column `group`
// ("" with all_lines: of the whole table) when none of them is hidden, so that the cells
// do not add up to a total that must stay hidden. True if it hid one.
bool HideOneOf(ProtectedTable* whole, const std::string& group, bool by_payer, bool all_lines) {
  ProtectedCell* smallest = nullptr;
  for (ProtectedCell& cell : whole->cells) {
    const std::string& line = by_payer ? cell.cell.payer_group : cell.cell.payee_group;
    if (!all_lines && line != group) continue;
    if (!cell.released()) return false;
    if (smallest == nullptr || cell.cell.sum < smallest->cell.sum) smallest = &cell;
  }
  if (smallest == nullptr) return false;
  smallest->suppression = Suppression::kSecondary;
  return true;
}

// A total `whole` shows while exactly one part hides it would give that part's away (the
// whole's minus the other parts'): hides it, or, when the whole's cells would add up to
// it, one of them (then returns true: secondary suppression must run again).
bool ProtectTotalsAgainstParts(const std::vector<ProtectedTable>& parts, ProtectedTable* whole) {
  bool hid_cell = false;
  for (bool by_payer : {true, false}) {
    for (FlowTotal& total : by_payer ? whole->payer_totals : whole->payee_totals) {
      if (!total.released || !HiddenInOneTotalPart(parts, total.group, by_payer)) continue;
      total.released = false;
      hid_cell = HideOneOf(whole, total.group, by_payer, false) || hid_cell;
    }
  }
  size_t parts_hiding_total = 0;
  for (const ProtectedTable& part : parts) parts_hiding_total += part.total.released ? 0 : 1;
  if (whole->total.released && parts_hiding_total == 1) {
    whole->total.released = false;
    hid_cell = HideOneOf(whole, "", true, true) || hid_cell;
  }
  // As in ComputeTotals: a grand total must not single out one hidden row or column.
  if (HiddenTotals(whole->payer_totals) == 1 || HiddenTotals(whole->payee_totals) == 1) {
    whole->total.released = false;
  }
  return hid_cell;
}

}  // namespace

bool PassesPrimary(const FlowCell& cell, const DisclosureRules& rules, Sides sides) {
  bool payers_ok = cell.distinct_payers >= rules.min_payers &&
                   !Dominated(cell.top_payers, cell.sum, rules.dominance_percent);
  bool payees_ok = cell.distinct_payees >= rules.min_payees &&
                   !Dominated(cell.top_payees, cell.sum, rules.dominance_percent);
  return (sides == Sides::kPayeesOnly || payers_ok) && (sides == Sides::kPayersOnly || payees_ok);
}

std::string_view SuppressionName(Suppression suppression) {
  static constexpr std::array<std::string_view, 3> kNames = {"released", "primary", "secondary"};
  return kNames[static_cast<size_t>(suppression)];
}

ProtectedTable Protect(const FlowTable& table, const DisclosureRules& rules) {
  ProtectedTable result{table.query, {}, {}, {}, {}};
  for (const FlowCell& cell : table.cells) result.cells.push_back({cell, Primary(cell, rules)});
  Secondary(result.cells);
  ComputeTotals(result);
  CloseCycles(&result);
  return result;
}

void ProtectParts(const ProtectedTable& whole, std::vector<ProtectedTable>* parts) {
  bool hid = true;
  while (hid) {
    hid = false;
    for (const ProtectedCell& cell : whole.cells) hid = ProtectAcrossParts(cell, *parts) || hid;
    for (ProtectedTable& part : *parts) Secondary(part.cells);
  }
  for (ProtectedTable& part : *parts) ComputeTotals(part);
}

void ProtectWholeAgainstParts(const std::vector<ProtectedTable>& parts, ProtectedTable* whole) {
  for (bool hid = true; hid;) {
    hid = false;
    for (ProtectedCell& cell : whole->cells) {
      if (cell.released() && HiddenInOneCellPart(parts, cell)) {
        cell.suppression = Suppression::kSecondary;
        hid = true;
      }
    }
    Secondary(whole->cells);
    ComputeTotals(*whole);
    hid = ProtectTotalsAgainstParts(parts, whole) || hid;
  }
}

}  // namespace kyoso::ledger
