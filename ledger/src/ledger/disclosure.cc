// Disclosure control of flow tables (see kyoso/ledger/disclosure.h).
#include "kyoso/ledger/disclosure.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "anchor_cycles.h"
#include "flow_table.h"
#include "table_cycles.h"

namespace kyoso::ledger {
namespace {

using Groups = std::pair<std::string, std::string>;

bool Dominated(const Wide (&top)[2], const Wide& sum, int percent) {
  return (top[0] + top[1]) * 100 > sum * percent;
}

Suppression Primary(const FlowCell& cell, const DisclosureRules& rules, Sides sides) {
  return PassesPrimary(cell, rules, sides) ? Suppression::kReleased : Suppression::kPrimary;
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
  for (size_t i = 0; i < totals.size() && i < before.size(); ++i) {  // Both in group order.
    if (before[i].group == totals[i].group && !before[i].released) totals[i].released = false;
  }
  return totals;
}

// The hidden cells and totals of `tables` (which only ever grow).
size_t HiddenFigures(const std::vector<ProtectedTable>& tables) {
  size_t hidden = 0;
  for (const ProtectedTable& table : tables) hidden += HiddenFigures(table);
  return hidden;
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

// A figure that several tables of one period hold: the grand total (side 0), a payer
// group's total (side 1) or a payee group's (side 2) under one grouping, of one money
// (a programme's, or all money: nullopt).
using SharedFigure = std::tuple<std::optional<ProgramId>, int, GroupBy, std::string>;

// The money a programme group names ("free": money of no programme).
ProgramId MoneyOf(std::string_view group) {
  return group == ProgramGroup("") ? ProgramId() : ProgramId(group);
}

// What a figure of a table stands for in the other tables of its period: grouped
// otherwise, or of one programme's money against all money. A row total is the same
// payer group's total wherever payers are grouped the same way, a column total likewise
// for payees. A programme is the money's, not an account's, so a programme group's total
// is the grand total of that programme's money, and a cell of all money with a programme
// on one side is the total of the other side's group in that programme's tables.
std::optional<SharedFigure> SharedAs(const FlowQuery& query, const FigurePlace& place) {
  using Kind = FigurePlace::Kind;
  constexpr GroupBy kProgram = GroupBy::kProgram;
  const GroupBy payers = query.payer_group, payees = query.payee_group;
  switch (place.kind) {
    case Kind::kGrand:
      return SharedFigure{query.program, 0, GroupBy::kKind, ""};
    case Kind::kRow:
      if (payers == kProgram) return SharedFigure{MoneyOf(place.payer), 0, GroupBy::kKind, ""};
      return SharedFigure{query.program, 1, payers, place.payer};
    case Kind::kColumn:
      if (payees == kProgram) return SharedFigure{MoneyOf(place.payee), 0, GroupBy::kKind, ""};
      return SharedFigure{query.program, 2, payees, place.payee};
    case Kind::kCell:
      if (payers == kProgram && payees == kProgram) {
        return SharedFigure{MoneyOf(place.payer), 0, GroupBy::kKind, ""};
      }
      if (payees == kProgram) return SharedFigure{MoneyOf(place.payee), 1, payers, place.payer};
      if (payers == kProgram) return SharedFigure{MoneyOf(place.payer), 2, payees, place.payee};
      return std::nullopt;
  }
  return std::nullopt;
}

// A place of a table that holds a shared figure, with it, and whether the table hides it.
struct SharedPlace {
  FigurePlace place;
  SharedFigure figure;
  bool hidden = false;
};

// The places of `table` that hold a shared figure.
std::vector<SharedPlace> SharedPlaces(const ProtectedTable& table) {
  using Kind = FigurePlace::Kind;
  std::vector<SharedPlace> shared;
  auto add = [&](FigurePlace place, bool hidden) {
    if (std::optional<SharedFigure> figure = SharedAs(table.query, place)) {
      shared.push_back({std::move(place), std::move(*figure), hidden});
    }
  };
  add({}, !table.total.released);
  for (const FlowTotal& total : table.payer_totals) {
    add({Kind::kRow, total.group, ""}, !total.released);
  }
  for (const FlowTotal& total : table.payee_totals) {
    add({Kind::kColumn, "", total.group}, !total.released);
  }
  for (const ProtectedCell& cell : table.cells) {
    add({Kind::kCell, cell.cell.payer_group, cell.cell.payee_group}, !cell.released());
  }
  return shared;
}

// The shared figures one of `tables` hides.
std::set<SharedFigure> HiddenShared(const std::vector<ProtectedTable>& tables) {
  std::set<SharedFigure> hidden;
  for (const ProtectedTable& table : tables) {
    for (SharedPlace& shared : SharedPlaces(table)) {
      if (shared.hidden) hidden.insert(std::move(shared.figure));
    }
  }
  return hidden;
}

// A group of one grouping that is exactly a union of groups of another, on one side.
struct Nest {
  GroupBy whole_by;
  std::string whole;
  GroupBy parts_by;
  std::set<std::string> parts;
};

const std::string& GroupOfClass(const AccountClass& of, GroupBy group_by) {
  return group_by == GroupBy::kKind     ? of.kind
         : group_by == GroupBy::kSector ? of.sector
                                        : of.district;
}

// How the groupings of accounts (not the programme, which is the money's) nest in
// `classes`. A group that is all of them (its row the column totals) is left out, as is
// the second of two groups that are each other.
std::vector<Nest> Nests(const std::set<AccountClass>& classes) {
  constexpr GroupBy kBy[] = {GroupBy::kKind, GroupBy::kSector, GroupBy::kDistrict};
  std::vector<Nest> nests;
  for (GroupBy whole_by : kBy) {
    for (GroupBy parts_by : kBy) {
      if (whole_by == parts_by) continue;
      std::map<std::string, std::set<std::string>> parts_of, wholes_of;
      for (const AccountClass& of : classes) {
        parts_of[GroupOfClass(of, whole_by)].insert(GroupOfClass(of, parts_by));
        wholes_of[GroupOfClass(of, parts_by)].insert(GroupOfClass(of, whole_by));
      }
      if (parts_of.size() < 2) continue;
      for (const auto& [whole, parts] : parts_of) {
        bool nested = true;
        for (const std::string& part : parts) nested = nested && wholes_of[part].size() == 1;
        if (!nested || (parts.size() == 1 && parts_by < whole_by)) continue;
        nests.push_back({whole_by, whole, parts_by, parts});
      }
    }
  }
  return nests;
}

// Where a figure of the table of a nest (NestTable) stands in the family's tables.
struct NestPlaces {
  ProtectedTable* whole;  // The table grouped by the whole's grouping,
  ProtectedTable* parts;  // and by the parts'.
  bool payers;            // The nest is of payers (else of payees).
  std::string whole_group;

  // A place of the nest's table (its rows the parts, its columns the other side's
  // groups) in one of the two tables.
  std::pair<ProtectedTable*, FigurePlace> Of(const FigurePlace& place) const {
    using Kind = FigurePlace::Kind;
    const std::string& part = place.payer;
    const std::string& other = place.payee;
    switch (place.kind) {
      case Kind::kCell:
        return {parts, payers ? FigurePlace{Kind::kCell, part, other}
                              : FigurePlace{Kind::kCell, other, part}};
      case Kind::kRow:
        return {parts,
                payers ? FigurePlace{Kind::kRow, part, ""} : FigurePlace{Kind::kColumn, "", part}};
      case Kind::kColumn:
        return {whole, payers ? FigurePlace{Kind::kCell, whole_group, other}
                              : FigurePlace{Kind::kCell, other, whole_group}};
      case Kind::kGrand:
        break;
    }
    return {whole, payers ? FigurePlace{Kind::kRow, whole_group, ""}
                          : FigurePlace{Kind::kColumn, "", whole_group}};
  }
};

// The parts' rows as a table of their own, its totals the whole's row.
ProtectedTable NestTable(const NestPlaces& at, const std::set<std::string>& parts) {
  ProtectedTable table;
  for (const ProtectedCell& cell : at.parts->cells) {
    const std::string& part = at.payers ? cell.cell.payer_group : cell.cell.payee_group;
    if (!parts.contains(part)) continue;
    table.cells.push_back(cell);
    table.cells.back().cell.payer_group = part;
    table.cells.back().cell.payee_group = at.payers ? cell.cell.payee_group : cell.cell.payer_group;
  }
  std::sort(table.cells.begin(), table.cells.end(), [](const auto& a, const auto& b) {
    return std::tie(a.cell.payer_group, a.cell.payee_group) <
           std::tie(b.cell.payer_group, b.cell.payee_group);
  });
  for (const FlowTotal& total : at.payers ? at.parts->payer_totals : at.parts->payee_totals) {
    if (parts.contains(total.group)) table.payer_totals.push_back(total);
  }
  for (const ProtectedCell& cell : at.whole->cells) {
    const auto& [whole, other] = at.payers ? std::tie(cell.cell.payer_group, cell.cell.payee_group)
                                           : std::tie(cell.cell.payee_group, cell.cell.payer_group);
    if (whole != at.whole_group) continue;
    table.payee_totals.push_back({other, cell.cell.count, cell.cell.sum, cell.released()});
  }
  std::sort(table.payee_totals.begin(), table.payee_totals.end(),
            [](const FlowTotal& a, const FlowTotal& b) { return a.group < b.group; });
  for (const FlowTotal& total : at.payers ? at.whole->payer_totals : at.whole->payee_totals) {
    if (total.group == at.whole_group) table.total = total;
  }
  table.total.group.clear();
  return table;
}

// Protects the nest's table, and hides what it hid in the two tables, each closing cycles
// of its own through it. True if it hid any.
bool ProtectNest(const NestPlaces& at, const std::set<std::string>& parts) {
  ProtectedTable nest = NestTable(at, parts);
  ClosedTable closed(&nest);
  Places before = closed.HiddenPlaces();
  if (before.empty() || !closed.CloseCycles(before)) return false;
  std::sort(before.begin(), before.end());
  std::map<ProtectedTable*, Places> hidden;  // What the nest's table hid since.
  for (const FigurePlace& place : closed.HiddenPlaces()) {
    if (std::binary_search(before.begin(), before.end(), place)) continue;
    auto [table, there] = at.Of(place);
    hidden[table].push_back(std::move(there));
  }
  for (auto& [table, places] : hidden) {
    ClosedTable in(table);
    in.Hide(places);
    in.CloseCycles(places);
  }
  return true;
}

}  // namespace

bool ProtectNesting(std::vector<ProtectedTable>* family, const std::vector<MoneyClasses>& classes) {
  constexpr size_t kGroupByCount = 4, kGroupings = kGroupByCount * kGroupByCount;
  assert(family->size() == classes.size() * kGroupings);
  if (family->size() != classes.size() * kGroupings) return false;
  bool hid = false;
  for (size_t money = 0; money < classes.size(); ++money) {
    ProtectedTable* tables = &(*family)[money * kGroupings];
    for (bool payers : {true, false}) {
      for (const Nest& nest : Nests(payers ? classes[money].payers : classes[money].payees)) {
        for (size_t other = 0; other < kGroupByCount; ++other) {
          auto table = [&](GroupBy by) {
            const size_t side = static_cast<size_t>(by);
            return &tables[payers ? side * kGroupByCount + other : other * kGroupByCount + side];
          };
          NestPlaces at{table(nest.whole_by), table(nest.parts_by), payers, nest.whole};
          hid = ProtectNest(at, nest.parts) || hid;
        }
      }
    }
  }
  return hid;
}

bool PassesPrimary(const FlowCell& cell, const DisclosureRules& rules, Sides sides) {
  bool payers_ok = cell.distinct_payers >= rules.min_payers &&
                   !Dominated(cell.top_payers, cell.sum, rules.dominance_percent);
  bool payees_ok = cell.distinct_payees >= rules.min_payees &&
                   !Dominated(cell.top_payees, cell.sum, rules.dominance_percent);
  return (sides == Sides::kPayeesOnly || payers_ok) && (sides == Sides::kPayersOnly || payees_ok);
}

size_t HiddenFigures(const ProtectedTable& table) {
  size_t hidden = table.total.released ? 0 : 1;
  for (const ProtectedCell& cell : table.cells) hidden += cell.released() ? 0 : 1;
  for (const auto* totals : {&table.payer_totals, &table.payee_totals}) {
    for (const FlowTotal& total : *totals) hidden += total.released ? 0 : 1;
  }
  return hidden;
}

Sides SidesJudged(FlowClass flow_class) {
  switch (flow_class) {
    case FlowClass::kIssuance:
      return Sides::kPayeesOnly;
    case FlowClass::kRedemption:
      return Sides::kPayersOnly;
    case FlowClass::kPayment:
    case FlowClass::kRefund:
    case FlowClass::kExchange:
      break;
  }
  return Sides::kBoth;
}

std::string_view SuppressionName(Suppression suppression) {
  static constexpr std::array<std::string_view, 3> kNames = {"released", "primary", "secondary"};
  return kNames[static_cast<size_t>(suppression)];
}

std::string_view RunningPeriodsName(RunningPeriods running) {
  static constexpr std::array<std::string_view, 3> kNames = {"ended-months", "ended-days", "live"};
  return kNames[static_cast<size_t>(running)];
}

std::optional<RunningPeriods> RunningPeriodsFromName(std::string_view name) {
  for (RunningPeriods running :
       {RunningPeriods::kEndedMonths, RunningPeriods::kEndedDays, RunningPeriods::kLive}) {
    if (name == RunningPeriodsName(running)) return running;
  }
  return std::nullopt;
}

ProtectedTable Protect(const FlowTable& table, const DisclosureRules& rules) {
  ProtectedTable result{table.query, {}, {}, {}, {}};
  const Sides sides = SidesJudged(table.query.flow_class);
  for (const FlowCell& cell : table.cells) {
    result.cells.push_back({cell, Primary(cell, rules, sides)});
  }
  Secondary(result.cells);
  ComputeTotals(result);
  CloseCycles(&result);
  return result;
}

bool ProtectParts(const ProtectedTable& whole, std::vector<ProtectedTable>* parts,
                  const std::vector<int32_t>& weeks) {
  assert(weeks.empty() || weeks.size() == parts->size());
  const size_t hidden_before = HiddenFigures(*parts);
  for (bool hid = true; hid;) {
    hid = false;
    for (const ProtectedCell& cell : whole.cells) hid = ProtectAcrossParts(cell, *parts) || hid;
    for (ProtectedTable& part : *parts) {
      Secondary(part.cells);
      ComputeTotals(part);
    }
    hid = AnchorCycles(whole, *parts, weeks) || hid;
  }
  return HiddenFigures(*parts) != hidden_before;
}

bool ProtectGroupings(std::vector<ProtectedTable>* tables) {
  bool hid_any = false;
  for (bool hid = true; hid; hid_any = hid_any || hid) {
    hid = false;
    const std::set<SharedFigure> hidden = HiddenShared(*tables);
    for (ProtectedTable& table : *tables) {
      Places shared;
      for (SharedPlace& at : SharedPlaces(table)) {
        if (hidden.contains(at.figure)) shared.push_back(std::move(at.place));
      }
      ClosedTable closed(&table);
      hid = closed.Hide(shared) || hid;
      hid = closed.CloseCycles(shared) || hid;
    }
  }
  return hid_any;
}

bool ProtectFamily(std::vector<ProtectedTable>* family, const std::vector<MoneyClasses>* classes) {
  constexpr size_t kGroupings = 16;
  assert(family->size() % kGroupings == 0);
  bool hid_any = false;
  for (bool hid = true; hid; hid_any = hid_any || hid) {
    hid = ProtectGroupings(family);
    if (classes != nullptr && !classes->empty()) hid = ProtectNesting(family, *classes) || hid;
    for (size_t g = 0; g < kGroupings; ++g) {
      std::vector<ProtectedTable> monies;
      for (size_t t = kGroupings + g; t < family->size(); t += kGroupings) {
        monies.push_back(std::move((*family)[t]));
      }
      hid = ProtectParts((*family)[g], &monies) || hid;
      for (size_t t = kGroupings + g, m = 0; t < family->size(); t += kGroupings, ++m) {
        (*family)[t] = std::move(monies[m]);
      }
    }
  }
  return hid_any;
}

void ProtectWholeAgainstParts(const std::vector<ProtectedTable>& parts, ProtectedTable* whole) {
  {
    ClosedTable closed(whole);  // Points into whole's totals: gone before they change.
    for (const ProtectedTable& part : parts) closed.Hide(ClosedTable::Of(part).HiddenPlaces());
  }
  Secondary(whole->cells);
  ComputeTotals(*whole);
}

}  // namespace kyoso::ledger
