// The exact test of protected tables against their sums (internal to ledger/): which
// suppressed cells the shown cells and totals still pin down, and the further
// suppression that stops them.
//
// A table with its totals is a closed table: add the row totals as a column and the
// column totals as a row, the grand total where they meet, and every row and column sums
// to zero with the total's sign flipped. Its hidden figures are then edges of a graph
// between rows and columns (the totals' row and column included), and the sums leave a
// hidden figure free exactly when it lies on a cycle of hidden figures: moving a cycle's
// figures up and down in turn keeps every sum. A hidden figure on no cycle (a bridge) is
// fixed by what is shown. Across tables whose figures add up (a month and its days) a
// cycle can move in two tables at once, up in one and down in the other, if both hide all
// its places. Pure.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <compare>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kyoso/ledger/disclosure.h"

namespace kyoso::ledger {

// Where a figure stands in a table: a cell, a row or column total, or the grand total.
// The same place in the tables of a period and of its parts holds figures that add up.
struct FigurePlace {
  enum class Kind : uint8_t { kCell, kRow, kColumn, kGrand };
  Kind kind = Kind::kGrand;
  std::string payer;  // Of a cell or a row total.
  std::string payee;  // Of a cell or a column total.
  friend auto operator<=>(const FigurePlace&, const FigurePlace&) = default;
  friend bool operator==(const FigurePlace&, const FigurePlace&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const FigurePlace& place) {
    return H::combine(std::move(h), place.kind, place.payer, place.payee);
  }
};
using Places = std::vector<FigurePlace>;  // A cycle's, say.

// What a cycle costs: figures' sums and ones added up, in unsigned 128 bits, saturating
// (AddCosts) rather than overflowing.
__extension__ typedef unsigned __int128 CycleCost;
CycleCost AddCosts(CycleCost a, CycleCost b);

// What a table has at a place: a hidden figure, or a shown one and its sum (as a cost:
// none below zero).
struct FigureAt {
  bool hidden = false;
  CycleCost sum = 0;
};

// Numbers places, so that tables compared with one another (a whole and its parts) find
// one table's figure in another by number rather than by name.
class PlaceNumbers {
 public:
  // The number of `place`, given it if it has none.
  uint32_t Number(const FigurePlace& place);
  // The number of `place`, or nullopt if it has none.
  std::optional<uint32_t> Find(const FigurePlace& place) const;

 private:
  absl::flat_hash_map<FigurePlace, uint32_t> numbers_;
};

// What it costs for a cycle to pass the place numbered `place` (by the searched table's
// PlaceNumbers), given what the table searched has there: nullopt where it may not pass.
using PlaceCost = std::function<std::optional<CycleCost>(uint32_t place, FigureAt here)>;

struct PricedCycle {
  Places places;
  CycleCost cost = 0;
};

// A protected table as a graph of its figures (rows and columns as nodes), which can
// also hide more of them. Holds pointers into the table: it must outlive this, with its
// cells and totals as they are.
class ClosedTable {
 public:
  // Numbers its places with `numbers` (shared with the tables it is compared with), or
  // numbers of its own.
  explicit ClosedTable(ProtectedTable* table, std::shared_ptr<PlaceNumbers> numbers = nullptr);
  // For looking only (const: it cannot hide).
  static const ClosedTable Of(const ProtectedTable& table,
                              std::shared_ptr<PlaceNumbers> numbers = nullptr);

  // The figure at `place`, or nullopt when the table has none there.
  std::optional<FigureAt> At(const FigurePlace& place) const;
  // The same by the place's number (of this table's PlaceNumbers).
  std::optional<FigureAt> At(uint32_t place) const;
  // The number of `place` in this table's PlaceNumbers, or nullopt if it has none.
  std::optional<uint32_t> NumberOf(const FigurePlace& place) const { return numbers_->Find(place); }
  // Hides the figures at `places` it has; true if it hid any.
  bool Hide(const Places& places);
  Places HiddenPlaces() const;
  // The cheapest cycle through the hidden `cell` (one of the table's), every figure of it
  // `cell`'s own included priced by `cost`, or nullopt when `cost` lets none pass. Among
  // equally cheap cycles the choice is deterministic (by node, then by the table's order).
  std::optional<PricedCycle> CheapestCycle(const ProtectedCell& cell, const PlaceCost& cost) const;
  // The same through the figure at `place` (one the table has).
  std::optional<PricedCycle> CheapestCycle(const FigurePlace& place, const PlaceCost& cost) const;
  // The cheapest path, priced by `cost`, that closes `arc` (consecutive places of a path
  // of the table's, which it must have) into a cycle: from the arc's last node back to
  // its first, over none of its places. Its cost counts only the path.
  std::optional<PricedCycle> CheapestClosing(const Places& arc, const PlaceCost& cost) const;

  // Suppresses more until every primarily suppressed cell, and each hidden figure at
  // `also`, lies on a cycle of hidden figures: for each on none, the figures of its
  // cheapest cycle, each shown figure costing its sum and one (so that, of two equal
  // sums, fewer figures are hidden). True if it hid any.
  bool CloseCycles(const Places& also = {});

 private:
  struct Edge {
    size_t row = 0;
    size_t column = 0;
    ProtectedCell* cell = nullptr;  // A cell, or else
    FlowTotal* total = nullptr;     // a row, column or grand total.
    FigurePlace place;
    uint32_t number = 0;  // The place's.
    CycleCost sum = 0;    // The figure's, as FigureAt has it.
    bool hidden() const;
    FigureAt at() const;
    void Hide();
  };
  // Dijkstra from node `from` to node `to` over edges `skip` leaves out, each priced by
  // `cost` on top of `start`: the path's edges from `to` back to `from`, and its cost.
  std::optional<std::pair<std::vector<size_t>, CycleCost>> CheapestPath(
      size_t from, size_t to, const std::vector<bool>& skip, CycleCost start,
      const PlaceCost& cost) const;
  // Adds an edge, its place numbered (Connect then lists it at its nodes).
  void Add(Edge edge);
  // Lists each of the `nodes` nodes' edges.
  void Connect(size_t nodes);
  // The index in edges_ of the figure at `place`, or nullopt when the table has none.
  std::optional<size_t> EdgeAt(const FigurePlace& place) const;
  // The same by the place's number.
  std::optional<size_t> EdgeOfNumber(uint32_t place) const;

  std::vector<Edge> edges_;
  // A node's edges: incident_[starts_[node] .. starts_[node + 1]).
  std::vector<uint32_t> starts_;
  std::vector<uint32_t> incident_;
  std::shared_ptr<PlaceNumbers> numbers_;
  std::vector<uint32_t> edge_by_number_;  // By place number: its edge's index + 1, or 0.
};

// Suppresses more (cells, or totals) until no primarily suppressed cell of `table` is a
// bridge (ClosedTable::CloseCycles). Every choice is deterministic.
void CloseCycles(ProtectedTable* table);

}  // namespace kyoso::ledger
