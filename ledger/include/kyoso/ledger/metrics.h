// Programme metrics (docs/flows.md, "Metrics"): what one programme's money did in a
// period, from the flow pair records kept on apply. Money remembers its programme, so
// each figure is exact: no sampling, no attribution model.
//
//   R1  paid out    issuance of the programme's money (issues under it, top-up
//                   incentives, cash-backs)
//   R2  spent       payments of its money by residents
//   R3  re-spent    payments of its money by merchants and producers
//   X   redeemed    its money redeemed or cashed out into national money
//
//   LM3 = (R1 + R2 + R3) ÷ R1     spend-through = R2 ÷ R1     leakage = X ÷ R1
//   rounds before redemption = (R2 + R3) ÷ X
//
//   M   average money in circulation: the programme's money held by residents,
//       merchants and producers, averaged over the part of the period that has passed
//       (all of it once the period is over), kept on apply to the second
//   velocity = (R2 + R3) ÷ M       mean holding period (days) = M × days ÷ (R2 + R3)
//
// where days is the length of that part of the period. M, velocity and the holding
// period are released only when R2 and R3 are, and are absent when M is not positive.
//
// Each of R1, R2, R3 and X is released only where the flow tables as served show it
// (served_tables.h; their primary rule judges the sides that are not the issuer: R1 on
// its payees, X on its payers, R2 and R3 on both): R1 and X are the grand totals of the
// programme's issuance and redemption tables by payer kind and programme, R2 the
// residents' row of its payments table, R3 the merchants' and producers' rows. A figure
// held back makes every ratio that uses it absent.
// Ratios are in thousandths, rounded half to even once, and absent too when their
// denominator is 0. Pure: a function of the ledger's state.
#pragma once

#include <optional>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/flows.h"
#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/served_tables.h"

namespace kyoso::ledger {

struct ProgramMetrics {
  std::optional<Wide> paid_out;  // R1; absent when held back.
  std::optional<Wide> spent;     // R2.
  std::optional<Wide> respent;   // R3.
  std::optional<Wide> redeemed;  // X.
  std::optional<Wide> lm3_milli;
  std::optional<Wide> spend_through_milli;
  std::optional<Wide> leakage_milli;
  std::optional<Wide> rounds_milli;
  std::optional<Wide> average_stock;  // M, in minor units.
  std::optional<Wide> velocity_milli;
  std::optional<Wide> holding_days_milli;
  friend bool operator==(const ProgramMetrics&, const ProgramMetrics&) = default;
};

// What a programme's metrics need of the ledger, copied out of it (as FlowSnapshot, so
// that they are computed on any thread while the ledger applies more).
struct MetricsSnapshot {
  CurrencyCode currency;
  Period period;
  ProgramId program;   // "" for free money.
  FlowSnapshot flows;  // Its issuance, payments and redemptions.
  int64_t begins =
      0;  // The part of the period its flows cover, up to now, in whole seconds since 1970, UTC,
  int64_t ends = 0;  // and the circulation's integral at each end (see Ledger).
  Wide integral_at_begin = 0;
  Wide integral_at_end = 0;
};

// The snapshot of `program`'s money ("" for free money) in `currency` over `period`,
// a period that has not ended taken as `running` says: its flows and its circulation up
// to the same day. Fails only as the ledger's reads do (a store error). `cache`: as
// TakeFlowSnapshot.
StatusOr<MetricsSnapshot> TakeMetricsSnapshot(const Ledger& ledger, const CurrencyCode& currency,
                                              const Period& period, const ProgramId& program,
                                              RunningPeriods running,
                                              const ServedCache* cache = nullptr);

// Its metrics under `rules`. `cache`: served tables kept (served_tables.h), or none.
StatusOr<ProgramMetrics> ComputeProgramMetrics(const MetricsSnapshot& snapshot,
                                               const DisclosureRules& rules,
                                               ServedCache* cache = nullptr);

// Both at once.
StatusOr<ProgramMetrics> ComputeProgramMetrics(const Ledger& ledger, const CurrencyCode& currency,
                                               const Period& period, const ProgramId& program,
                                               const DisclosureRules& rules,
                                               ServedCache* cache = nullptr);

}  // namespace kyoso::ledger
