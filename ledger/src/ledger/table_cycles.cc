// Closing cycles of hidden figures in a protected table (see table_cycles.h).
#include "table_cycles.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kyoso::ledger {
namespace {

// One figure of the closed table: an edge between its row's node and its column's.
struct Edge {
  size_t row = 0;
  size_t column = 0;
  ProtectedCell* cell = nullptr;  // A cell, or else
  FlowTotal* total = nullptr;     // a row, column or grand total.

  const Wide& sum() const { return cell != nullptr ? cell->cell.sum : total->sum; }
  bool hidden() const { return cell != nullptr ? !cell->released() : !total->released; }
  bool primary() const { return cell != nullptr && cell->suppression == Suppression::kPrimary; }
  void Hide() {
    if (cell != nullptr) {
      cell->suppression = Suppression::kSecondary;
    } else {
      total->released = false;
    }
  }
};

// The table's figures as a graph: a node for each payer group and the totals' row, and
// for each payee group and the totals' column.
class ClosedTable {
 public:
  explicit ClosedTable(ProtectedTable* table) {
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
    for (ProtectedCell& cell : table->cells) {
      Add({rows.at(cell.cell.payer_group), columns.at(cell.cell.payee_group), &cell, nullptr});
    }
    for (FlowTotal& total : table->payer_totals) {
      Add({rows.at(total.group), totals_column, nullptr, &total});
    }
    for (FlowTotal& total : table->payee_totals) {
      Add({totals_row, columns.at(total.group), nullptr, &total});
    }
    Add({totals_row, totals_column, nullptr, &table->total});
  }

  // The first primarily suppressed cell on no cycle of hidden figures, if any.
  std::optional<size_t> FirstPrimaryBridge() const {
    for (size_t e = 0; e < edges_.size(); ++e) {
      if (edges_[e].primary() && !Reach(edges_[e].row, e)[edges_[e].column]) return e;
    }
    return std::nullopt;
  }

  // Hides the smallest released figure between the two sides of `bridge` (which closes a
  // cycle through it), or else the smallest leading out of its column's side. False if
  // there is none (never: the totals join every row and column).
  bool Close(size_t bridge) {
    const std::vector<bool> row_side = Reach(edges_[bridge].row, bridge);
    const std::vector<bool> column_side = Reach(edges_[bridge].column, bridge);
    auto closes = [&](const Edge& edge) {
      return (row_side[edge.row] && column_side[edge.column]) ||
             (column_side[edge.row] && row_side[edge.column]);
    };
    auto widens = [&](const Edge& edge) {
      return column_side[edge.row] != column_side[edge.column];
    };
    Edge* chosen = Smallest(closes);
    if (chosen == nullptr) chosen = Smallest(widens);
    if (chosen == nullptr) return false;
    chosen->Hide();
    return true;
  }

 private:
  void Add(const Edge& edge) {
    adjacent_[edge.row].push_back(edges_.size());
    adjacent_[edge.column].push_back(edges_.size());
    edges_.push_back(edge);
  }

  // The nodes reachable from `from` over hidden figures other than `skip`.
  std::vector<bool> Reach(size_t from, size_t skip) const {
    std::vector<bool> reached(adjacent_.size(), false);
    std::vector<size_t> pending = {from};
    reached[from] = true;
    while (!pending.empty()) {
      const size_t node = pending.back();
      pending.pop_back();
      for (size_t e : adjacent_[node]) {
        if (e == skip || !edges_[e].hidden()) continue;
        const size_t other = edges_[e].row == node ? edges_[e].column : edges_[e].row;
        if (!reached[other]) {
          reached[other] = true;
          pending.push_back(other);
        }
      }
    }
    return reached;
  }

  // The released figure of smallest sum (the first of equals) that `fits`, or nullptr.
  template <typename Fits>
  Edge* Smallest(const Fits& fits) {
    Edge* smallest = nullptr;
    for (Edge& edge : edges_) {
      if (edge.hidden() || !fits(edge)) continue;
      if (smallest == nullptr || edge.sum() < smallest->sum()) smallest = &edge;
    }
    return smallest;
  }

  std::vector<Edge> edges_;
  std::vector<std::vector<size_t>> adjacent_;  // Node -> its edges.
};

}  // namespace

void CloseCycles(ProtectedTable* table) {
  for (;;) {
    ClosedTable closed(table);
    const std::optional<size_t> bridge = closed.FirstPrimaryBridge();
    if (!bridge || !closed.Close(*bridge)) return;
  }
}

}  // namespace kyoso::ledger
