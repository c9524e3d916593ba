// The adversary's audit of protected flow tables (see disclosure_audit.h).
#include "disclosure_audit.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

namespace kyoso::testing {
namespace {

using ledger::DisclosureRules;
using ledger::FlowCell;
using ledger::FlowTable;
using ledger::ProtectedTable;

// Arithmetic modulo a large prime (the largest below 2^32, so a product fits 64 bits):
// the sums' coefficients are 0 and ±1 in small systems, so their rank modulo the prime is
// their rank over the rationals but for a chance too small to matter (a minor divisible
// by the prime); a rank too low would only hide an exposure, never invent one.
constexpr uint64_t kPrime = 4'294'967'291;
uint64_t Mul(uint64_t a, uint64_t b) {
  return a * b % kPrime;
}
uint64_t Sub(uint64_t a, uint64_t b) {
  return a >= b ? a - b : a + kPrime - b;
}
uint64_t Inverse(uint64_t a) {  // a^(p-2)
  uint64_t result = 1;
  for (uint64_t e = kPrime - 2; e != 0; e >>= 1, a = Mul(a, a)) {
    if ((e & 1) != 0) result = Mul(result, a);
  }
  return result;
}

enum class Figure { kCell, kRow, kColumn, kGrand };
using FigureKey = std::tuple<size_t, Figure, std::string, std::string>;
using Row = std::map<size_t, uint64_t>;  // Unknown's number -> coefficient.

// The unknowns (hidden figures) and the sums that tie them to the shown ones.
class System {
 public:
  explicit System(const std::vector<ProtectedTable>& tables) : tables_(tables) {
    for (size_t t = 0; t < tables.size(); ++t) Name(t);
  }

  // figure − Σ terms = (known), with the known figures dropped.
  void Tie(const FigureKey& figure, const std::vector<FigureKey>& terms) {
    Row row;
    Add(row, figure, 1);
    for (const FigureKey& term : terms) Add(row, term, kPrime - 1);
    if (!row.empty()) rows_.push_back(std::move(row));
  }

  // Whether the unknown `figure` is fixed by the sums.
  bool Fixed(const FigureKey& figure) {
    Reduce();
    Row target;
    Add(target, figure, 1);
    for (const auto& [pivot, row] : reduced_) Eliminate(target, pivot, row);
    return target.empty();
  }

 private:
  void Name(size_t t) {
    const ProtectedTable& table = tables_[t];
    for (const auto& cell : table.cells) {
      Declare({t, Figure::kCell, cell.cell.payer_group, cell.cell.payee_group}, cell.released());
    }
    for (const auto& total : table.payer_totals) {
      Declare({t, Figure::kRow, total.group, ""}, total.released);
    }
    for (const auto& total : table.payee_totals) {
      Declare({t, Figure::kColumn, total.group, ""}, total.released);
    }
    Declare({t, Figure::kGrand, "", ""}, table.total.released);
  }
  void Declare(const FigureKey& figure, bool released) {
    if (!released) unknowns_.emplace(figure, unknowns_.size());
  }
  void Add(Row& row, const FigureKey& figure, uint64_t coefficient) {
    auto it = unknowns_.find(figure);
    if (it == unknowns_.end()) return;
    uint64_t& entry = row[it->second];
    entry = (entry + coefficient) % kPrime;
    if (entry == 0) row.erase(it->second);
  }

  // Gaussian elimination: each reduced row has a pivot of 1 no other reduced row has.
  void Reduce() {
    for (Row& row : rows_) {
      for (const auto& [pivot, reduced] : reduced_) Eliminate(row, pivot, reduced);
      if (row.empty()) continue;
      const auto [pivot, value] = *row.begin();
      const uint64_t inverse = Inverse(value);
      for (auto& [column, entry] : row) entry = Mul(entry, inverse);
      for (auto& [other_pivot, other] : reduced_) Eliminate(other, pivot, row);
      reduced_.emplace(pivot, std::move(row));
    }
    rows_.clear();
  }
  static void Eliminate(Row& row, size_t pivot, const Row& by) {
    auto it = row.find(pivot);
    if (it == row.end()) return;
    const uint64_t factor = it->second;
    for (const auto& [column, value] : by) {
      uint64_t& entry = row[column];
      entry = Sub(entry, Mul(factor, value));
      if (entry == 0) row.erase(column);
    }
  }

