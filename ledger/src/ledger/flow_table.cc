#include "flow_table.h"

#include <algorithm>
#include <cassert>

namespace kyoso::ledger {
namespace {

// How many records ahead RankContributors asks the memory for.
constexpr uint32_t kPrefetchAhead = 16;

void KeepTopTwo(FlowSum sum, FlowSum top[2]) {
  if (sum > top[0]) {
    top[1] = top[0];
    top[0] = sum;
  } else if (sum > top[1]) {
    top[1] = sum;
  }
}

}  // namespace

std::string_view AccountGroup(GroupBy group_by, const Account* account) {
  if (account == nullptr) return "unknown";
  switch (group_by) {
    case GroupBy::kKind:
      return AccountKindPrefix(account->kind);
    case GroupBy::kSector:
      return account->sector.empty() ? "none" : std::string_view(account->sector);
    case GroupBy::kDistrict:
      return account->district.empty() ? "none" : std::string_view(account->district);
    case GroupBy::kProgram:
      break;
  }
  return "unknown";
}

Wide ToWide(FlowSum sum) {
  return (Wide(static_cast<uint64_t>(sum >> 64)) << 64) | Wide(static_cast<uint64_t>(sum));
}

uint32_t FlowGrouper::Groups::Number(std::string_view name) {
  auto [it, added] = numbers.try_emplace(name, static_cast<uint32_t>(names.size()));
  if (added) names.push_back(name);
  return it->second;
}

void FlowGrouper::Tally::Reset(size_t size) {
  sums.assign(size, 0);
  touched.assign(size, 0);
  slots.clear();
}

void FlowGrouper::Tally::Add(size_t slot, FlowSum sum) {
  if (touched[slot] == 0) {
    touched[slot] = 1;
    slots.push_back(slot);
  }
  sums[slot] += sum;
}

void FlowGrouper::Tally::Clear() {
  for (size_t slot : slots) {
    sums[slot] = 0;
    touched[slot] = 0;
  }
  slots.clear();
}

FlowGrouper::FlowGrouper(const FlowRecords& records, const std::vector<FlowQuery>& queries)
    : records_(records) {
  program_group_.reserve(records.programs.size());
  for (const ProgramId& program : records.programs) {
    program_group_.push_back(program_groups_.Number(ProgramGroup(program)));
  }
  NumberClasses();
  for (const FlowQuery& query : queries) {
    Table& table =
        tables_.emplace_back(query, GroupCount(query.payer_group), GroupCount(query.payee_group));
    if (!query.program) continue;
    auto it = std::find(records.programs.begin(), records.programs.end(), *query.program);
    if (it != records.programs.end()) {
      table.only_program = static_cast<uint32_t>(it - records.programs.begin());
    }
  }
  BundleTables();
}

FlowGrouper::Table::Table(const FlowQuery& asked, uint32_t payer_groups, uint32_t payee_group_count)
    : query(asked), payee_groups(payee_group_count) {
  const uint64_t numbers = uint64_t{payer_groups} * payee_groups;
  if (numbers <= kDenseCellsMax) dense.assign(numbers, 0);
}

FlowGrouper::Cell& FlowGrouper::Table::Make(uint32_t payer_group, uint32_t payee_group) {
  const uint64_t number = Number(payer_group, payee_group);
  const auto next = static_cast<uint32_t>(cells.size());
  uint32_t index;
  if (!dense.empty()) {
    uint32_t& held = dense[number];
    if (held == 0) held = next + 1;
    index = held - 1;
  } else {
    index = sparse.try_emplace(number, next).first->second;
  }
  if (index == next) cells.push_back(Cell{payer_group, payee_group});
  return cells[index];
}

uint32_t FlowGrouper::Table::IndexOf(uint32_t payer_group, uint32_t payee_group) const {
  const uint64_t number = Number(payer_group, payee_group);
  if (!dense.empty()) {
    assert(dense[number] != 0);
    return dense[number] - 1;
  }
  assert(sparse.contains(number));
  return sparse.find(number)->second;
}

void FlowGrouper::BundleTables() {
  for (size_t t = 0; t < tables_.size(); ++t) {
    const Table& table = tables_[t];
    auto alike = std::find_if(bundles_.begin(), bundles_.end(), [&](const Bundle& bundle) {
      return bundle.payer_group == table.query.payer_group &&
             bundle.payee_group == table.query.payee_group;
    });
    if (alike == bundles_.end()) {
      alike = bundles_.insert(bundles_.end(),
                              Bundle{table.query.payer_group,
                                     table.query.payee_group,
                                     {},
                                     std::vector<std::vector<size_t>>(records_.programs.size())});
    }
    if (!table.query.program) {
      alike->of_all.push_back(t);
    } else if (table.only_program != UINT32_MAX) {
      alike->of_program[table.only_program].push_back(t);
    }  // Else a programme without records: its table stays empty.
  }
}

void FlowGrouper::NumberClasses() {
  absl::flat_hash_map<std::array<uint32_t, kAccountGroupings>, uint32_t> classes;
  class_of_party_.reserve(records_.parties.size());
  for (const FlowRecords::Party& party : records_.parties) {
    const std::array<uint32_t, kAccountGroupings> groups{account_groups_[0].Number(party.kind),
                                                         account_groups_[1].Number(party.sector),
                                                         account_groups_[2].Number(party.district)};
    auto [it, added] = classes.try_emplace(groups, static_cast<uint32_t>(class_groups_.size()));
    if (added) class_groups_.push_back(groups);
    class_of_party_.push_back(it->second);
  }
}

void FlowGrouper::SumCells() {
  struct ClassFlow {
    uint32_t payer_class;
    uint32_t payee_class;
    uint32_t program;
    uint64_t count = 0;
    FlowSum sum = 0;
  };
  std::vector<ClassFlow> flows;
  absl::flat_hash_map<std::array<uint32_t, 3>, uint32_t> numbers;
  for (const FlowRecords::Pair& pair : records_.pairs) {
    const std::array<uint32_t, 3> key{class_of_party_[pair.payer], class_of_party_[pair.payee],
                                      pair.program};
    auto [it, added] = numbers.try_emplace(key, static_cast<uint32_t>(flows.size()));
    if (added) flows.push_back(ClassFlow{key[0], key[1], key[2]});
    flows[it->second].count += pair.count;
    flows[it->second].sum += pair.sum;
  }
  size_t most_cells = 0;
  for (Table& table : tables_) {
    for (const ClassFlow& flow : flows) {
      if (table.Skips(flow.program)) continue;
      Cell& cell = table.Make(GroupOf(table.query.payer_group, flow.payer_class, flow.program),
                              GroupOf(table.query.payee_group, flow.payee_class, flow.program));
      cell.count += flow.count;
      cell.sum += flow.sum;
    }
    most_cells = std::max(most_cells, table.cells.size());
  }
  cell_tally_.Reset(most_cells);
}

void FlowGrouper::RankContributors(bool payers) {
  // The records' numbers by contributor (a counting sort of small numbers, not records).
  const std::vector<FlowRecords::Pair>& pairs = records_.pairs;
  std::vector<uint32_t> starts(records_.parties.size() + 1, 0);
  for (const FlowRecords::Pair& pair : pairs) ++starts[(payers ? pair.payer : pair.payee) + 1];
  for (size_t p = 1; p < starts.size(); ++p) starts[p] += starts[p - 1];
  std::vector<uint32_t> order(pairs.size());
  std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
  for (uint32_t i = 0; i < pairs.size(); ++i) {
    order[next[payers ? pairs[i].payer : pairs[i].payee]++] = i;
  }
  // Tallies by the other side's grouping, for those some table groups it by; a slot is a
  // group of the other side times the programmes plus a programme.
  const size_t programs = records_.programs.size();
  std::array<Tally, kGroupings> tallies;
  std::array<bool, kGroupings> wanted{};
  for (const Table& table : tables_) {
    const GroupBy other = payers ? table.query.payee_group : table.query.payer_group;
    wanted[static_cast<size_t>(other)] = true;
  }
  for (size_t g = 0; g < kGroupings; ++g) {
    if (wanted[g]) tallies[g].Reset(GroupCount(static_cast<GroupBy>(g)) * programs);
  }
  for (uint32_t party = 0; party + 1 < starts.size(); ++party) {
    for (uint32_t i = starts[party]; i < starts[party + 1]; ++i) {
      // The records are visited out of order: ask for those a little ahead early.
      if (i + kPrefetchAhead < order.size()) __builtin_prefetch(&pairs[order[i + kPrefetchAhead]]);
      const FlowRecords::Pair& pair = pairs[order[i]];
      const uint32_t other = class_of_party_[payers ? pair.payee : pair.payer];
      for (size_t g = 0; g < kGroupings; ++g) {
        if (!wanted[g]) continue;
        const uint32_t group = GroupOf(static_cast<GroupBy>(g), other, pair.program);
        tallies[g].Add(group * programs + pair.program, pair.sum);  // size_t: no overflow.
      }
    }
    for (const Bundle& bundle : bundles_) {
      const GroupBy other = payers ? bundle.payee_group : bundle.payer_group;
      RankIn(bundle, payers, party, tallies[static_cast<size_t>(other)]);
    }
    for (Tally& tally : tallies) tally.Clear();
  }
}

void FlowGrouper::Rank(Cell& cell, bool payers, FlowSum sum) {
  ++(payers ? cell.distinct_payers : cell.distinct_payees);
  KeepTopTwo(sum, payers ? cell.top_payers : cell.top_payees);
}

void FlowGrouper::RankIn(const Bundle& bundle, bool payers, uint32_t party, const Tally& sums) {
  const size_t programs = records_.programs.size();
  const GroupBy own = payers ? bundle.payer_group : bundle.payee_group;
  const uint32_t own_class = class_of_party_[party];
  Table* first_of_all = bundle.of_all.empty() ? nullptr : &tables_[bundle.of_all.front()];
  for (size_t slot : sums.slots) {
    const auto program = static_cast<uint32_t>(slot % programs);
    const auto other = static_cast<uint32_t>(slot / programs);
    const uint32_t group = GroupOf(own, own_class, program);
    const uint32_t payer_group = payers ? group : other;
    const uint32_t payee_group = payers ? other : group;
    // In one programme's money each slot is a cell of its own; all money's add up.
    for (size_t t : bundle.of_program[program]) {
      Table& table = tables_[t];
      Rank(table.cells[table.IndexOf(payer_group, payee_group)], payers, sums.sums[slot]);
    }
    if (first_of_all != nullptr) {
      cell_tally_.Add(first_of_all->IndexOf(payer_group, payee_group), sums.sums[slot]);
    }
  }
  for (size_t index : cell_tally_.slots) {
    const Cell& cell = first_of_all->cells[index];
    for (size_t t : bundle.of_all) {  // More than one when a query was asked twice.
      Table& table = tables_[t];
      Rank(table.cells[table.IndexOf(cell.payer_group, cell.payee_group)], payers,
           cell_tally_.sums[index]);
    }
  }
  cell_tally_.Clear();
}

uint32_t FlowGrouper::GroupOf(GroupBy group_by, uint32_t of_class, uint32_t program) const {
  if (group_by == GroupBy::kProgram) return program_group_[program];
  return class_groups_[of_class][static_cast<size_t>(group_by)];
}

uint32_t FlowGrouper::GroupCount(GroupBy group_by) const {
  if (group_by == GroupBy::kProgram) return static_cast<uint32_t>(program_groups_.names.size());
  return static_cast<uint32_t>(account_groups_[static_cast<size_t>(group_by)].names.size());
}

std::string_view FlowGrouper::GroupName(GroupBy group_by, uint32_t group) const {
  if (group_by == GroupBy::kProgram) return program_groups_.names[group];
  return account_groups_[static_cast<size_t>(group_by)].names[group];
}

std::vector<FlowTable> FlowGrouper::Tables() && {
  SumCells();
  RankContributors(/*payers=*/true);
  RankContributors(/*payers=*/false);
  std::vector<FlowTable> out;
  out.reserve(tables_.size());
  for (const Table& table : tables_) {
    FlowTable& grouped = out.emplace_back(FlowTable{table.query, {}});
    grouped.cells.reserve(table.cells.size());
    for (const Cell& cell : table.cells) {
      grouped.cells.push_back(
          FlowCell{std::string(GroupName(table.query.payer_group, cell.payer_group)),
                   std::string(GroupName(table.query.payee_group, cell.payee_group)),
                   cell.count,
                   ToWide(cell.sum),
                   cell.distinct_payers,
                   cell.distinct_payees,
                   {ToWide(cell.top_payers[0]), ToWide(cell.top_payers[1])},
                   {ToWide(cell.top_payees[0]), ToWide(cell.top_payees[1])}});
    }
    std::sort(grouped.cells.begin(), grouped.cells.end(), [](const FlowCell& a, const FlowCell& b) {
      return std::tie(a.payer_group, a.payee_group) < std::tie(b.payer_group, b.payee_group);
    });
  }
  return out;
}

std::vector<FlowTable> GroupFlows(const FlowRecords& records,
                                  const std::vector<FlowQuery>& queries) {
  if (queries.empty()) return {};
  return FlowGrouper(records, queries).Tables();
}

}  // namespace kyoso::ledger
