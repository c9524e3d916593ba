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

uint32_t FlowTableBuilder::Number(Side& side, std::string_view name) {
  auto [it, added] = side.numbers.try_emplace(name, static_cast<uint32_t>(side.names.size()));
  if (added) side.names.push_back(name);
  return it->second;
}

uint32_t FlowTableBuilder::GroupOf(Side& side, const Account* account, std::string_view program) {
  if (side.group_by == GroupBy::kProgram) {
    if (program.empty()) return Number(side, ProgramGroup(program));
    auto it = programs_.find(program);
    if (it == programs_.end()) it = programs_.emplace(program).first;
    return Number(side, *it);
  }
  auto it = side.of_account.find(account);
  if (it != side.of_account.end()) return it->second;
  uint32_t number = Number(side, AccountGroup(side.group_by, account));
  side.of_account.emplace(account, number);
  return number;
}

uint32_t FlowTableBuilder::CellOf(uint32_t payer_group, uint32_t payee_group) {
  uint64_t key = (uint64_t{payer_group} << 32) | payee_group;
  auto [it, added] = cell_numbers_.try_emplace(key, static_cast<uint32_t>(cells_.size()));
  if (added) cells_.push_back(Cell{payer_group, payee_group});
  return it->second;
}

void FlowTableBuilder::Add(std::string_view program, const Account* payer, const Account* payee,
                           uint64_t count, FlowSum sum) {
  if (query_.program && program != *query_.program) return;
  uint32_t number = CellOf(GroupOf(payers_, payer, program), GroupOf(payees_, payee, program));
  Cell& cell = cells_[number];
  cell.count += count;
  cell.sum += sum;
  payer_sums_[{payer, number}] += sum;
  payee_sums_[{payee, number}] += sum;
}

void FlowTableBuilder::Rank(const Contributions& sums, std::vector<Cell>& cells, bool payers) {
  for (const auto& [who, sum] : sums) {
    Cell& cell = cells[who.second];
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

}  // namespace kyoso::ledger
