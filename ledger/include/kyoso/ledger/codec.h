// Durable encodings: commands, batches, records and the keys they are stored under.
//
// Every encoded value starts with a format version byte (kFormatVersion), so a later
// release can read what an earlier one wrote. Integers are LEB128 varints (signed ones
// zig-zagged); strings and lists are length-prefixed; 128-bit ids are 16 big-endian bytes.
// Each type has one Serialize(archive, value) function that both Writer and Reader use,
// so encoding and decoding cannot drift apart. Keys are big-endian so that byte order is
// numeric order. Decoding never trusts its input: every length is bounded by what is
// left, every enum is range-checked, and trailing bytes are an error.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/status.h"

namespace kyoso::ledger {

// The version byte that starts every encoded value and the meta record of a store.
inline constexpr uint8_t kFormatVersion = 1;

// Values: each Encode appends to *out; each Decode reads exactly one whole value.
void EncodeBatch(const Batch& batch, std::string* out);
StatusOr<Batch> DecodeBatch(std::string_view bytes);
void EncodeCommand(const Command& command, std::string* out);
StatusOr<Command> DecodeCommand(std::string_view bytes);
void EncodeResults(const std::vector<CommandResult>& results, std::string* out);
StatusOr<std::vector<CommandResult>> DecodeResults(std::string_view bytes);

void EncodeCurrency(const Currency& value, std::string* out);
StatusOr<Currency> DecodeCurrency(std::string_view bytes);
void EncodeAccount(const Account& value, std::string* out);
StatusOr<Account> DecodeAccount(std::string_view bytes);
void EncodeProgram(const Program& value, std::string* out);
StatusOr<Program> DecodeProgram(std::string_view bytes);
void EncodeRates(const std::vector<ExchangeRate>& value, std::string* out);
StatusOr<std::vector<ExchangeRate>> DecodeRates(std::string_view bytes);
void EncodeTransferRecord(const TransferRecord& value, std::string* out);
StatusOr<TransferRecord> DecodeTransferRecord(std::string_view bytes);
void EncodeTransferRequest(const TransferRequest& value, std::string* out);
void EncodeRelease(const Release& value, std::string* out);
StatusOr<Release> DecodeRelease(std::string_view bytes);
void EncodeHistoryValue(const HistoryEntry& value, std::string* out);
// The account and sequence number come from the key.
StatusOr<HistoryEntry> DecodeHistoryValue(std::string_view bytes);

// Keys.
namespace keys {
inline constexpr std::string_view kFormat = "format";
// Present when the store has kept the money in circulation since its first batch (every
// store written since that book exists); an older store is refused at open.
inline constexpr std::string_view kCirculation = "circulation";
// Present when the store has kept the current day's flow records as a log of one value
// per batch (flow_book.h) since its first batch; a store that kept one key per record
// is refused at open.
inline constexpr std::string_view kFlowDayLog = "flow_day_log";
inline constexpr std::string_view kAppliedIndex = "applied_index";
inline constexpr std::string_view kChainHead = "chain_head";
inline constexpr std::string_view kNextSeq = "next_seq";
inline constexpr std::string_view kLastTimestamp = "last_timestamp";

// Column kState holds several record types, told apart by a one-byte tag.
inline constexpr char kCurrencyTag = 'c';
inline constexpr char kAccountTag = 'a';
inline constexpr char kProgramTag = 'p';
inline constexpr char kRateTag = 'r';

std::string Currency(std::string_view code);
std::string Account(std::string_view id);
std::string Program(std::string_view id);
std::string Rate(std::string_view from, std::string_view to);
std::string Transfer(const TransferId& id);
// The same key in a fixed-size buffer, for point reads that should not allocate.
using TransferKey = std::array<char, 16>;
TransferKey TransferKeyOf(const TransferId& id);
void AppendTransfer(const TransferId& id, std::string* out);
StatusOr<TransferId> ParseTransfer(std::string_view key);
// History: account id, a 0 byte (never in an id), then the sequence number.
std::string History(std::string_view account, uint64_t seq);
void AppendHistory(std::string_view account, uint64_t seq, std::string* out);
StatusOr<uint64_t> ParseHistorySeq(std::string_view key);
// Holds: expiry time, then the transfer id, so a scan yields them by expiry.
std::string Hold(TimeNs expires_at, const TransferId& id);
StatusOr<std::pair<TimeNs, TransferId>> ParseHold(std::string_view key);
// Batches: the first timestamp of a batch's entries.
std::string BatchStart(TimeNs first_timestamp);
StatusOr<TimeNs> ParseBatchStart(std::string_view key);
// Its value: the batch's first sequence number, how many it stamped, and its index (the
// journal's key). Values written before the index was kept have none (index 0).
struct BatchSpan {
  uint64_t first_seq = 0;
  uint64_t count = 0;
  uint64_t index = 0;
};
std::string BatchSpanValue(const BatchSpan& span);
StatusOr<BatchSpan> ParseBatchSpan(std::string_view value);

// Unsigned numbers as 8 big-endian bytes, and back.
std::string U64(uint64_t value);
StatusOr<uint64_t> ParseU64(std::string_view bytes);
// The pieces keys of other columns are made of: big-endian numbers (the Read functions
// take at least as many bytes as they read), and a day number (days since 1970-01-01)
// in 4 bytes with its sign bit flipped, so that days sort in order.
void AppendU64(uint64_t value, std::string* out);
uint64_t ReadU64(std::string_view bytes);
void AppendU32(uint32_t value, std::string* out);
uint32_t ReadU32(std::string_view bytes);
void AppendDay(int32_t day, std::string* out);
int32_t ReadDay(std::string_view bytes);
}  // namespace keys

}  // namespace kyoso::ledger
