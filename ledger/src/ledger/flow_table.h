// FlowGrouper: groups a period's pair records (FlowRecords, kyoso/ledger/flows.h) into
// flow tables, many tables from one set of records (internal to ledger/).
//
// Made for a family of 80 tables over hundreds of thousands of records. Each party's
// group under each grouping is found once, through the parties' classes (same kind,
// sector and district). A cell's count and sum add up the records summed by (payer
// class, payee class, programme). Its distinct payers and payees and the two largest of
// each come from one walk over the records per side, contributor by contributor and
// class by class: a contributor's sums by group of the other side are ranked into its
// class's standings, and a class's standings are merged into every table's cells (its
// contributors share their groups, so a cell's contributors are those of its classes).
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
  // What a contributor's sums in a table's cells are taken over, by the table's money and
  // how it groups the contributor's own side: one programme's money (by group of the
  // other side and programme); all money grouped by account (by group of the other side);
  // all money grouped by programme (by group of the other side and programme group).
  enum Money : uint8_t { kOneProgramme, kAllMoney, kAllMoneyByProgramme, kMonies };
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
    void Add(size_t slot, FlowSum sum) {  // Inline: called for every record.
      if (touched[slot] == 0) {
        touched[slot] = 1;
        slots.push_back(slot);
      }
      sums[slot] += sum;
    }
    void Clear();
  };
  // What a cell needs of its contributors on one side: how many, and the two largest.
  struct Standing {
    uint64_t distinct = 0;
    FlowSum top[2] = {0, 0};
    void Rank(FlowSum sum);
    void Merge(const Standing& other);
  };
  // Standings by slot, with the slots touched since the last Clear.
  struct Standings {
    std::vector<Standing> by_slot;
    std::vector<size_t> slots;
    void Reset(size_t size);
    void Rank(size_t slot, FlowSum sum);
    void Clear();
  };
  struct Cell {
    uint32_t payer_group = 0;
    uint32_t payee_group = 0;
    uint64_t count = 0;
    FlowSum sum = 0;
    Standing payers;
    Standing payees;
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
    // A cell it has.
    Cell& At(uint32_t payer_group, uint32_t payee_group);
  };
  // One side's contributors, ranked class by class: a contributor's sums, for each
  // grouping of the other side and each Money, then its class's standings.
  struct Side {
    bool payers = true;
    std::array<std::array<bool, kMonies>, kGroupings> wanted{};
    std::array<std::array<Tally, kMonies>, kGroupings> sums;
    std::array<std::array<Standings, kMonies>, kGroupings> standings;
  };

  // A record's sum as one side's contributor gave it, with the class of the other side
  // and the programme (a slot: the class shifted left by program_bits_, or'ed with the
  // programme). The sum in two halves: 24 bytes rather than 32.
  struct Contribution {
    uint64_t low;
    uint64_t high;
    uint64_t slot;
  };
  // One side's contributors class by class (`parties`), and the contributions of the
  // k-th of them: contributions [starts[k], starts[k + 1]).
  struct Walk {
    std::vector<uint32_t> parties;
    std::vector<uint32_t> starts;
    std::vector<Contribution> contributions;
  };

  void NumberClasses();
  // Each table's cells' counts and sums, from the records summed by classes.
  void SumCells();
  // A counting sort: the records are read in sequence, and their contributions written
  // where RankContributors reads them in sequence.
  Walk OrderContributions(bool payers) const;
  // The side's tallies and standings, sized for what its tables group by.
  Side MakeSide(bool payers) const;
  // Each table's distinct payers (or payees) and the two largest. Contributors are
  // walked class by class; a contributor's sums are ranked into its class's standings,
  // which are merged into the tables' cells when the class ends (the contributors of
  // one class are in the same groups, and a cell's contributors are those of its
  // classes).
  void RankContributors(bool payers);
  Money MoneyOf(const Table& table, bool payers) const;
  // Adds a contributor's sums by (class of the other side, programme) into side.sums.
  void SumByGroups(const Tally& by_class, Side& side) const;
  // Ranks a contributor's sums (side.sums) into its class's standings.
  void RankContributor(Side& side) const;
  // Merges the standings of class `of_class` into every table's cells.
  void MergeStandings(Side& side, uint32_t of_class);
  // The group of a flow's payer or payee of class `of_class` in `program`'s money.
  uint32_t GroupOf(GroupBy group_by, uint32_t of_class, uint32_t program) const;
  uint32_t GroupCount(GroupBy group_by) const;
  std::string_view GroupName(GroupBy group_by, uint32_t group) const;

  const FlowRecords& records_;
  Groups account_groups_[kAccountGroupings];
  Groups program_groups_;
  std::vector<uint32_t> program_group_;  // By programme number.
  // A slot of a sum by (group, programme or programme group) is the group shifted left by
  // this, or'ed with the programme (group).
  uint32_t program_bits_ = 0;
  std::vector<uint32_t> class_of_party_;
  std::vector<std::array<uint32_t, kAccountGroupings>> class_groups_;  // By class number.
  std::vector<Table> tables_;
};

}  // namespace kyoso::ledger
