// Cycles of hidden figures in protected tables (see table_cycles.h).
#include "table_cycles.h"

#include <algorithm>
#include <cassert>
#include <queue>
#include <tuple>

namespace kyoso::ledger {

CycleCost AddCosts(CycleCost a, CycleCost b) {
  const CycleCost sum = a + b;
  return sum < a ? ~CycleCost{0} : sum;
}

namespace {

CycleCost CostOf(const Wide& sum) {
  return sum < 0 ? 0 : static_cast<CycleCost>(sum);
}

}  // namespace

bool ClosedTable::Edge::hidden() const {
  return cell != nullptr ? !cell->released() : !total->released;
}

FigureAt ClosedTable::Edge::at() const {
  return {hidden(), sum};
}

void ClosedTable::Edge::Hide() {
  if (cell != nullptr) {
    cell->suppression = Suppression::kSecondary;
  } else {
    total->released = false;
  }
}

uint32_t PlaceNumbers::Number(const FigurePlace& place) {
  return numbers_.try_emplace(place, static_cast<uint32_t>(numbers_.size())).first->second;
}

std::optional<uint32_t> PlaceNumbers::Find(const FigurePlace& place) const {
  auto it = numbers_.find(place);
  if (it == numbers_.end()) return std::nullopt;
  return it->second;
}

// Nodes: each payer group (in order of appearance), then the totals' row, each payee
// group (in name order), the totals' column.
ClosedTable::ClosedTable(ProtectedTable* table, std::shared_ptr<PlaceNumbers> numbers)
    : numbers_(numbers != nullptr ? std::move(numbers) : std::make_shared<PlaceNumbers>()) {
  absl::flat_hash_map<std::string_view, size_t> rows;
  std::vector<std::string_view> columns;
  for (const ProtectedCell& cell : table->cells) {
    rows.try_emplace(cell.cell.payer_group, rows.size());
    columns.push_back(cell.cell.payee_group);
  }
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  const size_t totals_row = rows.size();
  auto column = [&](std::string_view group) {  // One of the cells' (totals come from them).
    auto it = std::lower_bound(columns.begin(), columns.end(), group);
    assert(it != columns.end() && *it == group);
    return totals_row + 1 + static_cast<size_t>(it - columns.begin());
  };
  const size_t totals_column = totals_row + 1 + columns.size();
  edges_.reserve(table->cells.size() + table->payer_totals.size() + table->payee_totals.size() + 1);
  using Kind = FigurePlace::Kind;
  for (ProtectedCell& cell : table->cells) {
    const std::string &payer = cell.cell.payer_group, &payee = cell.cell.payee_group;
    Add({rows.at(payer), column(payee), &cell, nullptr, {Kind::kCell, payer, payee}});
  }
  for (FlowTotal& total : table->payer_totals) {
    Add({rows.at(total.group), totals_column, nullptr, &total, {Kind::kRow, total.group, ""}});
  }
  for (FlowTotal& total : table->payee_totals) {
    Add({totals_row, column(total.group), nullptr, &total, {Kind::kColumn, "", total.group}});
  }
  Add({totals_row, totals_column, nullptr, &table->total, {}});
  Connect(totals_column + 1);
}

void ClosedTable::Connect(size_t nodes) {
  starts_.assign(nodes + 1, 0);
  for (const Edge& edge : edges_) {
    ++starts_[edge.row + 1];
    ++starts_[edge.column + 1];
  }
  for (size_t node = 1; node <= nodes; ++node) starts_[node] += starts_[node - 1];
  incident_.resize(starts_.back());
  std::vector<uint32_t> next(starts_.begin(), starts_.end() - 1);
  for (size_t e = 0; e < edges_.size(); ++e) {
    incident_[next[edges_[e].row]++] = static_cast<uint32_t>(e);
    incident_[next[edges_[e].column]++] = static_cast<uint32_t>(e);
  }
}

const ClosedTable ClosedTable::Of(const ProtectedTable& table,
                                  std::shared_ptr<PlaceNumbers> numbers) {
  return ClosedTable(const_cast<ProtectedTable*>(&table), std::move(numbers));
}

void ClosedTable::Add(Edge edge) {
  edge.number = numbers_->Number(edge.place);
  edge.sum = CostOf(edge.cell != nullptr ? edge.cell->cell.sum : edge.total->sum);
  if (edge.number >= edge_by_number_.size()) edge_by_number_.resize(edge.number + 1, 0);
  edge_by_number_[edge.number] = static_cast<uint32_t>(edges_.size() + 1);
  edges_.push_back(std::move(edge));
}

std::optional<size_t> ClosedTable::EdgeAt(const FigurePlace& place) const {
  const std::optional<uint32_t> number = numbers_->Find(place);
  return number ? EdgeOfNumber(*number) : std::nullopt;
}

std::optional<size_t> ClosedTable::EdgeOfNumber(uint32_t place) const {
  if (place >= edge_by_number_.size() || edge_by_number_[place] == 0) return std::nullopt;
  return edge_by_number_[place] - 1;
}

std::optional<FigureAt> ClosedTable::At(const FigurePlace& place) const {
  const std::optional<size_t> edge = EdgeAt(place);
  if (!edge) return std::nullopt;
  return edges_[*edge].at();
}

std::optional<FigureAt> ClosedTable::At(uint32_t place) const {
  const std::optional<size_t> edge = EdgeOfNumber(place);
  if (!edge) return std::nullopt;
  return edges_[*edge].at();
}

bool ClosedTable::Hide(const Places& places) {
  bool hid = false;
  for (const FigurePlace& place : places) {
    const std::optional<size_t> edge = EdgeAt(place);
    if (!edge || edges_[*edge].hidden()) continue;
    edges_[*edge].Hide();
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
  const size_t through = *EdgeAt(place);
  const std::optional<CycleCost> start = cost(edges_[through].number, edges_[through].at());
  if (!start) return std::nullopt;
  std::vector<bool> skip(edges_.size(), false);
  skip[through] = true;
  auto path = CheapestPath(edges_[through].column, edges_[through].row, skip, *start, cost);
  if (!path) return std::nullopt;
  PricedCycle cycle{{edges_[through].place}, path->second};
  for (size_t e : path->first) cycle.places.push_back(edges_[e].place);
  return cycle;
}

std::optional<PricedCycle> ClosedTable::CheapestClosing(const Places& arc,
                                                        const PlaceCost& cost) const {
  std::vector<bool> skip(edges_.size(), false);
  std::vector<size_t> edges;
  for (const FigurePlace& place : arc) {
    edges.push_back(*EdgeAt(place));
    skip[edges.back()] = true;
  }
  // The arc's ends: the first edge's node not shared with the next, and the node the
  // walk along the arc ends on.
  const Edge& first = edges_[edges.front()];
  size_t start = first.row, node = first.column;
  if (edges.size() > 1) {
    const Edge& second = edges_[edges[1]];
    if (second.row != first.column && second.column != first.column) std::swap(start, node);
  }
  for (size_t k = 1; k < edges.size(); ++k) {
    const Edge& edge = edges_[edges[k]];
    node = edge.row == node ? edge.column : edge.row;
  }
  auto path = CheapestPath(node, start, skip, 0, cost);
  if (!path) return std::nullopt;
  PricedCycle closing{{}, path->second};
  for (size_t e : path->first) closing.places.push_back(edges_[e].place);
  return closing;
}

std::optional<std::pair<std::vector<size_t>, CycleCost>> ClosedTable::CheapestPath(
    size_t from, size_t to, const std::vector<bool>& skip, CycleCost start,
    const PlaceCost& cost) const {
  const size_t nodes = starts_.size() - 1;
  std::vector<std::optional<CycleCost>> best(nodes);
  std::vector<size_t> came_by(nodes, SIZE_MAX);   // The edge that reached a node.
  using Reached = std::tuple<CycleCost, size_t>;  // Cost so far, node.
  std::priority_queue<Reached, std::vector<Reached>, std::greater<>> pending;
  best[from] = start;
  pending.emplace(start, from);
  while (!pending.empty()) {
    const auto [so_far, node] = pending.top();
    pending.pop();
    if (so_far != *best[node]) continue;  // Reached more cheaply since.
    if (node == to) break;
    for (uint32_t i = starts_[node]; i < starts_[node + 1]; ++i) {
      const size_t e = incident_[i];
      if (skip[e]) continue;
      const std::optional<CycleCost> step = cost(edges_[e].number, edges_[e].at());
      if (!step) continue;
      const size_t other = edges_[e].row == node ? edges_[e].column : edges_[e].row;
      const CycleCost total = AddCosts(so_far, *step);
      if (best[other] && *best[other] <= total) continue;
      best[other] = total;
      came_by[other] = e;
      pending.emplace(total, other);
    }
  }
  if (!best[to]) return std::nullopt;
  std::vector<size_t> path;
  for (size_t node = to; node != from;) {
    const Edge& edge = edges_[came_by[node]];
    path.push_back(came_by[node]);
    node = edge.row == node ? edge.column : edge.row;
  }
  return std::pair{std::move(path), *best[to]};
}

// One pass suffices: hiding more never breaks a cycle closed before.
bool ClosedTable::CloseCycles(const Places& also) {
  // A released figure costs its sum and one more, so that fewer are hidden among equals.
  const PlaceCost cost = [](uint32_t, FigureAt here) -> std::optional<CycleCost> {
    return here.hidden ? 0 : AddCosts(here.sum, 1);
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
