// Reads every column of a Store into memory, for comparing two stores byte for byte.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kyoso/ledger/store.h"

namespace kyoso::testing {

using StoreDump = std::vector<std::vector<std::pair<std::string, std::string>>>;

inline StoreDump DumpStore(const ledger::Store& store) {
  StoreDump dump(ledger::kColumnCount);
  for (int c = 0; c < ledger::kColumnCount; ++c) {
    ledger::Status status = store.Scan(static_cast<ledger::Column>(c), "", "", false,
                                       [&](std::string_view key, std::string_view value) {
                                         dump[c].emplace_back(key, value);
                                         return true;
                                       });
    if (!status.ok()) dump[c].emplace_back("<scan failed>", status.ToString());
  }
  return dump;
}

}  // namespace kyoso::testing
