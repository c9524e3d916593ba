// AccountDirectory: what the node's request path needs to know of accounts before a
// command is batched: each account's currency and the wallet key registered for it.
//
// It mirrors the ledger: loaded from it at start, then updated on the apply thread after
// every applied batch, so a signature is checked against the key the ledger holds.
// Thread-safety: all methods may be called from any thread (a shared mutex).
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "kyoso/ledger/ledger.h"

namespace kyoso::node {

struct AccountFacts {
  std::string currency;
  std::string owner_key;  // Raw Ed25519 public key; empty when none is registered.
};

class AccountDirectory {
 public:
  // Replaces the contents with every account of `ledger`.
  void Load(const ledger::Ledger& ledger);
  // Records the accounts that `batch` created and the wallet keys it replaced (with their
  // ok results).
  void Observe(const ledger::Batch& batch, const ledger::BatchResult& result);
  std::optional<AccountFacts> Find(std::string_view id) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, AccountFacts, Hash, std::equal_to<>> accounts_;
};

}  // namespace kyoso::node
