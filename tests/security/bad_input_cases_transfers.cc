// The catalogue's transfers: amounts, currencies, accounts, ids, sizes and encodings,
// signatures; and roles and bindings (see bad_input_fixture.h).
#include "bad_input_fixture.h"

namespace kyoso::testing {

using v1::Money;
using v1::Terminal;

std::vector<Case> BadInputTest::TransferCases() {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  return {
      // Amounts.
      {"negative amount", PurchaseWith([](auto* x) { x->set_amount_minor(-5); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: amount_not_positive"},
      {"zero amount", PurchaseWith([](auto* x) { x->set_amount_minor(0); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: amount_not_positive"},
      {"most negative amount", PurchaseWith([](auto* x) { x->set_amount_minor(INT64_MIN); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: amount_not_positive"},
      // Currencies.
      {"unknown currency", PurchaseWith([](auto* x) { x->set_currency("NOPE"); }),
       StatusCode::INVALID_ARGUMENT,
       "transfer.currency is NOPE but account mch:bakery holds BUNJI"},
      {"lower-case currency", PurchaseWith([](auto* x) { x->set_currency("bunji"); }),
       StatusCode::INVALID_ARGUMENT, "transfer.currency must be the payer's currency code"},
      {"empty currency", PurchaseWith([](auto* x) { x->set_currency(""); }),
       StatusCode::INVALID_ARGUMENT, "transfer.currency"},
      {"currency of 9 letters", PurchaseWith([](auto* x) { x->set_currency("BUNJIBUNJ"); }),
       StatusCode::INVALID_ARGUMENT, "transfer.currency"},
      // Accounts.
      {"payer without a kind",
       [this] {
         return AnswerOf(
             town_->Send(&Money::Stub::Issue, town_->NewTransfer("bunji", "res:bob", 1)));
       },
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: invalid_account_id"},
      {"payee without a kind", PurchaseWith([](auto* x) { x->set_to("farm"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"payee in capitals", PurchaseWith([](auto* x) { x->set_to("prd:FARM"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"payee id of 65 bytes",
       PurchaseWith([](auto* x) { x->set_to("prd:" + std::string(61, 'f')); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"paying oneself", PurchaseWith([](auto* x) { x->set_to("mch:bakery"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: same_account"},
      {"payer that does not exist (bound certificate)",
       PurchaseWith([](auto* x) { x->set_from("mch:nobody"); }), StatusCode::PERMISSION_DENIED,
       "bound to mch:bakery"},
      // Transfer ids.
      {"empty id", PurchaseWith([](auto* x) { x->set_id(""); }), StatusCode::INVALID_ARGUMENT,
       "transfer.id"},
      {"id not hex", PurchaseWith([](auto* x) { x->set_id(std::string(32, 'z')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id"},
      {"id of 15 bytes", PurchaseWith([](auto* x) { x->set_id(std::string(30, 'a')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id"},
      {"id of zeros", PurchaseWith([](auto* x) { x->set_id(std::string(32, '0')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id must be 32 hexadecimal characters, not all zero"},
      {"ref not hex", PurchaseWith([](auto* x) { x->set_ref("ref"); }),
       StatusCode::INVALID_ARGUMENT, "transfer.ref"},
      // Text sizes and encodings.
      {"memo of 141 bytes", PurchaseWith([](auto* x) { x->set_memo(std::string(141, 'm')); }),
       StatusCode::INVALID_ARGUMENT, "memo_too_long"},
      {"memo of 5,000 bytes", PurchaseWith([](auto* x) { x->set_memo(std::string(5'000, 'm')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.memo is 5000 bytes; a field may hold at most 1024"},
      {"terminal id of 65 bytes",
       PurchaseWith([](auto* x) { x->set_terminal(std::string(65, 't')); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"programme id of 2,000 bytes",
       PurchaseWith([](auto* x) { x->set_program(std::string(2'000, 'p')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.program is 2000 bytes"},
      {"memo not UTF-8", [this] { return PurchaseWithRawMemo("\xff\xfe\xfd"); },
       StatusCode::UNIMPLEMENTED, ""},
      {"memo with a lone surrogate", [this] { return PurchaseWithRawMemo("\xed\xa0\x80"); },
       StatusCode::UNIMPLEMENTED, ""},
      {"memo with an overlong slash", [this] { return PurchaseWithRawMemo("\xc0\xaf"); },
       StatusCode::UNIMPLEMENTED, ""},
      {"hold timeout negative",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "mch:bakery", 100);
         x.set_hold_timeout_ms(-1);
         town_->Sign(&x, "hold");
         return AnswerOf(As("bakery")->SendTerminal(&Terminal::Stub::Authorize, x));
       },
       StatusCode::INVALID_ARGUMENT, "transfer.hold_timeout_ms"},
      {"hold timeout of 8 days",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "mch:bakery", 100);
         x.set_hold_timeout_ms(8LL * 24 * 3600 * 1000);
         town_->Sign(&x, "hold");
         return AnswerOf(As("bakery")->SendTerminal(&Terminal::Stub::Authorize, x));
       },
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: invalid_timeout"},
      {"hold timeout that overflows nanoseconds",
       PurchaseWith([kMax](auto* x) { x->set_hold_timeout_ms(kMax); }),
       StatusCode::INVALID_ARGUMENT, "transfer.hold_timeout_ms is negative or too large"},
      // Signatures.
      {"payment without a signature",
       [this] { return PayAsAlice(town_->NewTransfer("res:alice", "mch:bakery", 100)); },
       StatusCode::UNAUTHENTICATED, "needs the resident's wallet signature"},
      {"random signature", PaymentWith([](auto* x) { x->set_signature(std::string(64, 'r')); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"signature of 63 bytes",
       PaymentWith([](auto* x) { x->set_signature(std::string(63, 'r')); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"amount raised after signing", PaymentWith([](auto* x) { x->set_amount_minor(9'000); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"payee changed after signing", PaymentWith([](auto* x) { x->set_to("mch:grocer"); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"signed by bob's key for alice's money",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:bob", "mch:bakery", 100);
         town_->Sign(&x, "payment");
         x.set_from("res:alice");
         return PayAsAlice(x);
       },
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"signed as a payment, sent as a cash-out",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "iss:bunji", 100);
         town_->Sign(&x, "payment");
         return AnswerOf(As("alice")->Send(&Money::Stub::CashOut, x));
       },
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"expiry moved into the past after signing",
       PaymentWith([](auto* x) { x->set_not_after_ns(1); }), StatusCode::FAILED_PRECONDITION,
       "the payment request has expired"},
      {"expired payment request, signed as such",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "mch:bakery", 100);
         x.set_not_after_ns(1'000'000'000);
         town_->Sign(&x, "payment");
         return PayAsAlice(x);
       },
       StatusCode::FAILED_PRECONDITION, "the payment request has expired"},
  };
}

std::vector<Case> BadInputTest::RoleCases() {
  return {
      // Roles and bindings.
      {"a merchant issues money",
       [this] {
         return AnswerOf(As("bakery")->Send(&Money::Stub::Issue,
                                            town_->NewTransfer("iss:bunji", "mch:bakery", 1)));
       },
       StatusCode::PERMISSION_DENIED, "may not call"},
      {"a resident pays from another resident's account",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:bob", "mch:bakery", 100);
         town_->Sign(&x, "payment");
         return PayAsAlice(x);
       },
       StatusCode::PERMISSION_DENIED, "bound to res:alice"},
      {"a merchant captures into another merchant's account",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "mch:grocer", 100);
         return AnswerOf(As("bakery")->SendTerminal(&Terminal::Stub::Capture, x));
       },
       StatusCode::PERMISSION_DENIED, "bound to mch:bakery"},
      {"an auditor pays",
       [this] {
         v1::Transfer x = SignedPayment(100);
         return AnswerOf(As("auditor")->Send(&Money::Stub::Pay, x));
       },
       StatusCode::PERMISSION_DENIED, "may not call"},
      {"an analyst reads an account",
       [this] { return AnswerOf(As("analyst")->GetAccount("res:alice")); },
       StatusCode::PERMISSION_DENIED, "may not call"},
      {"a resident reads another resident",
       [this] { return AnswerOf(As("alice")->GetAccount("res:bob")); },
       StatusCode::PERMISSION_DENIED, "bound to res:alice"},
      {"a programme operator tops up under another programme",
       [this] { return AnswerOf(As("fresh-food")->TopUp("res:alice", 100, "repair-cafe")); },
       StatusCode::PERMISSION_DENIED, "bound to"},
      {"an operator opens an account",
       [this] { return AnswerOf(As("operator")->AddAccount("mch:sneaky")); },
       StatusCode::PERMISSION_DENIED, "may not call"},
      {"a resident rotates its own key",
       [this] {
         v1::RotateOwnerKeyRequest q;
         q.set_id("res:alice");
         q.set_owner_public_key(std::string(32, 'k'));
         return Unary(As("alice")->admin(), &v1::Admin::Stub::RotateOwnerKey, q);
       },
       StatusCode::PERMISSION_DENIED, "may not call"},
      {"a merchant forwards a raw batch as if it were a node",
       [this] {
         v1::ForwardBatchRequest q;
         q.set_batch("not a batch");
         auto stub = v1::Peer::NewStub(Channel("bakery"));
         return Unary(*stub, &v1::Peer::Stub::ForwardBatch, q);
       },
       StatusCode::PERMISSION_DENIED, "may not call"},
  };
}

}  // namespace kyoso::testing
