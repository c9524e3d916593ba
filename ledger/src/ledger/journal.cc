#include "kyoso/ledger/journal.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "kyoso/ledger/codec.h"

namespace kyoso::ledger {
namespace {

std::string Hex(const ChainHead& head) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : head) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

// The length-prefixed fields of a journal value, after the format byte.
bool ReadField(std::string_view* bytes, std::string* out) {
  uint64_t length = 0;
  int shift = 0;
  while (true) {
    if (bytes->empty() || shift > 63) return false;
    auto byte = static_cast<uint8_t>(bytes->front());
    bytes->remove_prefix(1);
    length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  if (length > bytes->size()) return false;
  out->assign(bytes->substr(0, length));
  bytes->remove_prefix(length);
  return true;
}

void WriteField(std::string_view field, std::string* out) {
  uint64_t length = field.size();
  while (length >= 0x80) {
    out->push_back(static_cast<char>((length & 0x7f) | 0x80));
    length >>= 7;
  }
  out->push_back(static_cast<char>(length));
  out->append(field);
}

}  // namespace

ChainHead NextChainHead(const ChainHead& previous, std::string_view batch_bytes,
                        std::string_view result_bytes) {
  ChainHead head{};
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  unsigned int size = 0;
  bool ok = context != nullptr && EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(context, previous.data(), previous.size()) == 1 &&
            EVP_DigestUpdate(context, batch_bytes.data(), batch_bytes.size()) == 1 &&
            EVP_DigestUpdate(context, result_bytes.data(), result_bytes.size()) == 1 &&
            EVP_DigestFinal_ex(context, head.data(), &size) == 1;
  EVP_MD_CTX_free(context);
  // SHA-256 of bytes in memory cannot fail short of the library being broken.
  if (!ok || size != head.size()) std::abort();
  return head;
}

void EncodeJournalValue(const JournalEntry& entry, std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  WriteField(entry.batch, out);
  WriteField(entry.results, out);
  out->append(reinterpret_cast<const char*>(entry.chain_head.data()), entry.chain_head.size());
}

StatusOr<JournalEntry> DecodeJournalValue(uint64_t index, std::string_view bytes) {
  JournalEntry entry;
  entry.index = index;
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kFormatVersion) {
    return Status::Corruption("journal entry " + std::to_string(index) + ": unknown format");
  }
  bytes.remove_prefix(1);
  if (!ReadField(&bytes, &entry.batch) || !ReadField(&bytes, &entry.results) ||
      bytes.size() != entry.chain_head.size()) {
    return Status::Corruption("journal entry " + std::to_string(index) + ": malformed");
  }
  std::copy(bytes.begin(), bytes.end(), entry.chain_head.begin());
  return entry;
}

std::optional<std::string> JournalVerifier::Add(const JournalEntry& entry) {
  std::string where = "batch " + std::to_string(entry.index) + ": ";
  if (broken_) return where + "follows a break";
  broken_ = true;
  if (entry.index <= last_index_) {
    return where + "does not follow batch " + std::to_string(last_index_);
  }
  StatusOr<Batch> batch = DecodeBatch(entry.batch);
  if (!batch.ok()) return where + "its batch does not decode (" + batch.status().message() + ")";
  if (batch->index != entry.index) {
    return where + "its batch says index " + std::to_string(batch->index);
  }
  StatusOr<std::vector<CommandResult>> results = DecodeResults(entry.results);
  if (!results.ok() || results->size() != batch->commands.size()) {
    return where + "its results do not decode to one per command";
  }
  ChainHead recomputed = NextChainHead(head_, entry.batch, entry.results);
  if (recomputed != entry.chain_head) {
    return where + "the recorded head " + Hex(entry.chain_head) + " is not the recomputed " +
           Hex(recomputed);
  }
  head_ = recomputed;
  last_index_ = entry.index;
  ++entries_;
  broken_ = false;
  return std::nullopt;
}

}  // namespace kyoso::ledger
