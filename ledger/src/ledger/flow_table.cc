#include "flow_table.h"

#include <algorithm>

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

FlowTableBuilder::FlowTableBuilder(const FlowQuery& query, const FlowRecords& records)
    : query_(query), records_(records) {
  payers_.group_by = query.payer_group;
  payees_.group_by = query.payee_group;
  for (Side* side : {&payers_, &payees_}) {
    side->of_party.assign(records.parties.size(), kNoGroup);
    side->of_program.assign(records.programs.size(), kNoGroup);
  }
  if (!query.program) return;
  one_program_ = true;
  auto it = std::find(records.programs.begin(), records.programs.end(), *query.program);
  if (it != records.programs.end())
    only_program_ = static_cast<uint32_t>(it - records.programs.begin());
}

uint32_t FlowTableBuilder::Number(Side& side, std::string_view name) {
  auto [it, added] = side.numbers.try_emplace(name, static_cast<uint32_t>(side.names.size()));
  if (added) side.names.push_back(name);
  return it->second;
}

std::string_view FlowTableBuilder::NameOf(GroupBy group_by, uint32_t party,
                                          uint32_t program) const {
  const FlowRecords::Party& of = records_.parties[party];
  switch (group_by) {
    case GroupBy::kKind:
      return of.kind;
    case GroupBy::kSector:
      return of.sector;
    case GroupBy::kDistrict:
      return of.district;
    case GroupBy::kProgram:
      break;
  }
  return ProgramGroup(records_.programs[program]);
}

uint32_t FlowTableBuilder::GroupOf(Side& side, uint32_t party, uint32_t program) {
  uint32_t& group =
      side.group_by == GroupBy::kProgram ? side.of_program[program] : side.of_party[party];
  if (group == kNoGroup) group = Number(side, NameOf(side.group_by, party, program));
  return group;
}

uint32_t FlowTableBuilder::CellOf(uint32_t payer_group, uint32_t payee_group) {
  uint64_t key = (uint64_t{payer_group} << 32) | payee_group;
  auto [it, added] = cell_numbers_.try_emplace(key, static_cast<uint32_t>(cells_.size()));
  if (added) cells_.push_back(Cell{payer_group, payee_group});
  return it->second;
}

void FlowTableBuilder::Add(const FlowRecords::Pair& pair) {
  if (one_program_ && pair.program != only_program_) return;
  uint32_t number = CellOf(GroupOf(payers_, pair.payer, pair.program),
                           GroupOf(payees_, pair.payee, pair.program));
  Cell& cell = cells_[number];
  cell.count += pair.count;
  cell.sum += pair.sum;
  payer_sums_[(uint64_t{pair.payer} << 32) | number] += pair.sum;
  payee_sums_[(uint64_t{pair.payee} << 32) | number] += pair.sum;
}

void FlowTableBuilder::Rank(const Contributions& sums, std::vector<Cell>& cells, bool payers) {
  for (const auto& [who, sum] : sums) {
    Cell& cell = cells[static_cast<uint32_t>(who)];
    ++(payers ? cell.distinct_payers : cell.distinct_payees);
    KeepTopTwo(sum, payers ? cell.top_payers : cell.top_payees);
  }
}

FlowTable FlowTableBuilder::Finish() && {
  Rank(payer_sums_, cells_, true);
  Rank(payee_sums_, cells_, false);
  FlowTable table{query_, {}};
  table.cells.reserve(cells_.size());
  for (const Cell& cell : cells_) {
    table.cells.push_back(FlowCell{std::string(payers_.names[cell.payer_group]),
                                   std::string(payees_.names[cell.payee_group]),
                                   cell.count,
                                   ToWide(cell.sum),
                                   cell.distinct_payers,
                                   cell.distinct_payees,
                                   {ToWide(cell.top_payers[0]), ToWide(cell.top_payers[1])},
                                   {ToWide(cell.top_payees[0]), ToWide(cell.top_payees[1])}});
  }
  std::sort(table.cells.begin(), table.cells.end(), [](const FlowCell& a, const FlowCell& b) {
    return std::tie(a.payer_group, a.payee_group) < std::tie(b.payer_group, b.payee_group);
  });
  return table;
}

std::vector<FlowTable> GroupFlows(const FlowRecords& records,
                                  const std::vector<FlowQuery>& queries) {
  // One table at a time: builders fed side by side would share the cache.
  std::vector<FlowTable> tables;
  tables.reserve(queries.size());
  for (const FlowQuery& query : queries) {
    FlowTableBuilder builder(query, records);
    for (const FlowRecords::Pair& pair : records.pairs) builder.Add(pair);
    tables.push_back(std::move(builder).Finish());
  }
  return tables;
}

}  // namespace kyoso::ledger
