// The canonical bytes a resident's wallet signs and the node verifies.
//
// These payloads are a durable format: signatures made by today's wallets must verify on
// tomorrow's nodes. Each payload starts with a domain tag that names what is signed and a
// version byte, so a signature over one kind of payload can never be replayed as another,
// and a changed layout gets a new version rather than silently new bytes. Fields are
// length-prefixed, so no two different field lists produce the same bytes. The payload
// functions are pure and safe to call from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kyoso::crypto {

// What a resident signs to move their money. Every field is what goes on the wire.
struct SignedTransfer {
  std::string kind;         // "payment", "hold", "cash_out", "exchange", "correction", ...
  std::string transfer_id;  // 32 lowercase hex characters
  std::string from;
  std::string to;
  int64_t amount_minor = 0;
  std::string currency;
  std::string program;
  std::string ref;  // referenced transfer id (hex) or empty
  std::string memo;
  std::string terminal;
  int64_t not_after_ns = 0;  // payment-request expiry; 0 none
};

// "KYOSO-TRANSFER\x01" then each field in the order above: strings as 4-byte big-endian
// length + bytes, integers as 8-byte big-endian two's complement. The payload does not
// check the fields' contents; the node validates those separately. No field may be 4 GiB
// or longer (asserted).
[[nodiscard]] std::string TransferSigningPayload(const SignedTransfer& transfer);

// Consent change: "KYOSO-CONSENT\x01", account (length-prefixed), consent byte (0/1),
// issued_at_ns (8 bytes BE).
[[nodiscard]] std::string ConsentSigningPayload(std::string_view account, bool consent,
                                                int64_t issued_at_ns);

}  // namespace kyoso::crypto
