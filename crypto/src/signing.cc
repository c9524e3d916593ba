#include "kyoso/crypto/signing.h"

#include <cassert>
#include <limits>

namespace kyoso::crypto {
namespace {

// Domain tags, each ending in the format's version byte. A new layout gets a new version
// byte, never different bytes under the old one, or old signatures would stop verifying.
constexpr std::string_view kTransferTag = "KYOSO-TRANSFER\x01";
constexpr std::string_view kConsentTag = "KYOSO-CONSENT\x01";

void AppendUint(std::string* out, uint64_t value, int size_bytes) {
  for (int shift = 8 * (size_bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendInt64(std::string* out, int64_t value) {
  // The conversion to uint64_t is defined as modulo 2^64, which is the two's complement.
  AppendUint(out, static_cast<uint64_t>(value), 8);
}

void AppendString(std::string* out, std::string_view value) {
  // Fields are bounded far below 4 GiB by the node's limits; a longer one here is a bug.
  assert(value.size() <= std::numeric_limits<uint32_t>::max());
  AppendUint(out, value.size(), 4);
  out->append(value);
}

}  // namespace

std::string TransferSigningPayload(const SignedTransfer& transfer) {
  std::string payload(kTransferTag);
  AppendString(&payload, transfer.kind);
  AppendString(&payload, transfer.transfer_id);
  AppendString(&payload, transfer.from);
  AppendString(&payload, transfer.to);
  AppendInt64(&payload, transfer.amount_minor);
  AppendString(&payload, transfer.currency);
  AppendString(&payload, transfer.program);
  AppendString(&payload, transfer.ref);
  AppendString(&payload, transfer.memo);
  AppendString(&payload, transfer.terminal);
  AppendInt64(&payload, transfer.not_after_ns);
  return payload;
}

std::string ConsentSigningPayload(std::string_view account, bool consent, int64_t issued_at_ns) {
  std::string payload(kConsentTag);
  AppendString(&payload, account);
  payload.push_back(consent ? '\x01' : '\x00');
  AppendInt64(&payload, issued_at_ns);
  return payload;
}

}  // namespace kyoso::crypto
