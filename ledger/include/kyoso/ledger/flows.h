// Flows: what the municipality and the lab see of the money's movements.
//
// On apply the ledger keeps, for every day, ISO week and calendar month of ledger time
// (UTC), one pair record per (currency, flow class, programme of the money, payer,
// payee): how many transfers and how much. They are state like any other, replicated and
// in the chain's snapshots. A flow table groups a period's pair records by the payer's
// and the payee's kind, sector, district or programme into cells with what disclosure
// control needs: count, sum, distinct payers and payees, and the two largest payers'
// and payees' sums. Pure: periods are computed from the ledger time passed in.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kyoso/ledger/domain.h"
#include "kyoso/ledger/money.h"

namespace kyoso::ledger {

// Kinds of movement, kept apart: ordinary payments are what circulation is made of.
enum class FlowClass : uint8_t {
  kPayment = 0,     // Payments, business purchases and captured holds.
  kRefund = 1,      // A merchant's refund of a payment (the payment's lots going back).
  kIssuance = 2,    // Issue and top-up (the top-up's incentive under its programme).
  kRedemption = 3,  // Redeem and cash-out into national money.
  kExchange = 4,    // Into another currency (in the payer's currency).
};
inline constexpr int kFlowClassCount = 5;
std::string_view FlowClassName(FlowClass flow_class);
std::optional<FlowClass> FlowClassFromName(std::string_view name);

enum class PeriodKind : uint8_t { kDay = 0, kWeek = 1, kMonth = 2 };
inline constexpr int kPeriodKindCount = 3;
std::string_view PeriodKindName(PeriodKind kind);
std::optional<PeriodKind> PeriodKindFromName(std::string_view name);

// A period as the day number (days since 1970-01-01, UTC) of its first day: a day, the
// Monday of an ISO week, or the first of a month.
struct Period {
  PeriodKind kind = PeriodKind::kMonth;
  int32_t start_day = 0;
  friend auto operator<=>(const Period&, const Period&) = default;
};
// The period of `kind` that holds ledger time `t`.
Period PeriodOf(PeriodKind kind, TimeNs t);
// The first day after `period`.
int32_t PeriodEndDay(const Period& period);
// "2026-11-23" for a day number, and back (nullopt for anything else).
std::string DayText(int32_t day);
std::optional<int32_t> DayFromText(std::string_view text);

// The class of the movement a transfer kind makes, or nullopt for none: holds, voids,
// corrections and the ledger's own entries (expiry, demurrage) are not flows.
std::optional<FlowClass> FlowClassOf(TransferKind kind);

// Between which accounts a flow runs.
enum class FlowLeg : uint8_t {
  kTransfer = 0,  // From the transfer's payer (request.from) to its payee (request.to).
  kCashBack = 1,  // From the currency's issuer to the payer: a payment's cash-back.
};

// Visits what a transfer record that took effect adds to the flows: the amount per
// programme of the money it moved ("" for free money), in the order programmes first
// appear. A top-up adds its amount as free money and its incentive under its programme;
// a payment's or purchase's cash-back is issuance under its programme, from the issuer
// to the payer. Nothing for a failed record or a kind FlowClassOf has no class for.
template <typename Visit>  // void(FlowClass, std::string_view program, Amount, FlowLeg)
void ForEachFlow(const TransferRecord& record, Visit&& visit);

// The count and sum of one pair record.
struct FlowTotals {
  uint64_t count = 0;
  Wide sum = 0;
  friend bool operator==(const FlowTotals&, const FlowTotals&) = default;
};

// How a flow table groups accounts. kProgram groups by the programme of the money ("" is
// free money), on either side.
enum class GroupBy : uint8_t { kKind = 0, kSector = 1, kDistrict = 2, kProgram = 3 };
std::string_view GroupByName(GroupBy group_by);
std::optional<GroupBy> GroupByFromName(std::string_view name);

struct FlowQuery {
  CurrencyCode currency;
  Period period;
  FlowClass flow_class = FlowClass::kPayment;
  GroupBy payer_group = GroupBy::kSector;
  GroupBy payee_group = GroupBy::kSector;
  std::optional<ProgramId> program;  // Only money of this programme ("" for free money).
};

// One cell of a flow table: every pair record whose payer falls in `payer_group` and
// payee in `payee_group`.
struct FlowCell {
  std::string payer_group;
  std::string payee_group;
  uint64_t count = 0;
  Wide sum = 0;
  uint64_t distinct_payers = 0;
  uint64_t distinct_payees = 0;
  Wide top_payers[2] = {0, 0};  // The largest and second-largest payer's sums.
  Wide top_payees[2] = {0, 0};
  friend bool operator==(const FlowCell&, const FlowCell&) = default;
};

// Cells ordered by (payer group, payee group).
struct FlowTable {
  FlowQuery query;
  std::vector<FlowCell> cells;
};

// Sums while grouping: positive amounts in a 128-bit accumulator (2^64 additions of
// int64 amounts would be needed to overflow it).
__extension__ typedef unsigned __int128 FlowSum;

// One period's pair records of one currency and flow class, copied out of the ledger
// (Ledger::FlowRecordsOf) with the groups of each account they name: a value of its own,
// grouped into tables (GroupFlows) on any thread while the ledger applies more.
struct FlowRecords {
  // An account as tables group it: its kind's name ("res", "mer", ...), its sector and
  // its district ("none" where it has none); "unknown" throughout for an account the
  // ledger does not know.
  struct Party {
    std::string kind;
    std::string sector;
    std::string district;
  };
  struct Pair {
    uint32_t program = 0;  // Numbers `programs`.
    uint32_t payer = 0;    // Number `parties`.
    uint32_t payee = 0;
    uint64_t count = 0;
    FlowSum sum = 0;
  };
  CurrencyCode currency;
  Period period;
  FlowClass flow_class = FlowClass::kPayment;
  std::vector<ProgramId> programs;  // "" is free money.
  std::vector<Party> parties;
  std::vector<Pair> pairs;  // A week's: its days', a pair of accounts once a day.
};

// The table of each query (of `records`' currency, period and class, grouped as each
// asks, of all money or of one programme's) grouped from `records`. Pure.
std::vector<FlowTable> GroupFlows(const FlowRecords& records,
                                  const std::vector<FlowQuery>& queries);

template <typename Visit>
void ForEachFlow(const TransferRecord& record, Visit&& visit) {
  std::optional<FlowClass> flow_class = FlowClassOf(record.request.kind);
  if (!flow_class || record.seq == 0) return;
  const TransferRequest& request = record.request;
  if (request.kind == TransferKind::kTopUp) {
    if (request.amount > 0) {
      visit(*flow_class, std::string_view(), request.amount, FlowLeg::kTransfer);
    }
    if (record.incentive > 0) {
      visit(*flow_class, std::string_view(request.program), record.incentive, FlowLeg::kTransfer);
    }
    return;
  }
  // Lots are few and usually of one programme: sum each programme's at its first lot.
  for (size_t i = 0; i < record.lots.size(); ++i) {
    const ProgramId& program = record.lots[i].program;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = record.lots[j].program == program;
    if (seen) continue;
    Amount amount = 0;  // The lots of one transfer add up to its int64 amount.
    for (size_t j = i; j < record.lots.size(); ++j) {
      if (record.lots[j].program == program) amount += record.lots[j].amount;
    }
    if (amount > 0) visit(*flow_class, std::string_view(program), amount, FlowLeg::kTransfer);
  }
  bool spend = request.kind == TransferKind::kPayment || request.kind == TransferKind::kPurchase;
  if (spend && record.incentive > 0) {
    visit(FlowClass::kIssuance, std::string_view(request.program), record.incentive,
          FlowLeg::kCashBack);
  }
}

}  // namespace kyoso::ledger
