#include "release_keys.h"

namespace kyoso::ledger::release_keys {
namespace {

void AppendU32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

uint32_t ReadU32(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

}  // namespace

std::string Release(std::string_view id) {
  return std::string(1, kReleaseTag).append(id);
}

std::string Budget(std::string_view currency, int32_t month) {
  std::string key(1, kBudgetTag);
  key.append(currency).push_back('\0');
  AppendU32(static_cast<uint32_t>(month) ^ 0x8000'0000u, &key);
  return key;
}

std::string Included(std::string_view account, std::string_view id) {
  std::string key(1, kIncludedTag);
  key.append(account).push_back('\0');
  return key.append(id);
}

std::string EncodeSpent(uint32_t milli) {
  std::string value;
  AppendU32(milli, &value);
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
        auto month = static_cast<int32_t>(ReadU32(key.substr(zero + 1)) ^ 0x8000'0000u);
        (*spent)[{CurrencyCode(key.substr(1, zero - 1)), month}] = ReadU32(value);
        return true;
      }));
  return broken;
}

}  // namespace kyoso::ledger::release_keys
