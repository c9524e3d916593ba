// FlowGrouper: groups a period's pair records (FlowRecords, kyoso/ledger/flows.h) into
// flow tables, many tables from one set of records (internal to ledger/).
//
// Made for a family of 80 tables over hundreds of thousands of records. Each party's
// group under each grouping is found once, through the parties' classes (same kind,
// sector and district). A cell's count and sum add up the records summed by (payer
// class, payee class, programme). Its distinct payers and payees and the two largest of
// each come from one walk over the records per side, contributor by contributor: a
// contributor's sums by (group of the other side, programme), for each grouping of the
// other side, are tallied once and then added into the cells of the tables grouped alike
// (all money's and each programme's at once).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
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

class FlowGrouper {
 public:
  // `records` must outlive the grouper.
  FlowGrouper(const FlowRecords& records, const std::vector<FlowQuery>& queries);

  // The table of each query, in order.
  std::vector<FlowTable> Tables() &&;

 private:
  static constexpr size_t kGroupings = 4;         // Kind, sector, district, programme.
  static constexpr size_t kAccountGroupings = 3;  // Those that group accounts.
  // A grouping's groups: their names, numbered in order of appearance.
  struct Groups {
    std::vector<std::string_view> names;
    absl::flat_hash_map<std::string_view, uint32_t> numbers;
    uint32_t Number(std::string_view name);
  };
  // Sums by slot, with the slots touched since the last Clear.
  struct Tally {
    std::vector<FlowSum> sums;
    std::vector<uint8_t> touched;
    std::vector<size_t> slots;
    void Reset(size_t size);
    void Add(size_t slot, FlowSum sum);
    void Clear();
  };
  struct Cell {
    uint32_t payer_group = 0;
    uint32_t payee_group = 0;
    uint64_t count = 0;
    FlowSum sum = 0;
    uint64_t distinct_payers = 0;
    uint64_t distinct_payees = 0;
    FlowSum top_payers[2] = {0, 0};
    FlowSum top_payees[2] = {0, 0};
  };
  // One table: its query, its money, and the cells it has records in. A cell's number is
  // its payer group times the payee groups plus its payee group; where a number's cell
  // is in `cells` is kept in a vector while there are at most kDenseCellsMax numbers, in
  // a map past that (thousands of districts make millions of numbers, few of them cells).
  struct Table {
    static constexpr uint64_t kDenseCellsMax = 65'536;
    FlowQuery query;
    uint32_t payee_groups = 0;
    uint32_t only_program = UINT32_MAX;  // When the query names a programme (none here: MAX).
    std::vector<Cell> cells;
    std::vector<uint32_t> dense;  // By number: its cell's index + 1, or 0. Empty: `sparse`.
    absl::flat_hash_map<uint64_t, uint32_t> sparse;
    Table(const FlowQuery& asked, uint32_t payer_groups, uint32_t payee_group_count);
    bool Skips(uint32_t program) const { return query.program && program != only_program; }
    uint64_t Number(uint32_t payer_group, uint32_t payee_group) const {
      return uint64_t{payer_group} * payee_groups + payee_group;
    }
    // The cell of (payer group, payee group), made if it has none.
    Cell& Make(uint32_t payer_group, uint32_t payee_group);
    // The index in `cells` of a cell it has.
    uint32_t IndexOf(uint32_t payer_group, uint32_t payee_group) const;
  };

  // Bundles the tables grouped alike (bundles_).
  void BundleTables();
  void NumberClasses();
  // Each table's cells' counts and sums, from the records summed by classes.
  void SumCells();
  // Each table's distinct payers (or payees) and the two largest, contributor by
  // contributor.
  void RankContributors(bool payers);
  // The tables grouped alike: of all money, and of each of the records' programmes.
  struct Bundle {
    GroupBy payer_group;
    GroupBy payee_group;
    std::vector<size_t> of_all;                   // Numbers in tables_.
    std::vector<std::vector<size_t>> of_program;  // By programme number.
  };
  // Adds one contributor's sums (by group of the other side, programme) into the cells
  // of `bundle`'s tables.
  void RankIn(const Bundle& bundle, bool payers, uint32_t party, const Tally& sums);
  static void Rank(Cell& cell, bool payers, FlowSum sum);
  // The group of a flow's payer or payee of class `of_class` in `program`'s money.
  uint32_t GroupOf(GroupBy group_by, uint32_t of_class, uint32_t program) const;
  uint32_t GroupCount(GroupBy group_by) const;
  std::string_view GroupName(GroupBy group_by, uint32_t group) const;

  const FlowRecords& records_;
  Groups account_groups_[kAccountGroupings];
  Groups program_groups_;
  std::vector<uint32_t> program_group_;  // By programme number.
  std::vector<uint32_t> class_of_party_;
  std::vector<std::array<uint32_t, kAccountGroupings>> class_groups_;  // By class number.
  std::vector<Table> tables_;
  std::vector<Bundle> bundles_;
  Tally cell_tally_;  // RankIn's: one contributor's sums by cell of an all-money table.
};

}  // namespace kyoso::ledger
