// The keys of the releases column (kyoso/ledger/releases.h; internal to ledger/):
//   'r' release id                  -> the Release
//   'b' currency 0 month (4 bytes)  -> epsilon spent on that month, thousandths (4 bytes)
//   'i' account 0 release id        -> "" (the release includes the account)
// Numbers are big-endian; a month's day number has its sign bit flipped so months sort.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "kyoso/ledger/releases.h"
#include "kyoso/ledger/status.h"
#include "kyoso/ledger/store.h"

namespace kyoso::ledger::release_keys {

inline constexpr char kReleaseTag = 'r';
inline constexpr char kBudgetTag = 'b';
inline constexpr char kIncludedTag = 'i';

std::string Release(std::string_view id);
std::string Budget(std::string_view currency, int32_t month);
std::string Included(std::string_view account, std::string_view id);
std::string EncodeSpent(uint32_t milli);

using PrivacySpent = std::map<std::pair<CurrencyCode, int32_t>, uint32_t>;
// Reads every month's spent budget.
Status LoadPrivacySpent(const Store& store, PrivacySpent* spent);

}  // namespace kyoso::ledger::release_keys
