// Fuzz target: what a node reads from its raft log and from a peer's snapshot: raft
// entries (batches, announcements) and snapshot descriptions. Any bytes decode or are
// refused; what decodes encodes back to bytes that decode the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "node/raft/entry.h"

namespace {

using namespace kyoso;

void CheckSnapshot(std::string_view bytes) {
  ledger::StatusOr<node::SnapshotDescription> description = node::DecodeSnapshotDescription(bytes);
  if (!description.ok()) return;
  std::string again = node::EncodeSnapshotDescription(*description);
  ledger::StatusOr<node::SnapshotDescription> decoded = node::DecodeSnapshotDescription(again);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(node::EncodeSnapshotDescription(*decoded) == again);
}

void CheckEntry(std::string_view bytes) {
  ledger::StatusOr<node::Entry> entry = node::DecodeEntry(bytes);
  if (!entry.ok()) return;
  std::string again;
  node::EncodeEntry(*entry, &again);
  ledger::StatusOr<node::Entry> decoded = node::DecodeEntry(again);
  FUZZ_CHECK(decoded.ok());
  std::string third;
  node::EncodeEntry(*decoded, &third);
  FUZZ_CHECK(third == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckSnapshot(bytes);
  CheckEntry(bytes);
  return 0;
}
