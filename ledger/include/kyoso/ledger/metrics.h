// Programme metrics (docs/flows.md, "Metrics"): what one programme's money did in a
// period, from the flow pair records kept on apply. Money remembers its programme, so
// each figure is exact: no sampling, no attribution model.
//
//   R1  paid out    issuance of the programme's money (issues under it, top-up
//                   incentives, cash-backs)
//   R2  spent       payments of its money by residents to merchants and producers
//   R3  re-spent    payments of its money by merchants and producers to merchants and
//                   producers (business purchases)
//   X   redeemed    its money redeemed or cashed out into national money
//
//   LM3 = (R1 + R2 + R3) ÷ R1     spend-through = R2 ÷ R1     leakage = X ÷ R1
//   rounds before redemption = (R2 + R3) ÷ X
//
// Ratios are in thousandths, rounded half to even once, and absent when their
// denominator is 0. Pure: a function of the ledger's state.
#pragma once

#include <optional>

#include "kyoso/ledger/flows.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

struct ProgramMetrics {
  Wide paid_out = 0;  // R1.
  Wide spent = 0;     // R2.
  Wide respent = 0;   // R3.
  Wide redeemed = 0;  // X.
  std::optional<Wide> lm3_milli;
  std::optional<Wide> spend_through_milli;
  std::optional<Wide> leakage_milli;
  std::optional<Wide> rounds_milli;
  friend bool operator==(const ProgramMetrics&, const ProgramMetrics&) = default;
};

// The metrics of `program`'s money ("" for free money) in `currency` over `period`.
// Fails only as Ledger::Flows does (a store error).
StatusOr<ProgramMetrics> ComputeProgramMetrics(const Ledger& ledger, const CurrencyCode& currency,
                                               const Period& period, const ProgramId& program);

}  // namespace kyoso::ledger
