// FlowTableBuilder: groups a period's pair records (kyoso/ledger/flows.h) into the cells
// of one flow table (internal to ledger/).
//
// Made for hundreds of thousands of records per table: each account's group is looked
// up once, cells are numbered, and each contributor's sum per cell is kept in flat hash
// maps keyed by (account, cell number), so adding a record allocates nothing most of the
// time. Cells come out ordered by (payer group, payee group).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <set>
#include <string>
#include <vector>

#include "kyoso/ledger/flows.h"

namespace kyoso::ledger {

// Sums while grouping: positive amounts in a 128-bit accumulator (2^64 additions of
// int64 amounts would be needed to overflow it).
__extension__ typedef unsigned __int128 FlowSum;

Wide ToWide(FlowSum sum);

// The group `account` falls in ("unknown" for null); a view valid while the account lives.
// Not for GroupBy::kProgram, which groups the money: ProgramGroup.
std::string_view AccountGroup(GroupBy group_by, const Account* account);
inline std::string_view ProgramGroup(std::string_view program) {
  return program.empty() ? "free" : program;
}

class FlowTableBuilder {
 public:
  explicit FlowTableBuilder(const FlowQuery& query) : query_(query) {}

  // Adds one pair record of the query's period and class; `payer` or `payee` may be null
  // (grouped as "unknown"). The accounts must outlive the builder.
  void Add(std::string_view program, const Account* payer, const Account* payee, uint64_t count,
           FlowSum sum);
  FlowTable Finish() &&;

 private:
  struct Cell {
    uint32_t payer_group;
    uint32_t payee_group;
    uint64_t count = 0;
    FlowSum sum = 0;
    uint64_t distinct_payers = 0;
    uint64_t distinct_payees = 0;
    FlowSum top_payers[2] = {0, 0};
    FlowSum top_payees[2] = {0, 0};
  };
  // One side of the table: its groups, numbered in order of appearance.
  struct Side {
    GroupBy group_by;
    std::vector<std::string_view> names;
    absl::flat_hash_map<std::string_view, uint32_t> numbers;
    absl::flat_hash_map<const Account*, uint32_t> of_account;  // Unless grouped by programme.
  };
  using Contributions = absl::flat_hash_map<std::pair<const Account*, uint32_t>, FlowSum>;

  uint32_t GroupOf(Side& side, const Account* account, std::string_view program);
  uint32_t Number(Side& side, std::string_view name);
  uint32_t CellOf(uint32_t payer_group, uint32_t payee_group);
  static void Rank(const Contributions& sums, std::vector<Cell>& cells, bool payers);

  FlowQuery query_;
  Side payers_{query_.payer_group, {}, {}, {}};
  Side payees_{query_.payee_group, {}, {}, {}};
  std::set<std::string, std::less<>> programs_;  // Names of programme groups, interned.
  absl::flat_hash_map<uint64_t, uint32_t> cell_numbers_;
  std::vector<Cell> cells_;
  Contributions payer_sums_;
  Contributions payee_sums_;
};

}  // namespace kyoso::ledger
