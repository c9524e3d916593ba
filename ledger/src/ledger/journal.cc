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
