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
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "support/certificates.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using v1::Money;
using v1::Terminal;

// What a request got: its status and, for refusals decided by the ledger, the result.
struct Answer {
  grpc::Status status;
  std::string result;
};

template <typename Reply>
Answer AnswerOf(const Call<Reply>& call) {
  return {call.status, call.outcome.result_name()};
}

struct Case {
  std::string name;
  std::function<Answer()> send;
  grpc::StatusCode code;
  std::string says;  // A part of the status message (door) or the result name (ledger).
};

// Where the node stands: what a door refusal must leave exactly as it was.
struct Position {
  uint64_t applied_index = 0;
  std::string chain_head;
  bool operator==(const Position&) const = default;
};

// What no refusal may change: every balance and the supply.
struct Books {
  std::vector<int64_t> balances;
  std::string supply;
  std::string held;
  bool operator==(const Books&) const = default;
};

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certificates_.ok()) << certificates_.error();
    node_.set_channel_credentials(certificates_.Credentials("issuer"));
    ASSERT_TRUE(node_.Start()) << node_.log();
    town_ = std::make_unique<TownClient>(node_.channel());
    ASSERT_TRUE(town_->SetUpTown());
    ASSERT_TRUE(town_->TopUp("res:alice", 10'000).status.ok());
    ASSERT_TRUE(town_->Issue("mch:bakery", 5'000).status.ok());
  }

  std::unique_ptr<TownClient> As(const std::string& certificate) {
    return std::make_unique<TownClient>(certificates_.Channel(node_.address(), certificate));
  }

  Position Where() {
    auto status = town_->Status();
    EXPECT_TRUE(status.status.ok()) << status.status.error_message();
    return {status.reply.applied_index(), status.reply.chain_head_hex()};
  }

  Books ReadBooks() {
    Books books;
    for (const char* id : {"res:alice", "res:bob", "mch:bakery", "mch:grocer", "prd:farm",
                           "iss:bunji", "fee:bunji"}) {
      books.balances.push_back(town_->Balance(id));
    }
    auto currency = town_->GetCurrency(kBunji);
    books.supply = currency.reply.supply_minor();
    books.held = currency.reply.held_minor();
    return books;
  }

  // A payment from alice signed with her key, sent over her wallet's certificate.
  v1::Transfer SignedPayment(int64_t amount, const std::string& to = "mch:bakery") {
    v1::Transfer t = town_->NewTransfer("res:alice", to, amount);
    town_->Sign(&t, "payment");
    return t;
  }
  Answer PayAsAlice(const v1::Transfer& t) {
    return AnswerOf(As("alice")->Send(&Money::Stub::Pay, t));
  }
  Answer PurchaseAsBakery(const v1::Transfer& t) {
    return AnswerOf(As("bakery")->Send(&Money::Stub::Purchase, t));
  }
  v1::Transfer Purchase(int64_t amount) {
    return town_->NewTransfer("mch:bakery", "prd:farm", amount);
  }

  // Sends `bytes` as the request of `method` as it is, bypassing the generated stubs.
  Answer Raw(const std::string& method, const std::string& bytes) {
    return {CallRaw(certificates_.Channel(node_.address(), "bakery"), method, bytes), ""};
  }
  // A purchase whose memo holds `memo_bytes` (not valid UTF-8), written by hand.
  Answer PurchaseWithRawMemo(const std::string& memo_bytes) {
    v1::TransferRequest request;
    *request.mutable_transfer() = Purchase(10);
    request.mutable_transfer()->set_memo(std::string(memo_bytes.size(), '#'));
    std::string bytes = request.SerializeAsString();
    bytes.replace(bytes.find(std::string(memo_bytes.size(), '#')), memo_bytes.size(), memo_bytes);
    return Raw("/kyoso.v1.Money/Purchase", bytes);
  }

  template <typename Request, typename Reply, typename Stub>
  static Answer Unary(Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
                      const Request& request) {
    grpc::ClientContext context;
    SetTestDeadline(&context);
    Reply reply;
    grpc::Status status = (stub.*method)(&context, request, &reply);
    return {status, OutcomeFromMetadata(context).result_name()};
  }

  // Checks each case: its code and message, and that the node did not move.
  void ExpectRefusedAtTheDoor(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      Position before = Where();
      Books books = ReadBooks();
      Answer answer = c.send();
      EXPECT_EQ(answer.status.error_code(), c.code)
          << c.name << ": " << answer.status.error_message();
      EXPECT_NE(answer.status.error_message().find(c.says), std::string::npos)
          << c.name << ": expected \"" << c.says << "\" in \"" << answer.status.error_message()
          << "\"";
      EXPECT_EQ(Where(), before) << c.name << " moved the chain";
      EXPECT_EQ(ReadBooks(), books) << c.name << " moved money";
      ++checked_;
    }
  }
  // Checks each case: its status and ledger result, and that no money moved.
  void ExpectRefusedByTheLedger(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      Books books = ReadBooks();
      Answer answer = c.send();
      EXPECT_EQ(answer.status.error_code(), c.code)
          << c.name << ": " << answer.status.error_message();
      EXPECT_EQ(answer.result, c.says) << c.name << ": " << answer.status.error_message();
      EXPECT_EQ(ReadBooks(), books) << c.name << " moved money";
      ++checked_;
    }
  }

  TempDir temp_;
  TestCertificates certificates_{temp_.path() / "certs"};
  // Ticks only hourly, so nothing but the requests themselves moves the chain.
  NodeProcess node_{
      temp_.path() / "node", [this] {
        std::vector<std::string> flags = certificates_.NodeFlags();
        // Every case reads the books twice as the issuer: no rate limit here
        // (limits_test has its own).
        flags.insert(flags.end(), {"--tick-interval-ms", "3600000", "--calls-per-second", "0"});
        return flags;
      }()};
  std::unique_ptr<TownClient> town_;
  int checked_ = 0;
};

