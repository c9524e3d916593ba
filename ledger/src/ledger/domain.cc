#include "kyoso/ledger/domain.h"

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/lots.h"

namespace kyoso::ledger {

const ProgramRules* Program::RulesAt(TimeNs at) const {
  const ProgramRules* in_force = nullptr;
  for (const ProgramRules& rules : versions) {
    if (rules.effective_at > at) break;
    in_force = &rules;
  }
  return in_force;
}

Amount BalanceOf(const Account& account) {
  // Balances are checked against int64 whenever lots are added, so this fits.
  return static_cast<Amount>(SumLots(account.lots));
}

}  // namespace kyoso::ledger
