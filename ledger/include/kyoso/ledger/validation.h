// Shape checks of command fields: identifiers, names, limits. Pure functions, used by
// the ledger when it applies a command and by the node to refuse a malformed request
// before it is batched (so a malformed request changes nothing, not even a record).
#pragma once

#include "kyoso/ledger/command.h"

namespace kyoso::ledger {

bool ValidCurrencyCode(std::string_view code);
// "kind:name" with a known kind prefix and name of [a-z0-9._-], at most 64 in all.
bool ValidAccountId(std::string_view id);
std::optional<AccountKind> KindOfAccountId(std::string_view id);
// As an account's name, but never "free" (the flows' name for money of no programme).
bool ValidProgramId(std::string_view id);
// Display names: 1 to kNameLengthMax bytes of printable text.
bool ValidName(std::string_view name);
// District and sector codes: empty or up to 32 of [a-z0-9._-].
bool ValidCode(std::string_view code);
bool ValidBasisPoints(int64_t bps);
bool ValidDuration(TimeNs duration);
ResultCode ValidateRules(const ProgramRules& rules);
// Checks the fields every transfer kind shares: id, amount, memo, terminal, accounts.
ResultCode ValidateTransferShape(const TransferRequest& request);

}  // namespace kyoso::ledger
