#include "release_keys.h"

#include "kyoso/ledger/codec.h"

namespace kyoso::ledger::release_keys {

std::string Release(std::string_view id) {
  return std::string(1, kReleaseTag).append(id);
}

std::string Budget(std::string_view currency, int32_t month) {
  std::string key(1, kBudgetTag);
  key.append(currency).push_back('\0');
  keys::AppendDay(month, &key);
  return key;
}

std::string Included(std::string_view account, std::string_view id) {
  std::string key(1, kIncludedTag);
  key.append(account).push_back('\0');
  return key.append(id);
}

std::string EncodeSpent(uint32_t milli) {
  std::string value;
  keys::AppendU32(milli, &value);
  return value;
}

Status LoadPrivacySpent(const Store& store, PrivacySpent* spent) {
  std::string start(1, kBudgetTag), end(1, kBudgetTag + 1);
  Status broken = Status::Ok();
  KYOSO_RETURN_IF_ERROR(store.Scan(
      Column::kReleases, start, end, false, [&](std::string_view key, std::string_view value) {
        size_t zero = key.find('\0', 1);
        if (zero == std::string_view::npos || key.size() != zero + 5 || value.size() != 4) {
          broken = Status::Corruption("unreadable privacy budget record");
          return false;
        }
        int32_t month = keys::ReadDay(key.substr(zero + 1));
        (*spent)[{CurrencyCode(key.substr(1, zero - 1)), month}] = keys::ReadU32(value);
        return true;
      }));
  return broken;
}

}  // namespace kyoso::ledger::release_keys
