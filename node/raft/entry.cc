#include "node/raft/entry.h"

#include <cstring>

#include "kyoso/ledger/codec.h"

namespace kyoso::node {
namespace {

enum class EntryKind : uint8_t { kBatch = 1, kAnnounce = 2 };

void PutU64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

void PutString(std::string_view value, std::string* out) {
  PutU64(value.size(), out);
  out->append(value);
}

// Reads fixed-width fields from the front of `bytes`, failing once anything is short.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool U8(uint8_t* value) {
    if (bytes_.empty()) return false;
    *value = static_cast<uint8_t>(bytes_[0]);
    bytes_.remove_prefix(1);
    return true;
  }
  bool U64(uint64_t* value) {
    if (bytes_.size() < 8) return false;
    *value = 0;
    for (int i = 0; i < 8; ++i) *value = (*value << 8) | static_cast<uint8_t>(bytes_[i]);
    bytes_.remove_prefix(8);
    return true;
  }
  bool String(std::string* value) {
    uint64_t size = 0;
    if (!U64(&size) || size > bytes_.size()) return false;
    value->assign(bytes_.substr(0, size));
    bytes_.remove_prefix(size);
    return true;
  }
  bool Bytes(void* out, size_t size) {
    if (bytes_.size() < size) return false;
    std::memcpy(out, bytes_.data(), size);
    bytes_.remove_prefix(size);
    return true;
  }
  std::string_view rest() const { return bytes_; }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

ledger::Status Malformed(std::string_view what) {
  return ledger::Status::Corruption("malformed " + std::string(what));
}

}  // namespace

void EncodeEntry(const Entry& entry, std::string* out) {
  out->push_back(static_cast<char>(kEntryFormatVersion));
  if (const auto* batch = std::get_if<BatchEntry>(&entry)) {
    out->push_back(static_cast<char>(EntryKind::kBatch));
    PutU64(batch->proposer, out);
    PutU64(batch->proposal, out);
    ledger::EncodeBatch(batch->batch, out);
    return;
  }
  const auto& announce = std::get<AnnounceEntry>(entry);
  out->push_back(static_cast<char>(EntryKind::kAnnounce));
  PutU64(announce.node, out);
  PutString(announce.api_address, out);
}

ledger::StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  Reader in(bytes);
  uint8_t version = 0;
  uint8_t kind = 0;
  if (!in.U8(&version) || version != kEntryFormatVersion) return Malformed("entry version");
  if (!in.U8(&kind)) return Malformed("entry kind");
  if (kind == static_cast<uint8_t>(EntryKind::kBatch)) {
    BatchEntry entry;
    if (!in.U64(&entry.proposer) || !in.U64(&entry.proposal)) return Malformed("batch entry");
    ledger::StatusOr<ledger::Batch> batch = ledger::DecodeBatch(in.rest());
    if (!batch.ok()) return batch.status();
    entry.batch = std::move(batch).value();
    return Entry(std::move(entry));
  }
  if (kind == static_cast<uint8_t>(EntryKind::kAnnounce)) {
    AnnounceEntry entry;
    if (!in.U64(&entry.node) || !in.String(&entry.api_address) || !in.done()) {
      return Malformed("announce entry");
    }
    return Entry(std::move(entry));
  }
  return Malformed("entry kind " + std::to_string(kind));
}

std::string EncodeSnapshotDescription(const SnapshotDescription& description) {
  std::string out;
  out.push_back(static_cast<char>(kEntryFormatVersion));
  PutU64(description.raft_index, &out);
  PutU64(description.ledger_index, &out);
  out.append(reinterpret_cast<const char*>(description.chain_head.data()),
             description.chain_head.size());
  PutU64(description.source, &out);
  PutString(description.source_address, &out);
  PutU64(description.directory.size(), &out);
  for (const auto& [id, address] : description.directory) {
    PutU64(id, &out);
    PutString(address, &out);
  }
  return out;
}

ledger::StatusOr<SnapshotDescription> DecodeSnapshotDescription(std::string_view bytes) {
  Reader in(bytes);
  SnapshotDescription out;
  uint8_t version = 0;
  uint64_t count = 0;
  if (!in.U8(&version) || version != kEntryFormatVersion) return Malformed("snapshot version");
  if (!in.U64(&out.raft_index) || !in.U64(&out.ledger_index) ||
      !in.Bytes(out.chain_head.data(), out.chain_head.size()) || !in.U64(&out.source) ||
      !in.String(&out.source_address) || !in.U64(&count) || count > bytes.size()) {
    return Malformed("snapshot description");
  }
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    std::string address;
    if (!in.U64(&id) || !in.String(&address)) return Malformed("snapshot directory");
    out.directory[id] = std::move(address);
  }
  if (!in.done()) return Malformed("snapshot description (trailing bytes)");
  return out;
}

}  // namespace kyoso::node