  const std::vector<ProtectedTable>& tables_;
  std::map<FigureKey, size_t> unknowns_;
  std::vector<Row> rows_;
  std::map<size_t, Row> reduced_;
};

// Each table's totals as the sums of its cells, and its grand total as the sum of its
// rows and of its columns.
void TieTable(System& system, size_t t, const ProtectedTable& table) {
  std::map<std::string, std::vector<FigureKey>> rows, columns;
  for (const auto& cell : table.cells) {
    FigureKey key{t, Figure::kCell, cell.cell.payer_group, cell.cell.payee_group};
    rows[cell.cell.payer_group].push_back(key);
    columns[cell.cell.payee_group].push_back(key);
  }
  std::vector<FigureKey> row_totals, column_totals;
  for (const auto& [group, cells] : rows) {
    row_totals.push_back({t, Figure::kRow, group, ""});
    system.Tie(row_totals.back(), cells);
  }
  for (const auto& [group, cells] : columns) {
    column_totals.push_back({t, Figure::kColumn, group, ""});
    system.Tie(column_totals.back(), cells);
  }
  system.Tie({t, Figure::kGrand, "", ""}, row_totals);
  system.Tie({t, Figure::kGrand, "", ""}, column_totals);
}

// Every figure of the whole as the sum of the same figure in its parts (absent: zero).
void TieSplit(System& system, const std::vector<ProtectedTable>& tables, const PeriodSplit& split) {
  auto parts_of = [&](Figure figure, const std::string& a, const std::string& b) {
    std::vector<FigureKey> terms;
    for (size_t part : split.parts) terms.push_back({part, figure, a, b});
    return terms;
  };
  const ProtectedTable& whole = tables[split.whole];
  for (const auto& cell : whole.cells) {
    const std::string &a = cell.cell.payer_group, &b = cell.cell.payee_group;
    system.Tie({split.whole, Figure::kCell, a, b}, parts_of(Figure::kCell, a, b));
  }
  for (const auto& total : whole.payer_totals) {
    system.Tie({split.whole, Figure::kRow, total.group, ""},
               parts_of(Figure::kRow, total.group, ""));
  }
  for (const auto& total : whole.payee_totals) {
    system.Tie({split.whole, Figure::kColumn, total.group, ""},
               parts_of(Figure::kColumn, total.group, ""));
  }
  system.Tie({split.whole, Figure::kGrand, "", ""}, parts_of(Figure::kGrand, "", ""));
}

// One figure that tables of a period hold: its money (nullopt: all money), its side (0:
// the grand total, 1: a payer group's total, 2: a payee group's), grouping and group.
using Shared = std::tuple<std::optional<std::string>, int, ledger::GroupBy, std::string>;

// What figure `key` of `table` is, shared with the other tables of its period. A total
// of a group of payers (payees) is the same under every table grouping payers (payees)
// the same way and of the same money. A programme group holds that programme's money,
// so a programme group's total is the grand total of that money, and a cell with a
// programme on one side is the other side's group's total in that money's tables.
std::optional<Shared> SharedAs(const ProtectedTable& table, const FigureKey& key) {
  const auto& [t, figure, first, second] = key;
  const ledger::FlowQuery& q = table.query;
  const bool payers_by_money = q.payer_group == ledger::GroupBy::kProgram;
  const bool payees_by_money = q.payee_group == ledger::GroupBy::kProgram;
  auto money = [](const std::string& group) { return group == "free" ? "" : group; };
  auto all_of = [&](const std::string& group) {
    return Shared{money(group), 0, ledger::GroupBy::kKind, ""};
  };
  switch (figure) {
    case Figure::kGrand:
      return Shared{q.program, 0, ledger::GroupBy::kKind, ""};
    case Figure::kRow:
      return payers_by_money ? all_of(first) : Shared{q.program, 1, q.payer_group, first};
    case Figure::kColumn:
      return payees_by_money ? all_of(first) : Shared{q.program, 2, q.payee_group, first};
    case Figure::kCell:
      if (payers_by_money && payees_by_money) return all_of(first);
      if (payees_by_money) return Shared{money(second), 1, q.payer_group, first};
      if (payers_by_money) return Shared{money(first), 2, q.payee_group, second};
      return std::nullopt;
  }
  return std::nullopt;
}

// Every figure of table `t`.
std::vector<FigureKey> FigureKeys(size_t t, const ProtectedTable& table) {
  std::vector<FigureKey> keys{{t, Figure::kGrand, "", ""}};
  for (const auto& total : table.payer_totals) keys.push_back({t, Figure::kRow, total.group, ""});
  for (const auto& total : table.payee_totals) {
    keys.push_back({t, Figure::kColumn, total.group, ""});
  }
  for (const auto& cell : table.cells) {
    keys.push_back({t, Figure::kCell, cell.cell.payer_group, cell.cell.payee_group});
  }
  return keys;
}

// Tables of one period and class, grouped otherwise or of other money: the figures they
// share are one figure (each tied to where it was first met, in another table).
void TieShared(System& system, const std::vector<ProtectedTable>& tables) {
  using Period = std::tuple<std::string, ledger::PeriodKind, int32_t, ledger::FlowClass>;
  std::map<std::pair<Period, Shared>, FigureKey> first_met;
  for (size_t t = 0; t < tables.size(); ++t) {
    const ledger::FlowQuery& q = tables[t].query;
    const Period period{q.currency, q.period.kind, q.period.start_day, q.flow_class};
    for (const FigureKey& key : FigureKeys(t, tables[t])) {
      std::optional<Shared> shared = SharedAs(tables[t], key);
      if (!shared) continue;
      auto [it, first] = first_met.try_emplace({period, *shared}, key);
      if (first) continue;
      const ledger::FlowQuery& there = tables[std::get<0>(it->second)].query;
      const bool same_table = there.program == q.program && there.payer_group == q.payer_group &&
                              there.payee_group == q.payee_group;
      if (!same_table) system.Tie(key, {it->second});
    }
  }
}

}  // namespace

std::vector<std::string> ExposedCells(const std::vector<ProtectedTable>& tables,
                                      const std::vector<PeriodSplit>& splits) {
  System system(tables);
  for (size_t t = 0; t < tables.size(); ++t) TieTable(system, t, tables[t]);
  for (const PeriodSplit& split : splits) TieSplit(system, tables, split);
  TieShared(system, tables);
  std::vector<std::string> exposed;
  for (size_t t = 0; t < tables.size(); ++t) {
    for (const auto& cell : tables[t].cells) {
      if (cell.suppression != ledger::Suppression::kPrimary) continue;
      if (system.Fixed({t, Figure::kCell, cell.cell.payer_group, cell.cell.payee_group})) {
        exposed.push_back(std::to_string(t) + ": " + cell.cell.payer_group + " -> " +
                          cell.cell.payee_group);
      }
    }
  }
  return exposed;
}

FlowCell EvenCell(std::string payer, std::string payee, int64_t sum, uint64_t payers,
                  uint64_t payees) {
  FlowCell cell{std::move(payer), std::move(payee), payers, sum, payers, payees, {}, {}};
  cell.top_payers[0] = cell.top_payers[1] = ledger::Wide(sum) / payers;
  cell.top_payees[0] = cell.top_payees[1] = ledger::Wide(sum) / payees;
  return cell;
}

namespace {

FlowTable RandomTable(std::mt19937_64& random, int rows, int columns, bool gaps) {
  FlowTable table;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      if (gaps && random() % 4 == 0) continue;
      uint64_t payers = random() % 3 == 0 ? 1 + random() % 9 : 10 + random() % 20;
      table.cells.push_back(EvenCell(std::string(1, static_cast<char>('A' + r)),
                                     std::string(1, static_cast<char>('a' + c)),
                                     static_cast<int64_t>(1 + random() % 1'000), payers));
    }
  }
  return table;
}

// The sum of `parts`, cell by cell, with as many payers as its largest part has (a whole
// has at least that many; so few makes it hide the most, the harder case).
FlowTable WholeOf(std::vector<FlowTable>::const_iterator begin,
                  std::vector<FlowTable>::const_iterator end) {
  std::map<std::pair<std::string, std::string>, FlowCell> cells;
  for (auto part = begin; part != end; ++part) {
    for (const FlowCell& cell : part->cells) {
      auto [it, added] = cells.try_emplace({cell.payer_group, cell.payee_group}, cell);
      if (added) continue;
      it->second = EvenCell(cell.payer_group, cell.payee_group,
                            static_cast<int64_t>(it->second.sum + cell.sum),
                            std::max(it->second.distinct_payers, cell.distinct_payers));
    }
  }
  FlowTable whole;
  for (auto& [groups, cell] : cells) whole.cells.push_back(std::move(cell));
  return whole;
}

}  // namespace

ProtectedPeriod RandomProtectedPeriod(uint64_t seed, bool gaps, bool weeks) {
  std::mt19937_64 random(seed);
  const int rows = 1 + static_cast<int>(random() % 4);
  const int columns = 1 + static_cast<int>(random() % 4);
  std::vector<FlowTable> flows(2 + random() % 5);
  for (FlowTable& day : flows) day = RandomTable(random, rows, columns, gaps);

  std::vector<ProtectedTable> days;
  for (const FlowTable& day : flows) days.push_back(ledger::Protect(day, DisclosureRules{}));
  ProtectedPeriod period;
  period.tables.push_back(ledger::Protect(WholeOf(flows.begin(), flows.end()), DisclosureRules{}));
  const auto week_two = static_cast<std::ptrdiff_t>(flows.size() / 2);  // Its first day.
  std::vector<int32_t> week_of;
  for (std::ptrdiff_t d = 0; d < static_cast<std::ptrdiff_t>(flows.size()); ++d) {
    week_of.push_back(d < week_two ? 1 : 2);
  }
  ledger::ProtectParts(period.tables[0], &days, week_of);
  period.splits.push_back({0, {}});
  for (ProtectedTable& day : days) {
    period.splits[0].parts.push_back(period.tables.size());
    period.tables.push_back(day);
  }
  if (!weeks) return period;
  const auto count = static_cast<std::ptrdiff_t>(flows.size());
  for (auto [first, last] : {std::pair{std::ptrdiff_t{0}, week_two}, {week_two, count}}) {
    ProtectedTable week =
        ledger::Protect(WholeOf(flows.cbegin() + first, flows.cbegin() + last), DisclosureRules{});
    ledger::ProtectWholeAgainstParts({days.begin() + first, days.begin() + last}, &week);
    PeriodSplit split{period.tables.size(), {}};
    for (std::ptrdiff_t d = first; d < last; ++d) split.parts.push_back(1 + static_cast<size_t>(d));
    period.splits.push_back(std::move(split));
    period.tables.push_back(std::move(week));
  }
  return period;
}

ProtectedTable RandomProtectedTable(uint64_t seed) {
  std::mt19937_64 random(seed);
  const int rows = 1 + static_cast<int>(random() % 5);
  const int columns = 1 + static_cast<int>(random() % 5);
  return ledger::Protect(RandomTable(random, rows, columns, true), DisclosureRules{});
}

namespace {

std::string GroupOf(const TownAccount& account, const TownFlow& flow, ledger::GroupBy by) {
  switch (by) {
    case ledger::GroupBy::kKind:
      return account.kind;
    case ledger::GroupBy::kSector:
      return account.sector;
    case ledger::GroupBy::kDistrict:
      return account.district;
    case ledger::GroupBy::kProgram:
      return flow.program.empty() ? "free" : flow.program;
  }
  return {};
}

// The two largest of `sums`' values.
void TopTwo(const std::map<size_t, int64_t>& sums, ledger::Wide (&top)[2]) {
  std::vector<int64_t> values;
  for (const auto& [account, sum] : sums) values.push_back(sum);
  std::sort(values.rbegin(), values.rend());
  for (size_t i = 0; i < 2; ++i) top[i] = i < values.size() ? values[i] : 0;
}

// The flows of `town` grouped as `query` says, cell by cell, as the ledger groups them.
FlowTable TownTable(const std::vector<TownAccount>& accounts, const std::vector<TownFlow>& flows,
                    const ledger::FlowQuery& query) {
  struct Sums {
    uint64_t count = 0;
    int64_t sum = 0;
    std::map<size_t, int64_t> payers, payees;
  };
  std::map<std::pair<std::string, std::string>, Sums> cells;
  for (const TownFlow& flow : flows) {
    Sums& cell = cells[{GroupOf(accounts[flow.payer], flow, query.payer_group),
                        GroupOf(accounts[flow.payee], flow, query.payee_group)}];
    cell.count += 1;
    cell.sum += flow.amount;
    cell.payers[flow.payer] += flow.amount;
    cell.payees[flow.payee] += flow.amount;
  }
  FlowTable table{query, {}};
  for (const auto& [groups, sums] : cells) {
    FlowCell cell{groups.first,       groups.second,      sums.count, sums.sum,
                  sums.payers.size(), sums.payees.size(), {},         {}};
    TopTwo(sums.payers, cell.top_payers);
    TopTwo(sums.payees, cell.top_payees);
    table.cells.push_back(std::move(cell));
  }
  return table;
}

}  // namespace

RandomTown MakeRandomTown(uint64_t seed, bool nested) {
  std::mt19937_64 random(seed);
  auto pick = [&](const char* prefix, uint64_t of) {
    return prefix + std::to_string(random() % of);
  };
  RandomTown town;
  town.accounts.resize(12 + random() % 30);
  for (TownAccount& account : town.accounts) {
    account = {pick("k", nested ? 3 : 2), pick("s", 3), pick("d", 3)};
    // As in a town: residents (k0) have no sector, producers (k2) are all farms (s2),
    // merchants (k1) are of the other sectors.
    if (nested) {
      account.sector = account.kind == "k0" ? "none" : account.kind == "k2" ? "s2" : pick("s", 2);
    }
  }
  town.flows.resize(20 + random() % 200);
  for (TownFlow& flow : town.flows) {
    flow = {random() % town.accounts.size(), random() % town.accounts.size(),
            random() % 3 == 0 ? std::string() : pick("p", 2),
            static_cast<int64_t>(1 + random() % 1'000)};
  }
  return town;
}

ProtectedPeriod ProtectedFamilyOf(const RandomTown& town, bool together, bool nesting) {
  const DisclosureRules rules{3, 3, 85};  // So few accounts: lower thresholds, mixed tables.
  ProtectedPeriod family;
  std::vector<ledger::MoneyClasses> classes;
  auto class_of = [&](size_t account) {
    const TownAccount& of = town.accounts[account];
    return ledger::AccountClass{of.kind, of.sector, of.district};
  };
  for (std::optional<std::string> money :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("p0"), std::optional<std::string>("p1")}) {
    std::vector<TownFlow> its;
    classes.emplace_back();
    for (const TownFlow& flow : town.flows) {
      if (money && flow.program != *money) continue;
      its.push_back(flow);
      classes.back().payers.insert(class_of(flow.payer));
      classes.back().payees.insert(class_of(flow.payee));
    }
    for (int payers = 0; payers < 4; ++payers) {
      for (int payees = 0; payees < 4; ++payees) {
        ledger::FlowQuery query;
        query.payer_group = static_cast<ledger::GroupBy>(payers);
        query.payee_group = static_cast<ledger::GroupBy>(payees);
        query.program = money;
        family.tables.push_back(ledger::Protect(TownTable(town.accounts, its, query), rules));
      }
    }
  }
  for (size_t g = 0; g < 16; ++g) family.splits.push_back({g, {16 + g, 32 + g, 48 + g}});
  if (together) ledger::ProtectFamily(&family.tables, nesting ? &classes : nullptr);
  return family;
}

ProtectedPeriod RandomProtectedFamily(uint64_t seed, bool together) {
  return ProtectedFamilyOf(MakeRandomTown(seed, false), together);
}

namespace {

// What a reader can know of a town's flows, as unknowns: the sums of its atoms. An atom
// is a payer class, a payee class (a class: the accounts of one kind, sector and district,
// which no table tells apart) and a money. Every figure of every table is the sum of the
// atoms it covers; an atom that falls in a cell some table lacks is known to be zero, the
// others are the unknowns. A dense system modulo kPrime.
class AtomSystem {
 public:
  AtomSystem(const RandomTown& town, const std::vector<ProtectedTable>& tables) {
    std::map<std::tuple<std::string, std::string, std::string>, size_t> class_of;
    for (const TownAccount& account : town.accounts) {
      auto [it, added] =
          class_of.try_emplace({account.kind, account.sector, account.district}, classes_.size());
      if (added) classes_.push_back(account);
    }
    std::set<std::string> monies;  // Free money ("") and the programmes that flowed.
    for (const TownFlow& flow : town.flows) monies.insert(flow.program);
    for (size_t payer = 0; payer < classes_.size(); ++payer) {
      for (size_t payee = 0; payee < classes_.size(); ++payee) {
        for (const std::string& money : monies) {
          Atom atom{payer, payee, money};
          if (InEveryTable(atom, tables)) atoms_.push_back(std::move(atom));
        }
      }
    }
  }

  // The atoms a figure of `table` covers, as a row (1 where covered).
  std::vector<uint64_t> Covered(const ProtectedTable& table, Figure figure, const std::string& a,
                                const std::string& b) const {
    std::vector<uint64_t> row(atoms_.size(), 0);
    for (size_t i = 0; i < atoms_.size(); ++i) {
      if (!Admits(table, atoms_[i])) continue;
      const auto [payer_group, payee_group] = Groups(table, atoms_[i]);
      const bool in = figure == Figure::kGrand || (figure == Figure::kRow && payer_group == a) ||
                      (figure == Figure::kColumn && payee_group == a) ||
                      (figure == Figure::kCell && payer_group == a && payee_group == b);
      if (in) row[i] = 1;
    }
    return row;
  }

  void Know(std::vector<uint64_t> row) {
    Eliminate(row);
    auto pivot = std::find_if(row.begin(), row.end(), [](uint64_t v) { return v != 0; });
    if (pivot == row.end()) return;
    const size_t column = static_cast<size_t>(pivot - row.begin());
    const uint64_t inverse = Inverse(*pivot);
    for (uint64_t& v : row) v = Mul(v, inverse);
    basis_.emplace_back(column, std::move(row));
  }

  bool Fixed(std::vector<uint64_t> row) const {
    Eliminate(row);
    return std::all_of(row.begin(), row.end(), [](uint64_t v) { return v == 0; });
  }

 private:
  struct Atom {
    size_t payer, payee;
    std::string money;
  };
  static bool Admits(const ProtectedTable& table, const Atom& atom) {
    return !table.query.program || *table.query.program == atom.money;
  }
  std::pair<std::string, std::string> Groups(const ProtectedTable& table, const Atom& atom) const {
    const TownFlow flow{0, 0, atom.money, 0};
    return {GroupOf(classes_[atom.payer], flow, table.query.payer_group),
            GroupOf(classes_[atom.payee], flow, table.query.payee_group)};
  }
  // Whether every table that admits `atom` has the cell it falls in.
  bool InEveryTable(const Atom& atom, const std::vector<ProtectedTable>& tables) const {
    for (const ProtectedTable& table : tables) {
      if (!Admits(table, atom)) continue;
      const auto groups = Groups(table, atom);
      const bool has = std::any_of(table.cells.begin(), table.cells.end(), [&](const auto& cell) {
        return cell.cell.payer_group == groups.first && cell.cell.payee_group == groups.second;
      });
      if (!has) return false;
    }
    return true;
  }
  void Eliminate(std::vector<uint64_t>& row) const {
    for (const auto& [column, by] : basis_) {
      const uint64_t factor = row[column];
      if (factor == 0) continue;
      for (size_t i = 0; i < row.size(); ++i) {
        if (by[i] != 0) row[i] = Sub(row[i], Mul(factor, by[i]));
      }
    }
  }

  std::vector<TownAccount> classes_;  // One account of each class.
  std::vector<Atom> atoms_;
  std::vector<std::pair<size_t, std::vector<uint64_t>>> basis_;
};

}  // namespace

std::vector<std::string> ExposedFromRecords(const RandomTown& town,
                                            const std::vector<ProtectedTable>& tables) {
  AtomSystem system(town, tables);
  for (const ProtectedTable& table : tables) {
    if (table.total.released) system.Know(system.Covered(table, Figure::kGrand, "", ""));
    for (const auto& total : table.payer_totals) {
      if (total.released) system.Know(system.Covered(table, Figure::kRow, total.group, ""));
    }
    for (const auto& total : table.payee_totals) {
      if (total.released) system.Know(system.Covered(table, Figure::kColumn, total.group, ""));
    }
    for (const auto& cell : table.cells) {
      if (cell.released()) {
        system.Know(
            system.Covered(table, Figure::kCell, cell.cell.payer_group, cell.cell.payee_group));
      }
    }
  }
  std::vector<std::string> exposed;
  for (size_t t = 0; t < tables.size(); ++t) {
    for (const auto& cell : tables[t].cells) {
      if (cell.suppression != ledger::Suppression::kPrimary) continue;
      if (system.Fixed(system.Covered(tables[t], Figure::kCell, cell.cell.payer_group,
                                      cell.cell.payee_group))) {
        exposed.push_back(std::to_string(t) + ": " + cell.cell.payer_group + " -> " +
                          cell.cell.payee_group);
      }
    }
  }
  return exposed;
}

}  // namespace kyoso::testing
