// The bad-input catalogue: malformed and hostile requests sent to a real kyoso-node
// serving TLS, each with the error it must get.
//
// Two kinds of refusal. Most are refused at the door (shape, size, signature, role,
// binding, limits): they must change nothing at all, so the node's applied index and
// hash-chain head are the same after each. The rest can only be decided by the ledger
// against the state (insufficient funds, a hold captured twice, a refund above its
// payment, …): the ledger records the refusal as the transfer's first result, so a retry
// under the same id gets the same answer; that record extends the chain, but no balance,
// supply or hold may change, which is what those cases check.
#include "bad_input_fixture.h"
#include "kyoso/crypto/encoding.h"

namespace kyoso::testing {
namespace {

using v1::Money;
using v1::Terminal;

TEST_F(BadInputTest, MalformedAndHostileRequestsAreRefusedAndChangeNothing) {
  std::vector<Case> cases = TransferCases();
  for (std::vector<Case> more : {RoleCases(), BatchAdminAndWireCases()}) {
    cases.insert(cases.end(), more.begin(), more.end());
  }
  ExpectRefusedAtTheDoor(cases);
  EXPECT_EQ(checked_, static_cast<int>(cases.size()));
  EXPECT_GE(checked_, 60);

  // Hostile input reached the log (refusals are logged), secrets did not: no private key,
  // no wallet key, no signature.
  std::string log = node_.log();
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos);
  for (const std::string& secret :
       {town_->key_of("res:alice"), crypto::ToHex(town_->key_of("res:alice")),
        crypto::ToHex(SignedPayment(100).signature())}) {
    EXPECT_EQ(log.find(secret), std::string::npos);
  }
}

TEST_F(BadInputTest, RefusalsOnlyTheLedgerCanDecideMoveNoMoney) {
  // A hold captured once, a payment to refund, and a frozen account to refuse.
  v1::Transfer hold = town_->NewTransfer("res:alice", "mch:bakery", 1'000);
  hold.set_hold_timeout_ms(60'000);
  town_->Sign(&hold, "hold");
  auto bakery = As("bakery");
  ASSERT_TRUE(bakery->SendTerminal(&Terminal::Stub::Authorize, hold).status.ok());
  v1::Transfer capture = town_->NewTransfer("res:alice", "mch:bakery", 600);
  capture.set_ref(hold.id());
  ASSERT_TRUE(bakery->SendTerminal(&Terminal::Stub::Capture, capture).status.ok());
  v1::Transfer payment = SignedPayment(500);
  ASSERT_TRUE(PayAsAlice(payment).status.ok());

  auto terminal = [&bakery](auto method, v1::Transfer t) {
    return [&bakery, method, t] { return AnswerOf(bakery->SendTerminal(method, t)); };
  };
  v1::Transfer capture_again = capture;
  capture_again.set_id(town_->NewTransfer("x:x", "x:x", 1).id());
  v1::Transfer void_after_capture = town_->NewTransfer("res:alice", "mch:bakery", 1);
  void_after_capture.set_ref(hold.id());
  v1::Transfer refund_too_much = town_->NewTransfer("mch:bakery", "res:alice", 501);
  refund_too_much.set_ref(payment.id());
  v1::Transfer refund_of_nothing = town_->NewTransfer("mch:bakery", "res:alice", 1);
  refund_of_nothing.set_ref(town_->NewTransfer("x:x", "x:x", 1).id());
  v1::Transfer changed_body = payment;
  changed_body.set_amount_minor(499);
  town_->Sign(&changed_body, "payment");

  std::vector<Case> cases = {
      {"paying more than the balance", [this] { return PayAsAlice(SignedPayment(1'000'000)); },
       StatusCode::FAILED_PRECONDITION, "insufficient_funds"},
      {"a hold captured twice", terminal(&Terminal::Stub::Capture, capture_again),
       StatusCode::FAILED_PRECONDITION, "hold_not_pending"},
      {"a captured hold voided", terminal(&Terminal::Stub::Void, void_after_capture),
       StatusCode::FAILED_PRECONDITION, "hold_not_pending"},
      {"a refund above its payment", terminal(&Terminal::Stub::Refund, refund_too_much),
       StatusCode::FAILED_PRECONDITION, "refund_exceeds_payment"},
      {"a refund of a transfer that does not exist",
       terminal(&Terminal::Stub::Refund, refund_of_nothing), StatusCode::NOT_FOUND,
       "transfer_not_found"},
      {"a replayed signed payment (its first result, nothing moves again)",
       [this, payment] { return PayAsAlice(payment); }, StatusCode::OK, "ok"},
      {"a transfer id reused with another body",
       [this, changed_body] { return PayAsAlice(changed_body); }, StatusCode::ALREADY_EXISTS,
       "duplicate_id_different_body"},
      {"paying an account that does not exist",
       [this] { return PayAsAlice(SignedPayment(10, "mch:nobody")); }, StatusCode::NOT_FOUND,
       "account_not_found"},
      {"a resident paying another resident",
       [this] { return PayAsAlice(SignedPayment(10, "res:bob")); }, StatusCode::INVALID_ARGUMENT,
       "account_kind_mismatch"},
  };
  ExpectRefusedByTheLedger(cases);

  // Bob holds all an amount can: one more would overflow his balance.
  ASSERT_TRUE(town_->Issue("res:bob", std::numeric_limits<int64_t>::max()).status.ok());
  ExpectRefusedByTheLedger({{"issuing past what a balance can hold",
                             [this] { return AnswerOf(town_->Issue("res:bob", 1)); },
                             StatusCode::OUT_OF_RANGE, "overflow"}});

  // Frozen: nothing moves out, and the refusal is the account's state, not its shape.
  v1::SetAccountStatusRequest freeze;
  freeze.set_id("res:alice");
  freeze.set_status(v1::ACCOUNT_STATUS_FROZEN);
  ASSERT_TRUE(Unary(town_->admin(), &v1::Admin::Stub::SetAccountStatus, freeze).status.ok());
  ExpectRefusedByTheLedger(
      {{"paying from a frozen account", [this] { return PayAsAlice(SignedPayment(10)); },
        StatusCode::FAILED_PRECONDITION, "account_frozen"}});
  EXPECT_EQ(checked_, 11);
}

}  // namespace
}  // namespace kyoso::testing
