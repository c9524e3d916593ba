#include "flow_table.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace kyoso::ledger {
namespace {

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

void FlowGrouper::Tally::Clear() {
  for (size_t slot : slots) {
    sums[slot] = 0;
    touched[slot] = 0;
  }
  slots.clear();
}

void FlowGrouper::Standing::Rank(FlowSum sum) {
  ++distinct;
  KeepTopTwo(sum, top);
}

void FlowGrouper::Standing::Merge(const Standing& other) {
  distinct += other.distinct;
  KeepTopTwo(other.top[0], top);
  KeepTopTwo(other.top[1], top);
}

void FlowGrouper::Standings::Reset(size_t size) {
  by_slot.assign(size, Standing{});
  slots.clear();
}

void FlowGrouper::Standings::Rank(size_t slot, FlowSum sum) {
  if (by_slot[slot].distinct == 0) slots.push_back(slot);
  by_slot[slot].Rank(sum);
}

void FlowGrouper::Standings::Clear() {
  for (size_t slot : slots) by_slot[slot] = Standing{};
  slots.clear();
}

FlowGrouper::FlowGrouper(const FlowRecords& records, const std::vector<FlowQuery>& queries)
    : records_(records) {
  while ((size_t{1} << program_bits_) < records.programs.size()) ++program_bits_;
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
  if (index == next) cells.push_back(Cell{payer_group, payee_group, 0, 0, {}, {}});
  return cells[index];
}

FlowGrouper::Cell& FlowGrouper::Table::At(uint32_t payer_group, uint32_t payee_group) {
  const uint64_t number = Number(payer_group, payee_group);
  if (!dense.empty()) {
    assert(dense[number] != 0);
    return cells[dense[number] - 1];
  }
  assert(sparse.contains(number));
  return cells[sparse.find(number)->second];
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
  for (Table& table : tables_) {
    for (const ClassFlow& flow : flows) {
      if (table.Skips(flow.program)) continue;
      Cell& cell = table.Make(GroupOf(table.query.payer_group, flow.payer_class, flow.program),
                              GroupOf(table.query.payee_group, flow.payee_class, flow.program));
      cell.count += flow.count;
      cell.sum += flow.sum;
    }
  }
}

FlowGrouper::Walk FlowGrouper::OrderContributions(bool payers) const {
  Walk walk;
  walk.parties.resize(records_.parties.size());
  std::iota(walk.parties.begin(), walk.parties.end(), 0);
  std::sort(walk.parties.begin(), walk.parties.end(),
            [this](uint32_t a, uint32_t b) { return class_of_party_[a] < class_of_party_[b]; });
  std::vector<uint32_t> position(walk.parties.size());
  for (uint32_t k = 0; k < walk.parties.size(); ++k) position[walk.parties[k]] = k;
  const std::vector<FlowRecords::Pair>& pairs = records_.pairs;
  walk.starts.assign(walk.parties.size() + 1, 0);
  for (const FlowRecords::Pair& pair : pairs) {
    ++walk.starts[position[payers ? pair.payer : pair.payee] + 1];
  }
  for (size_t k = 1; k < walk.starts.size(); ++k) walk.starts[k] += walk.starts[k - 1];
  walk.contributions.resize(pairs.size());
  std::vector<uint32_t> next(walk.starts.begin(), walk.starts.end() - 1);
  for (const FlowRecords::Pair& pair : pairs) {
    const uint32_t own = payers ? pair.payer : pair.payee;
    const uint32_t other = class_of_party_[payers ? pair.payee : pair.payer];
    walk.contributions[next[position[own]]++] =
        Contribution{static_cast<uint64_t>(pair.sum), static_cast<uint64_t>(pair.sum >> 64),
                     (uint64_t{other} << program_bits_) | pair.program};
  }
  return walk;
}

FlowGrouper::Side FlowGrouper::MakeSide(bool payers) const {
  Side side;
  side.payers = payers;
  for (const Table& table : tables_) {
    const GroupBy other = payers ? table.query.payee_group : table.query.payer_group;
    side.wanted[static_cast<size_t>(other)][MoneyOf(table, payers)] = true;
  }
  for (size_t g = 0; g < kGroupings; ++g) {
    const size_t groups = GroupCount(static_cast<GroupBy>(g));
    for (size_t m = 0; m < kMonies; ++m) {
      if (!side.wanted[g][m]) continue;
      const size_t size = m == kAllMoney ? groups : groups << program_bits_;
      side.sums[g][m].Reset(size);
      side.standings[g][m].Reset(size);
    }
  }
  return side;
}

void FlowGrouper::RankContributors(bool payers) {
  const Walk walk = OrderContributions(payers);
  Side side = MakeSide(payers);
  Tally by_class;  // A contributor's sums by (class of the other side, programme).
  by_class.Reset(class_groups_.size() << program_bits_);
  for (uint32_t k = 0; k < walk.parties.size(); ++k) {
    for (uint32_t i = walk.starts[k]; i < walk.starts[k + 1]; ++i) {
      const Contribution& contribution = walk.contributions[i];
      by_class.Add(contribution.slot, (FlowSum{contribution.high} << 64) | contribution.low);
    }
    SumByGroups(by_class, side);
    by_class.Clear();
    RankContributor(side);
    const uint32_t of_class = class_of_party_[walk.parties[k]];
    if (k + 1 == walk.parties.size() || class_of_party_[walk.parties[k + 1]] != of_class) {
      MergeStandings(side, of_class);
    }
  }
}

void FlowGrouper::SumByGroups(const Tally& by_class, Side& side) const {
  const uint32_t program_mask = (1u << program_bits_) - 1;
  for (size_t slot : by_class.slots) {
    const auto program = static_cast<uint32_t>(slot) & program_mask;
    const auto other = static_cast<uint32_t>(slot >> program_bits_);
    const FlowSum sum = by_class.sums[slot];
    for (size_t g = 0; g < kGroupings; ++g) {
      const std::array<bool, kMonies>& wanted = side.wanted[g];
      if (!wanted[kOneProgramme] && !wanted[kAllMoney] && !wanted[kAllMoneyByProgramme]) continue;
      const size_t group = GroupOf(static_cast<GroupBy>(g), other, program);
      std::array<Tally, kMonies>& sums = side.sums[g];
      if (wanted[kOneProgramme]) sums[kOneProgramme].Add((group << program_bits_) | program, sum);
      if (wanted[kAllMoney]) sums[kAllMoney].Add(group, sum);
      if (wanted[kAllMoneyByProgramme]) {
        sums[kAllMoneyByProgramme].Add((group << program_bits_) | program_group_[program], sum);
      }
    }
  }
}

FlowGrouper::Money FlowGrouper::MoneyOf(const Table& table, bool payers) const {
  if (table.query.program) return kOneProgramme;
  const GroupBy own = payers ? table.query.payer_group : table.query.payee_group;
  return own == GroupBy::kProgram ? kAllMoneyByProgramme : kAllMoney;
}

void FlowGrouper::RankContributor(Side& side) const {
  for (size_t g = 0; g < kGroupings; ++g) {
    for (size_t m = 0; m < kMonies; ++m) {
      Tally& sums = side.sums[g][m];
      Standings& standings = side.standings[g][m];
      for (size_t slot : sums.slots) standings.Rank(slot, sums.sums[slot]);
      sums.Clear();
    }
  }
}

void FlowGrouper::MergeStandings(Side& side, uint32_t of_class) {
  const uint32_t program_mask = (1u << program_bits_) - 1;
  for (Table& table : tables_) {
    const GroupBy own = side.payers ? table.query.payer_group : table.query.payee_group;
    const GroupBy other = side.payers ? table.query.payee_group : table.query.payer_group;
    const Money money = MoneyOf(table, side.payers);
    const Standings& standings = side.standings[static_cast<size_t>(other)][money];
    for (size_t slot : standings.slots) {
      const auto low = static_cast<uint32_t>(slot) & program_mask;
      uint32_t own_group = 0;
      auto other_group = static_cast<uint32_t>(slot >> program_bits_);
      if (money == kOneProgramme) {
        if (low != table.only_program) continue;
        own_group = GroupOf(own, of_class, low);
      } else if (money == kAllMoneyByProgramme) {
        own_group = low;
      } else {
        other_group = static_cast<uint32_t>(slot);
        own_group = GroupOf(own, of_class, 0);  // An account grouping: any programme.
      }
      Cell& cell =
          side.payers ? table.At(own_group, other_group) : table.At(other_group, own_group);
      (side.payers ? cell.payers : cell.payees).Merge(standings.by_slot[slot]);
    }
  }
  for (auto& of_grouping : side.standings) {
    for (Standings& standings : of_grouping) standings.Clear();
  }
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
                   cell.payers.distinct,
                   cell.payees.distinct,
                   {ToWide(cell.payers.top[0]), ToWide(cell.payers.top[1])},
                   {ToWide(cell.payees.top[0]), ToWide(cell.payees.top[1])}});
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
