// The invariant checker run after every batch of property, equivalence and crash tests
// (after logcabin's RaftConsensusInvariants: checkBasic, then checkDelta against the
// previous snapshot).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kyoso/ledger/ledger.h"

namespace kyoso::testing {

class InvariantChecker {
 public:
  // Checks `ledger` now; returns the violations found (empty when all hold). `holds`
  // are ids of transfers that may be holds: pending ones must add up to each currency's
  // held total.
  std::vector<std::string> Check(const ledger::Ledger& ledger,
                                 const std::vector<ledger::TransferId>& holds = {});

 private:
  uint64_t last_applied_index_ = 0;
  uint64_t last_seq_ = 0;
};

// Every result of a batch that replays an earlier transfer (same id, same body) must
// be a duplicate carrying the first result. Returns violations.
struct FirstOutcome {
  ledger::TransferRequest request;
  ledger::CommandResult result;
};
std::vector<std::string> CheckReplays(const ledger::Batch& batch,
                                      const std::vector<ledger::CommandResult>& results,
                                      std::map<ledger::TransferId, FirstOutcome>* first);

// Money in circulation (Ledger::MoneyInCirculation) must be what residents, merchants
// and producers hold, per currency and programme of the money. Returns violations.
std::vector<std::string> CirculationViolations(const ledger::Ledger& ledger);

std::string Hex(const ledger::ChainHead& head);

}  // namespace kyoso::testing
