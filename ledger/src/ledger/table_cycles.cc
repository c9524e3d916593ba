// Cycles of hidden figures in protected tables (see table_cycles.h).
#include "table_cycles.h"

#include <queue>
#include <tuple>

namespace kyoso::ledger {

bool ClosedTable::Edge::hidden() const {
  return cell != nullptr ? !cell->released() : !total->released;
}

FigureAt ClosedTable::Edge::at() const {
  return {hidden(), cell != nullptr ? cell->cell.sum : total->sum};
}

void ClosedTable::Edge::Hide() {
  if (cell != nullptr) {
    cell->suppression = Suppression::kSecondary;
  } else {
    total->released = false;
  }
}

// Nodes: each payer group, then the totals' row, each payee group, the totals' column.
ClosedTable::ClosedTable(ProtectedTable* table) {
  std::map<std::string, size_t> rows, columns;
  for (ProtectedCell& cell : table->cells) {
    rows.try_emplace(cell.cell.payer_group, rows.size());
    columns.try_emplace(cell.cell.payee_group, 0);
  }
  const size_t totals_row = rows.size();
  size_t next = totals_row + 1;
  for (auto& [group, node] : columns) node = next++;
  const size_t totals_column = next++;
  adjacent_.resize(next);
  using Kind = FigurePlace::Kind;
  for (ProtectedCell& cell : table->cells) {
    const std::string &payer = cell.cell.payer_group, &payee = cell.cell.payee_group;
    Add({rows.at(payer), columns.at(payee), &cell, nullptr, {Kind::kCell, payer, payee}});
  }
  for (FlowTotal& total : table->payer_totals) {
    Add({rows.at(total.group), totals_column, nullptr, &total, {Kind::kRow, total.group, ""}});
  }
  for (FlowTotal& total : table->payee_totals) {
    Add({totals_row, columns.at(total.group), nullptr, &total, {Kind::kColumn, "", total.group}});
  }
  Add({totals_row, totals_column, nullptr, &table->total, {}});
}

const ClosedTable ClosedTable::Of(const ProtectedTable& table) {
  return ClosedTable(const_cast<ProtectedTable*>(&table));
}

void ClosedTable::Add(Edge edge) {
  adjacent_[edge.row].push_back(edges_.size());
  adjacent_[edge.column].push_back(edges_.size());
  by_place_.emplace(edge.place, edges_.size());
  edges_.push_back(std::move(edge));
}

std::optional<FigureAt> ClosedTable::At(const FigurePlace& place) const {
  auto it = by_place_.find(place);
  if (it == by_place_.end()) return std::nullopt;
  return edges_[it->second].at();
}

bool ClosedTable::Hide(const Places& places) {
  bool hid = false;
  for (const FigurePlace& place : places) {
    auto it = by_place_.find(place);
    if (it == by_place_.end() || edges_[it->second].hidden()) continue;
    edges_[it->second].Hide();
    hid = true;
  }
  return hid;
}

Places ClosedTable::HiddenPlaces() const {
  Places places;
  for (const Edge& edge : edges_) {
    if (edge.hidden()) places.push_back(edge.place);
  }
  return places;
}

std::optional<PricedCycle> ClosedTable::CheapestCycle(const ProtectedCell& cell,
                                                      const PlaceCost& cost) const {
  return CheapestCycle({FigurePlace::Kind::kCell, cell.cell.payer_group, cell.cell.payee_group},
                       cost);
}

// Dijkstra from the figure's column node to its row node, not over the figure itself.
std::optional<PricedCycle> ClosedTable::CheapestCycle(const FigurePlace& place,
                                                      const PlaceCost& cost) const {
  const size_t through = by_place_.at(place);
  const size_t from = edges_[through].column, to = edges_[through].row;
  std::vector<std::optional<Wide>> best(adjacent_.size());
  std::vector<size_t> came_by(adjacent_.size(), through);  // The edge that reached a node.
  using Reached = std::tuple<Wide, size_t>;                // Cost so far, node.
  std::priority_queue<Reached, std::vector<Reached>, std::greater<>> pending;
  const std::optional<Wide> start = cost(edges_[through].place, edges_[through].at());
  if (!start) return std::nullopt;
  best[from] = *start;
  pending.emplace(*start, from);
  while (!pending.empty()) {
    const auto [so_far, node] = pending.top();
    pending.pop();
    if (so_far != *best[node]) continue;  // Reached more cheaply since.
    if (node == to) break;
    for (size_t e : adjacent_[node]) {
      if (e == through) continue;
      const std::optional<Wide> step = cost(edges_[e].place, edges_[e].at());
      if (!step) continue;
      const size_t other = edges_[e].row == node ? edges_[e].column : edges_[e].row;
      const Wide total = so_far + *step;
      if (best[other] && *best[other] <= total) continue;
      best[other] = total;
      came_by[other] = e;
      pending.emplace(total, other);
    }
  }
  if (!best[to]) return std::nullopt;
  PricedCycle cycle{{edges_[through].place}, *best[to]};
  for (size_t node = to; node != from;) {
    const Edge& edge = edges_[came_by[node]];
    cycle.places.push_back(edge.place);
    node = edge.row == node ? edge.column : edge.row;
  }
  return cycle;
}

// One pass suffices: hiding more never breaks a cycle closed before.
bool ClosedTable::CloseCycles(const Places& also) {
  // A released figure costs its sum and one more, so that fewer are hidden among equals.
  const PlaceCost cost = [](const FigurePlace&, FigureAt here) -> std::optional<Wide> {
    return here.hidden ? Wide(0) : here.sum + 1;
  };
  Places through;
  for (const Edge& edge : edges_) {
    if (edge.cell != nullptr && edge.cell->suppression == Suppression::kPrimary) {
      through.push_back(edge.place);
    }
  }
  for (const FigurePlace& place : also) {
    std::optional<FigureAt> at = At(place);
    if (at && at->hidden) through.push_back(place);
  }
  bool hid = false;
  for (const FigurePlace& place : through) {
    std::optional<PricedCycle> cycle = CheapestCycle(place, cost);
    if (cycle) hid = Hide(cycle->places) || hid;
  }
  return hid;
}

void CloseCycles(ProtectedTable* table) {
  ClosedTable(table).CloseCycles();
}

}  // namespace kyoso::ledger