using grpc::StatusCode;

TEST_F(BadInputTest, MalformedAndHostileRequestsAreRefusedAndChangeNothing) {
  auto with = [this](std::function<void(v1::Transfer*)> change) {
    v1::Transfer transfer = Purchase(100);
    change(&transfer);
    return [this, transfer] { return PurchaseAsBakery(transfer); };
  };
  auto signed_with = [this](std::function<void(v1::Transfer*)> change) {
    v1::Transfer transfer = SignedPayment(100);
    change(&transfer);
    return [this, transfer] { return PayAsAlice(transfer); };
  };
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<Case> cases = {
      // Amounts.
      {"negative amount", with([](auto* x) { x->set_amount_minor(-5); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: amount_not_positive"},
      {"zero amount", with([](auto* x) { x->set_amount_minor(0); }), StatusCode::INVALID_ARGUMENT,
       "transfer is malformed: amount_not_positive"},
      {"most negative amount", with([](auto* x) { x->set_amount_minor(INT64_MIN); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: amount_not_positive"},
      // Currencies.
      {"unknown currency", with([](auto* x) { x->set_currency("NOPE"); }),
       StatusCode::INVALID_ARGUMENT,
       "transfer.currency is NOPE but account mch:bakery holds BUNJI"},
      {"lower-case currency", with([](auto* x) { x->set_currency("bunji"); }),
       StatusCode::INVALID_ARGUMENT, "transfer.currency must be the payer's currency code"},
      {"empty currency", with([](auto* x) { x->set_currency(""); }), StatusCode::INVALID_ARGUMENT,
       "transfer.currency"},
      {"currency of 9 letters", with([](auto* x) { x->set_currency("BUNJIBUNJ"); }),
       StatusCode::INVALID_ARGUMENT, "transfer.currency"},
      // Accounts.
      {"payer without a kind",
       [this] {
         return AnswerOf(
             town_->Send(&Money::Stub::Issue, town_->NewTransfer("bunji", "res:bob", 1)));
       },
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: invalid_account_id"},
      {"payee without a kind", with([](auto* x) { x->set_to("farm"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"payee in capitals", with([](auto* x) { x->set_to("prd:FARM"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"payee id of 65 bytes", with([](auto* x) { x->set_to("prd:" + std::string(61, 'f')); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"paying oneself", with([](auto* x) { x->set_to("mch:bakery"); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed: same_account"},
      {"payer that does not exist (bound certificate)",
       with([](auto* x) { x->set_from("mch:nobody"); }), StatusCode::PERMISSION_DENIED,
       "bound to mch:bakery"},
      // Transfer ids.
      {"empty id", with([](auto* x) { x->set_id(""); }), StatusCode::INVALID_ARGUMENT,
       "transfer.id"},
      {"id not hex", with([](auto* x) { x->set_id(std::string(32, 'z')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id"},
      {"id of 15 bytes", with([](auto* x) { x->set_id(std::string(30, 'a')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id"},
      {"id of zeros", with([](auto* x) { x->set_id(std::string(32, '0')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.id must be 32 hexadecimal characters, not all zero"},
      {"ref not hex", with([](auto* x) { x->set_ref("ref"); }), StatusCode::INVALID_ARGUMENT,
       "transfer.ref"},
      // Text sizes and encodings.
      {"memo of 141 bytes", with([](auto* x) { x->set_memo(std::string(141, 'm')); }),
       StatusCode::INVALID_ARGUMENT, "memo_too_long"},
      {"memo of 5,000 bytes", with([](auto* x) { x->set_memo(std::string(5'000, 'm')); }),
       StatusCode::INVALID_ARGUMENT, "transfer.memo is 5000 bytes; a field may hold at most 1024"},
      {"terminal id of 65 bytes", with([](auto* x) { x->set_terminal(std::string(65, 't')); }),
       StatusCode::INVALID_ARGUMENT, "transfer is malformed"},
      {"programme id of 2,000 bytes",
       with([](auto* x) { x->set_program(std::string(2'000, 'p')); }), StatusCode::INVALID_ARGUMENT,
       "transfer.program is 2000 bytes"},
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
       with([kMax](auto* x) { x->set_hold_timeout_ms(kMax); }), StatusCode::INVALID_ARGUMENT,
       "transfer.hold_timeout_ms is negative or too large"},
      // Signatures.
      {"payment without a signature",
       [this] { return PayAsAlice(town_->NewTransfer("res:alice", "mch:bakery", 100)); },
       StatusCode::UNAUTHENTICATED, "needs the resident's wallet signature"},
      {"random signature", signed_with([](auto* x) { x->set_signature(std::string(64, 'r')); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"signature of 63 bytes",
       signed_with([](auto* x) { x->set_signature(std::string(63, 'r')); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"amount raised after signing", signed_with([](auto* x) { x->set_amount_minor(9'000); }),
       StatusCode::UNAUTHENTICATED, "not by the key registered for res:alice"},
      {"payee changed after signing", signed_with([](auto* x) { x->set_to("mch:grocer"); }),
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
       signed_with([](auto* x) { x->set_not_after_ns(1); }), StatusCode::FAILED_PRECONDITION,
       "the payment request has expired"},
      {"expired payment request, signed as such",
       [this] {
         v1::Transfer x = town_->NewTransfer("res:alice", "mch:bakery", 100);
         x.set_not_after_ns(1'000'000'000);
         town_->Sign(&x, "payment");
         return PayAsAlice(x);
       },
       StatusCode::FAILED_PRECONDITION, "the payment request has expired"},
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
         auto stub = v1::Peer::NewStub(certificates_.Channel(node_.address(), "bakery"));
         return Unary(*stub, &v1::Peer::Stub::ForwardBatch, q);
       },
       StatusCode::PERMISSION_DENIED, "may not call"},
      // Batches.
      {"an empty batch",
       [this] {
         return Unary(town_->money(), &Money::Stub::SubmitBatch, v1::SubmitBatchRequest());
       },
       StatusCode::INVALID_ARGUMENT, "items must hold 1 to 1,000 transfers"},
      {"a batch ending inside a linked group",
       [this] {
         v1::SubmitBatchRequest q;
         auto* item = q.add_items();
         item->set_kind(v1::TRANSFER_KIND_ISSUE);
         *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         item->mutable_transfer()->set_linked(true);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "its group never closes"},
      {"a batch item of no kind",
       [this] {
         v1::SubmitBatchRequest q;
         *q.add_items()->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "items[0]: kind is not a transfer kind"},
      {"a batch item of an unknown kind",
       [this] {
         v1::SubmitBatchRequest q;
         auto* item = q.add_items();
         item->set_kind(static_cast<v1::TransferKind>(99));
         *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "kind is not a transfer kind"},
      {"a merchant's batch with one item from another merchant",
       [this] {
         v1::SubmitBatchRequest q;
         for (const char* from : {"mch:bakery", "mch:grocer"}) {
           auto* item = q.add_items();
           item->set_kind(v1::TRANSFER_KIND_PURCHASE);
           *item->mutable_transfer() = town_->NewTransfer(from, "prd:farm", 1);
         }
         return Unary(As("bakery")->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::PERMISSION_DENIED, "bound to mch:bakery"},
      // Administration.
      {"an account key of 31 bytes",
       [this] {
         v1::CreateAccountRequest q;
         q.set_id("res:carol");
         q.set_currency(kBunji);
         q.set_owner_public_key(std::string(31, 'k'));
         return Unary(town_->admin(), &v1::Admin::Stub::CreateAccount, q);
       },
       StatusCode::INVALID_ARGUMENT, "owner_public_key"},
      {"a rotation to a key of 33 bytes",
       [this] {
         v1::RotateOwnerKeyRequest q;
         q.set_id("res:alice");
         q.set_owner_public_key(std::string(33, 'k'));
         return Unary(town_->admin(), &v1::Admin::Stub::RotateOwnerKey, q);
       },
       StatusCode::INVALID_ARGUMENT, "owner_public_key must be a raw 32-byte Ed25519 key"},
      {"an account status out of the enum",
       [this] {
         v1::SetAccountStatusRequest q;
         q.set_id("res:alice");
         q.set_status(static_cast<v1::AccountStatus>(42));
         return Unary(town_->admin(), &v1::Admin::Stub::SetAccountStatus, q);
       },
       StatusCode::INVALID_ARGUMENT, "status must be ACTIVE, FROZEN or CLOSED"},
      {"programme rules naming an unknown account kind",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         q.mutable_rules()->add_payee_kinds(static_cast<v1::AccountKind>(77));
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "rules.payee_kinds holds an unknown account kind"},
      {"programme rules with a negative lot validity",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         q.mutable_rules()->set_lot_validity_ms(-1);
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "rules.lot_validity_ms is negative or too large"},
      {"programme rules listing 65 sectors",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         for (int i = 0; i < 65; ++i) q.mutable_rules()->add_payee_sectors("s" + std::to_string(i));
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "lists more than 64 sectors or districts"},
      {"a currency whose demurrage period overflows",
       [this, kMax] {
         v1::CreateCurrencyRequest q;
         q.set_code("ODD");
         q.set_demurrage_period_ms(kMax);
         return Unary(town_->admin(), &v1::Admin::Stub::CreateCurrency, q);
       },
       StatusCode::INVALID_ARGUMENT, "demurrage_period_ms is negative or too large"},
      // Terminals and reads.
      {"a payment request for a negative amount",
       [this] {
         v1::CreatePaymentRequestRequest q;
         q.set_merchant("mch:bakery");
         q.set_currency(kBunji);
         q.set_amount_minor(-1);
         return Unary(As("bakery")->terminal(), &Terminal::Stub::CreatePaymentRequest, q);
       },
       StatusCode::INVALID_ARGUMENT, "amount_minor must be positive"},
      {"a payment request valid for two days",
       [this] {
         v1::CreatePaymentRequestRequest q;
         q.set_merchant("mch:bakery");
         q.set_currency(kBunji);
         q.set_amount_minor(100);
         q.set_valid_for_ms(2LL * 24 * 3600 * 1000);
         return Unary(As("bakery")->terminal(), &Terminal::Stub::CreatePaymentRequest, q);
       },
       StatusCode::INVALID_ARGUMENT, "valid_for_ms must be at most a day"},
      {"a history page of 5,000",
       [this] {
         v1::ListHistoryRequest q;
         q.set_account("res:alice");
         q.set_limit(5'000);
         return Unary(town_->query(), &v1::Query::Stub::ListHistory, q);
       },
       StatusCode::INVALID_ARGUMENT, "limit must be at most 1,000"},
      {"a transfer looked up by a malformed id",
       [this] { return AnswerOf(town_->GetTransfer("xyz")); }, StatusCode::INVALID_ARGUMENT, "id"},
      // The wire itself.
      {"bytes that are not a protobuf",
       [this] { return Raw("/kyoso.v1.Money/Purchase", std::string("\xff\xff\xff\xff\x0f", 5)); },
       StatusCode::UNIMPLEMENTED, ""},
      {"a method that does not exist", [this] { return Raw("/kyoso.v1.Money/Steal", ""); },
       StatusCode::UNIMPLEMENTED, ""},
      {"a message larger than the node accepts",
       [this] {
         v1::SubmitBatchRequest q;
         for (int i = 0; i < 1'000; ++i) {
           q.add_items()->mutable_transfer()->set_memo(std::string(5'000, 'x'));
         }
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::RESOURCE_EXHAUSTED, "larger than max"},
  };
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
