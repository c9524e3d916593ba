// Cycles that move across a whole period's table and its parts (see anchor_cycles.h).
#include "anchor_cycles.h"

#include <memory>
#include <optional>
#include <utility>

#include "table_cycles.h"

namespace kyoso::ledger {
namespace {

// The parts a cycle of part `from` (of the whole when npos) may move against, those of
// another week than its own first (`weeks`: each part's; empty: every part its own), so
// that moving keeps the weeks' sums too; then those of its own week.
std::vector<std::vector<size_t>> Partners(size_t parts, size_t from,
                                          const std::vector<int32_t>& weeks) {
  std::vector<size_t> other_weeks, same_week;
  for (size_t i = 0; i < parts; ++i) {
    if (i == from) continue;
    bool same = from != SIZE_MAX && !weeks.empty() && weeks[i] == weeks[from];
    (same ? same_week : other_weeks).push_back(i);
  }
  return {other_weeks, same_week};
}

// A cycle may move in two tables at once, up in one and down in the other (then their
// whole keeps its sums), or in a part and its whole together, when both hide all its
// places. The PlaceCosts below price such a cycle by what it would hide: a figure costs
// its sum and one more (so that fewer are hidden among equals), nothing when hidden.
CycleCost HidingCost(FigureAt at) {
  return at.hidden ? 0 : AddCosts(at.sum, 1);
}
// Moving a part's cycle against `partner`: over places it has. The tables priced by
// these share their PlaceNumbers.
PlaceCost AgainstPart(const ClosedTable& partner) {
  return [&partner](uint32_t place, FigureAt here) -> std::optional<CycleCost> {
    const std::optional<FigureAt> there = partner.At(place);
    if (!there) return std::nullopt;
    return AddCosts(HidingCost(here), HidingCost(*there));
  };
}
// Moving a part's cycle with `whole` (as served, it hides no more): over places it hides.
PlaceCost WithWhole(const ClosedTable& whole) {
  return [&whole](uint32_t place, FigureAt here) -> std::optional<CycleCost> {
    const std::optional<FigureAt> there = whole.At(place);
    if (!there || !there->hidden) return std::nullopt;
    return HidingCost(here);
  };
}

// Moving the whole (it hides no more) with `part`: over places the whole hides and the
// part has.
PlaceCost WithPart(const ClosedTable& part) {
  return [&part](uint32_t place, FigureAt here) -> std::optional<CycleCost> {
    const std::optional<FigureAt> there = part.At(place);
    if (!here.hidden || !there) return std::nullopt;
    return HidingCost(*there);
  };
}

// A cycle to anchor a cell with, and the part it moves against (none: with the whole).
struct Anchoring {
  PricedCycle cycle;
  std::optional<size_t> partner;
};
// Keeps in `best` the cheaper of it and `cycle` (the earlier among equals).
void Consider(std::optional<Anchoring>& best, std::optional<PricedCycle> cycle,
              std::optional<size_t> partner) {
  if (cycle && (!best || cycle->cost < best->cycle.cost)) best = Anchoring{*cycle, partner};
}

// Whether `best` moves as it is, hiding nothing more.
bool Free(const std::optional<Anchoring>& best) {
  return best && best->cycle.cost == 0;
}

// A whole's hidden cell that no part holds with a cycle of the whole's around it (a pair
// that traded on some days only) can still move across two parts. Split the whole's
// cycle C into an arc A holding the cell and the rest B: part `with` moves A and a path R
// closing it, part `rest` moves B and R the other way. Their sum moves the whole by C, R
// cancels, and neither part needs all of C. The cheapest such split and pair of parts,
// R priced in both and A and B where they move; nullopt when none has one.
struct SplitAnchoring {
  size_t with = 0;
  size_t rest = 0;
  Places in_with;  // A and R.
  Places in_rest;  // B and R.
  CycleCost cost = 0;
};

// What hiding `places` in `table` costs, or nullopt if it lacks one.
std::optional<CycleCost> HidingCostOf(const ClosedTable& table, const Places& places) {
  CycleCost cost = 0;
  for (const FigurePlace& place : places) {
    const std::optional<FigureAt> at = table.At(place);
    if (!at) return std::nullopt;
    cost = AddCosts(cost, HidingCost(*at));
  }
  return cost;
}

// The arcs of `cycle` (its first place the cell) that hold the cell and leave some of
// it out, each with the rest: the cell with up to all but one of the places after it
// and before it.
std::vector<std::pair<Places, Places>> ArcsAround(const Places& cycle) {
  std::vector<std::pair<Places, Places>> arcs;
  const size_t others = cycle.size() - 1;
  for (size_t before = 0; before < others; ++before) {
    for (size_t after = 0; before + after < others; ++after) {
      Places arc(cycle.end() - static_cast<std::ptrdiff_t>(before), cycle.end());
      arc.insert(arc.end(), cycle.begin(), cycle.begin() + 1 + static_cast<std::ptrdiff_t>(after));
      Places rest(cycle.begin() + 1 + static_cast<std::ptrdiff_t>(after),
                  cycle.end() - static_cast<std::ptrdiff_t>(before));
      arcs.emplace_back(std::move(arc), std::move(rest));
    }
  }
  return arcs;
}

// The same split by where the cycle's places are: each place `with` has moves there,
// the others (which `rest` must have) in `rest`, each run of them closed by a path both
// have. `with` moves its places and the paths, `rest` its runs and the paths the other
// way: the paths cancel, and each part's move is a cycle. The cycle's first place (the
// cell) must be one `with` has.
std::optional<SplitAnchoring> SplitByRuns(const Places& cycle,
                                          const std::vector<ClosedTable>& parts, size_t with,
                                          size_t rest) {
  SplitAnchoring split{with, rest, {}, {}, 0};
  for (size_t k = 0; k < cycle.size();) {
    if (const std::optional<FigureAt> at = parts[with].At(cycle[k])) {
      split.in_with.push_back(cycle[k++]);
      split.cost = AddCosts(split.cost, HidingCost(*at));
      continue;
    }
    Places run;
    while (k < cycle.size() && !parts[with].At(cycle[k])) run.push_back(cycle[k++]);
    const std::optional<CycleCost> run_cost = HidingCostOf(parts[rest], run);
    if (!run_cost) return std::nullopt;
    std::optional<PricedCycle> closing = parts[rest].CheapestClosing(run, AgainstPart(parts[with]));
    if (!closing) return std::nullopt;
    split.cost = AddCosts(split.cost, AddCosts(*run_cost, closing->cost));
    split.in_rest.insert(split.in_rest.end(), run.begin(), run.end());
    for (Places* in : {&split.in_with, &split.in_rest}) {
      in->insert(in->end(), closing->places.begin(), closing->places.end());
    }
  }
  return split;
}

// The cheapest split of `cycle` into an arc around the cell that one part has and the
// rest, which another has (see SplitAnchoring).
std::optional<SplitAnchoring> SplitByArcs(const Places& cycle,
                                          const std::vector<ClosedTable>& parts) {
  std::optional<SplitAnchoring> best;
  for (const auto& [arc, rest_of_cycle] : ArcsAround(cycle)) {
    std::vector<std::optional<CycleCost>> arc_costs, rest_costs;  // By part.
    for (const ClosedTable& part : parts) {
      arc_costs.push_back(HidingCostOf(part, arc));
      rest_costs.push_back(HidingCostOf(part, rest_of_cycle));
    }
    for (size_t with = 0; with < parts.size(); ++with) {
      for (size_t rest = 0; rest < parts.size(); ++rest) {
        if (rest == with || !arc_costs[with] || !rest_costs[rest]) continue;
        std::optional<PricedCycle> closing =
            parts[with].CheapestClosing(arc, AgainstPart(parts[rest]));
        if (!closing) continue;
        const CycleCost total =
            AddCosts(AddCosts(*arc_costs[with], *rest_costs[rest]), closing->cost);
        if (best && best->cost <= total) continue;
        Places in_with = arc, in_rest = rest_of_cycle;
        in_with.insert(in_with.end(), closing->places.begin(), closing->places.end());
        in_rest.insert(in_rest.end(), closing->places.begin(), closing->places.end());
        best = SplitAnchoring{with, rest, std::move(in_with), std::move(in_rest), total};
      }
    }
  }
  return best;
}

std::optional<SplitAnchoring> AnchorAcrossTwoParts(const ClosedTable& whole,
                                                   const std::vector<ClosedTable>& parts,
                                                   const ProtectedCell& cell) {
  const PlaceCost hidden_in_whole = [](uint32_t, FigureAt here) -> std::optional<CycleCost> {
    if (!here.hidden) return std::nullopt;
    return CycleCost{0};
  };
  const std::optional<PricedCycle> cycle = whole.CheapestCycle(cell, hidden_in_whole);
  if (!cycle) return std::nullopt;
  std::optional<SplitAnchoring> best = SplitByArcs(cycle->places, parts);
  for (size_t with = 0; with < parts.size() && !best; ++with) {
    if (!parts[with].At(cycle->places.front())) continue;
    for (size_t rest = 0; rest < parts.size(); ++rest) {
      if (rest == with) continue;
      std::optional<SplitAnchoring> split = SplitByRuns(cycle->places, parts, with, rest);
      if (split && (!best || split->cost < best->cost)) best = std::move(split);
    }
  }
  return best;
}

}  // namespace

// Each part's cells first (with the whole, or against a partner: the cheapest), then the
// whole's (with one part, or split across two: AnchorAcrossTwoParts). A cell that none
// of these reaches is left as it is.
bool AnchorCycles(const ProtectedTable& whole, std::vector<ProtectedTable>& parts,
                  const std::vector<int32_t>& weeks) {
  auto numbers = std::make_shared<PlaceNumbers>();  // One numbering: costs look across.
  const ClosedTable closed_whole = ClosedTable::Of(whole, numbers);
  std::vector<ClosedTable> closed;
  closed.reserve(parts.size());
  for (ProtectedTable& part : parts) closed.emplace_back(&part, numbers);
  bool hid = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (const ProtectedCell& cell : parts[i].cells) {
      if (cell.suppression != Suppression::kPrimary) continue;
      std::optional<Anchoring> best;
      Consider(best, closed[i].CheapestCycle(cell, WithWhole(closed_whole)), std::nullopt);
      for (const std::vector<size_t>& partners : Partners(parts.size(), i, weeks)) {
        for (size_t p = 0; p < partners.size() && !Free(best); ++p) {
          Consider(best, closed[i].CheapestCycle(cell, AgainstPart(closed[partners[p]])),
                   partners[p]);
        }
        if (best) break;
      }
      if (!best || Free(best)) continue;
      closed[i].Hide(best->cycle.places);
      if (best->partner) closed[*best->partner].Hide(best->cycle.places);
      hid = true;
    }
  }
  for (const ProtectedCell& cell : whole.cells) {
    if (cell.suppression != Suppression::kPrimary) continue;
    std::optional<Anchoring> best;
    for (size_t p = 0; p < parts.size() && !Free(best); ++p) {
      Consider(best, closed_whole.CheapestCycle(cell, WithPart(closed[p])), p);
    }
    if (!best) {
      if (std::optional<SplitAnchoring> split = AnchorAcrossTwoParts(closed_whole, closed, cell)) {
        bool hid_split = closed[split->with].Hide(split->in_with);
        hid_split = closed[split->rest].Hide(split->in_rest) || hid_split;
        hid = hid_split || hid;
      }
      continue;
    }
    if (Free(best)) continue;
    closed[*best->partner].Hide(best->cycle.places);
    hid = true;
  }
  return hid;
}

}  // namespace kyoso::ledger
