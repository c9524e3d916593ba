// The keys values are stored under (declared in kyoso/ledger/codec.h, namespace keys):
// big-endian, so that byte order is numeric order.
#include "kyoso/ledger/codec.h"

namespace kyoso::ledger {

namespace keys {

void AppendU64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}
uint64_t ReadU64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}
void AppendU32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}
uint32_t ReadU32(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}
void AppendDay(int32_t day, std::string* out) {
  AppendU32(static_cast<uint32_t>(day) ^ 0x8000'0000u, out);
}
int32_t ReadDay(std::string_view bytes) {
  return static_cast<int32_t>(ReadU32(bytes) ^ 0x8000'0000u);
}

namespace {

// Flips the sign bit so that signed times sort as unsigned bytes.
uint64_t OrderedTime(TimeNs t) {
  return static_cast<uint64_t>(t) ^ (uint64_t{1} << 63);
}
TimeNs TimeFromOrdered(uint64_t v) {
  return static_cast<TimeNs>(v ^ (uint64_t{1} << 63));
}

std::string Tagged(char tag, std::string_view name) {
  std::string key(1, tag);
  key.append(name);
  return key;
}

}  // namespace

std::string Currency(std::string_view code) {
  return Tagged(kCurrencyTag, code);
}
std::string Account(std::string_view id) {
  return Tagged(kAccountTag, id);
}
std::string Program(std::string_view id) {
  return Tagged(kProgramTag, id);
}
std::string Rate(std::string_view from, std::string_view to) {
  std::string key = Tagged(kRateTag, from);
  key.push_back('\0');
  key.append(to);
  return key;
}

void AppendTransfer(const TransferId& id, std::string* out) {
  AppendU64(id.hi, out);
  AppendU64(id.lo, out);
}
std::string Transfer(const TransferId& id) {
  std::string key;
  AppendTransfer(id, &key);
  return key;
}
TransferKey TransferKeyOf(const TransferId& id) {
  TransferKey key;
  for (size_t i = 0; i < 8; ++i) {
    key[i] = static_cast<char>(id.hi >> (56 - 8 * i));
    key[8 + i] = static_cast<char>(id.lo >> (56 - 8 * i));
  }
  return key;
}
StatusOr<TransferId> ParseTransfer(std::string_view key) {
  if (key.size() != 16) return Status::Corruption("transfer key: not 16 bytes");
  return TransferId{ReadU64(key.substr(0, 8)), ReadU64(key.substr(8))};
}

std::string History(std::string_view account, uint64_t seq) {
  std::string key;
  AppendHistory(account, seq, &key);
  return key;
}
void AppendHistory(std::string_view account, uint64_t seq, std::string* out) {
  out->append(account);
  out->push_back('\0');
  AppendU64(seq, out);
}
StatusOr<uint64_t> ParseHistorySeq(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') {
    return Status::Corruption("history key: malformed");
  }
  return ReadU64(key.substr(key.size() - 8));
}

std::string Hold(TimeNs expires_at, const TransferId& id) {
  std::string key;
  AppendU64(OrderedTime(expires_at), &key);
  AppendTransfer(id, &key);
  return key;
}
StatusOr<std::pair<TimeNs, TransferId>> ParseHold(std::string_view key) {
  if (key.size() != 24) return Status::Corruption("hold key: not 24 bytes");
  auto id = ParseTransfer(key.substr(8));
  return std::pair{TimeFromOrdered(ReadU64(key.substr(0, 8))), *id};
}

std::string BatchStart(TimeNs first_timestamp) {
  return U64(OrderedTime(first_timestamp));
}
StatusOr<TimeNs> ParseBatchStart(std::string_view key) {
  auto value = ParseU64(key);
  if (!value.ok()) return value.status();
  return TimeFromOrdered(*value);
}
std::string BatchSpanValue(const BatchSpan& span) {
  std::string value;
  AppendU64(span.first_seq, &value);
  AppendU64(span.count, &value);
  AppendU64(span.index, &value);
  return value;
}
StatusOr<BatchSpan> ParseBatchSpan(std::string_view value) {
  if (value.size() != 16 && value.size() != 24) return Status::Corruption("batch span record");
  BatchSpan span{ReadU64(value), ReadU64(value.substr(8)), 0};
  if (value.size() == 24) span.index = ReadU64(value.substr(16));
  if (span.count == 0) return Status::Corruption("batch span record: no entries");
  return span;
}

std::string U64(uint64_t value) {
  std::string out;
  AppendU64(value, &out);
  return out;
}
StatusOr<uint64_t> ParseU64(std::string_view bytes) {
  if (bytes.size() != 8) return Status::Corruption("expected 8 bytes");
  return ReadU64(bytes);
}

}  // namespace keys

}  // namespace kyoso::ledger
