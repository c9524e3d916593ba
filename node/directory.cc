#include "node/directory.h"

#include <mutex>

namespace kyoso::node {

void AccountDirectory::Load(const ledger::Ledger& ledger) {
  std::unordered_map<std::string, AccountFacts, Hash, std::equal_to<>> accounts;
  ledger.ForEachAccount([&](const ledger::Account& account) {
    accounts[account.id] = AccountFacts{account.currency, account.owner_key};
  });
  std::unique_lock lock(mutex_);
  accounts_ = std::move(accounts);
}

void AccountDirectory::Observe(const ledger::Batch& batch, const ledger::BatchResult& result) {
  std::unique_lock<std::shared_mutex> lock;
  for (size_t i = 0; i < batch.commands.size(); ++i) {
    if (result.results[i].code != ledger::ResultCode::kOk) continue;
    const ledger::Command& command = batch.commands[i];
    bool names_accounts = std::holds_alternative<ledger::CreateAccount>(command) ||
                          std::holds_alternative<ledger::CreateCurrency>(command) ||
                          std::holds_alternative<ledger::RotateOwnerKey>(command);
    if (!names_accounts) continue;  // Transfers, the bulk of batches, take no lock.
    if (!lock.owns_lock()) lock = std::unique_lock(mutex_);
    if (const auto* account = std::get_if<ledger::CreateAccount>(&command)) {
      accounts_[account->id] = AccountFacts{account->currency, account->owner_key};
    } else if (const auto* rotation = std::get_if<ledger::RotateOwnerKey>(&command)) {
      accounts_[rotation->id].owner_key = rotation->owner_key;
    } else if (const auto* currency = std::get_if<ledger::CreateCurrency>(&command)) {
      accounts_[currency->issuer_account] = AccountFacts{currency->code, ""};
      accounts_[currency->fee_account] = AccountFacts{currency->code, ""};
    }
  }
}

std::optional<AccountFacts> AccountDirectory::Find(std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kyoso::node
