// FlowTableBuilder: groups a period's pair records (FlowRecords, kyoso/ledger/flows.h)
// into the cells of one flow table (internal to ledger/).
//
// Made for hundreds of thousands of records per table: each party's and programme's
// group is looked up once (by number, in a vector), cells are numbered, and each
// contributor's sum per cell is kept in a flat hash map keyed by (party, cell number), so
// adding a record allocates nothing most of the time. Cells come out ordered by (payer
// group, payee group).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <string>
#include <vector>

#include "kyoso/ledger/flows.h"

namespace kyoso::ledger {

Wide ToWide(FlowSum sum);

// The group `account` falls in ("unknown" for null); a view valid while the account lives.
// Not for GroupBy::kProgram, which groups the money: ProgramGroup.
std::string_view AccountGroup(GroupBy group_by, const Account* account);
inline std::string_view ProgramGroup(std::string_view program) {
  return program.empty() ? "free" : program;
}

class FlowTableBuilder {
 public:
  // `records` must outlive the builder.
  FlowTableBuilder(const FlowQuery& query, const FlowRecords& records);

  // Adds one of the records' pairs (skipped unless of the query's programme, if it names one).
  void Add(const FlowRecords::Pair& pair);
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
  static constexpr uint32_t kNoGroup = UINT32_MAX;
  // One side of the table: its groups, numbered in order of appearance.
  struct Side {
    GroupBy group_by = GroupBy::kKind;
    std::vector<std::string_view> names;
    absl::flat_hash_map<std::string_view, uint32_t> numbers;
    std::vector<uint32_t> of_party;    // By party number; kNoGroup until seen.
    std::vector<uint32_t> of_program;  // Likewise by programme number.
  };
  // A contributor's sum per cell, keyed by party number (high half) and cell number.
  using Contributions = absl::flat_hash_map<uint64_t, FlowSum>;

  uint32_t GroupOf(Side& side, uint32_t party, uint32_t program);
  std::string_view NameOf(GroupBy group_by, uint32_t party, uint32_t program) const;
  uint32_t Number(Side& side, std::string_view name);
  uint32_t CellOf(uint32_t payer_group, uint32_t payee_group);
  static void Rank(const Contributions& sums, std::vector<Cell>& cells, bool payers);

  FlowQuery query_;
  const FlowRecords& records_;
  bool one_program_ = false;          // The query names a programme:
  uint32_t only_program_ = kNoGroup;  // its number (kNoGroup: none of the records').
  Side payers_;
  Side payees_;
  absl::flat_hash_map<uint64_t, uint32_t> cell_numbers_;
  std::vector<Cell> cells_;
  Contributions payer_sums_;
  Contributions payee_sums_;
};

}  // namespace kyoso::ledger
