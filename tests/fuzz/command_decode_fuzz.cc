// Fuzz target: the ledger's durable encodings (docs/ledger.md), as read back from RocksDB
// and from raft entries, and journal entries (what an audit export carries). Any bytes must decode
// to a value or to an error, never crash, hang or read out of bounds; a batch that decodes encodes
// back to bytes that decode to the same batch.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/journal.h"

namespace {

using namespace kyoso::ledger;

void CheckBatchRoundTrip(std::string_view bytes) {
  StatusOr<Batch> batch = DecodeBatch(bytes);
  if (!batch.ok()) return;
  std::string again;
  EncodeBatch(*batch, &again);
  StatusOr<Batch> decoded = DecodeBatch(again);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(decoded->index == batch->index && decoded->timestamp == batch->timestamp);
  FUZZ_CHECK(decoded->commands == batch->commands);
}

void CheckResultsRoundTrip(std::string_view bytes) {
  StatusOr<std::vector<CommandResult>> results = DecodeResults(bytes);
  if (!results.ok()) return;
  std::string again;
  EncodeResults(*results, &again);
  StatusOr<std::vector<CommandResult>> decoded = DecodeResults(again);
  FUZZ_CHECK(decoded.ok() && *decoded == *results);
}

void CheckJournalRoundTrip(std::string_view bytes) {
  StatusOr<JournalEntry> entry = DecodeJournalValue(7, bytes);
  if (!entry.ok()) return;
  std::string again;
  EncodeJournalValue(entry->batch, entry->results, entry->chain_head, &again);
  StatusOr<JournalEntry> decoded = DecodeJournalValue(7, again);
  FUZZ_CHECK(decoded.ok() && decoded->batch == entry->batch && decoded->results == entry->results &&
             decoded->chain_head == entry->chain_head);
  (void)JournalVerifier().Add(*entry);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckBatchRoundTrip(bytes);
  CheckResultsRoundTrip(bytes);
  CheckJournalRoundTrip(bytes);
  (void)DecodeCommand(bytes);
  (void)DecodeTransferRecord(bytes);
  (void)DecodeAccount(bytes);
  (void)DecodeCurrency(bytes);
  (void)DecodeProgram(bytes);
  (void)DecodeRates(bytes);
  (void)DecodeHistoryValue(bytes);
  return 0;
}
