// The payment-request URI: the text a merchant's terminal shows (as a QR code) and a
// resident's wallet pays. One codec for the node, which writes it, and the wallet,
// which reads it, so the two cannot drift apart.
//
//   kyoso:pay?id=<32 hex>&to=<merchant>&amount=<minor>&currency=<code>&not_after=<ns>
//            [&memo=…][&terminal=…][&hold_ms=…]
//
// Values are percent-encoded (RFC 3986; ':' is left as is). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kyoso::crypto {

struct PaymentRequestUri {
  std::string transfer_id;  // 32 lowercase hex: the wallet pays under this id.
  std::string merchant;     // "to"
  int64_t amount_minor = 0;
  std::string currency;
  int64_t not_after_ns = 0;  // The request's expiry; signed with the payment.
  std::string memo;
  std::string terminal;
  int64_t hold_timeout_ms = 0;  // Non-zero: a charge, paid with a hold (Terminal.Authorize).
};

// nullopt unless `uri` is a well-formed request: the scheme and path above, every
// required field once, a valid transfer id, a positive amount, and no unknown or
// repeated field (a field this reader does not know might change what is being paid).
std::optional<PaymentRequestUri> ParsePaymentRequestUri(std::string_view uri);
std::string FormatPaymentRequestUri(const PaymentRequestUri& request);

}  // namespace kyoso::crypto
