// Journal: every applied batch as the ledger keeps it for audit, and the check that an
// exported journal is one unbroken hash chain.
//
// After each batch, head = SHA-256(previous head ‖ encoded batch ‖ encoded results)
// (docs/ledger.md, Hash chain), starting from 32 zero bytes. The journal keeps, per
// batch, the exact bytes that were hashed and the head after them, so anyone holding an
// export can recompute the chain without trusting the node; JournalVerifier does that
// and names the first entry where it breaks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/status.h"

namespace kyoso::ledger {

struct JournalEntry {
  uint64_t index = 0;      // The batch's index (a raft index in a cluster: not contiguous).
  std::string batch;       // EncodeBatch of the batch, exactly as hashed.
  std::string results;     // EncodeResults of its results, exactly as hashed.
  ChainHead chain_head{};  // The head after this batch.
};

// The head after a batch whose encodings are `batch_bytes` and `result_bytes`.
ChainHead NextChainHead(const ChainHead& previous, std::string_view batch_bytes,
                        std::string_view result_bytes);

// The value stored per batch (the index is the key): the two encodings, each
// length-prefixed, then the head. Takes views so the apply path copies nothing.
void EncodeJournalValue(std::string_view batch, std::string_view results, const ChainHead& head,
                        std::string* out);
StatusOr<JournalEntry> DecodeJournalValue(uint64_t index, std::string_view bytes);

// Checks a journal entry by entry, from the start of the ledger (a zero head).
class JournalVerifier {
 public:
  // nullopt when `entry` continues the chain; otherwise what is wrong with it. After a
  // break the verifier stays broken (later entries cannot be trusted either).
  std::optional<std::string> Add(const JournalEntry& entry);
  const ChainHead& head() const { return head_; }
  uint64_t entries() const { return entries_; }

 private:
  ChainHead head_{};
  uint64_t last_index_ = 0;
  uint64_t entries_ = 0;
  bool broken_ = false;
};

}  // namespace kyoso::ledger
