// End-to-end tests of kyoso-node: a real process on a free loopback port with a RocksDB
// data directory under a temp dir, driven over gRPC.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using v1::Money;
using v1::Terminal;

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = std::make_unique<NodeProcess>(temp.path() / "node");
    ASSERT_TRUE(node->Start()) << node->log();
    town = std::make_unique<TownClient>(node->channel());
    ASSERT_TRUE(town->SetUpTown());
  }

  // Restarts the node on the same data directory, cleanly or after a crash.
  void Restart(bool crash) {
    if (crash) {
      node->Kill();
    } else {
      ASSERT_EQ(node->Stop(), 0) << node->log();
    }
    ASSERT_TRUE(node->Start()) << node->log();
    town = std::make_unique<TownClient>(node->channel());
  }

  // The state a refused request must leave alone.
  struct Fingerprint {
    uint64_t last_seq;
    std::vector<int64_t> balances;
    bool operator==(const Fingerprint&) const = default;
  };
  Fingerprint Snapshot() {
    Fingerprint f{town->Status().reply.last_seq(), {}};
    for (const char* id : {"res:alice", "res:bob", "mch:bakery", "mch:grocer", "prd:farm"}) {
      f.balances.push_back(town->Balance(id));
    }
    return f;
  }

  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
};

// gRPC's own Shutdown(deadline) waits out the whole deadline while a client keeps its
// connection open; the node drains its own calls instead, so SIGTERM stops it promptly
// even with a long grace period (the harness kills it, failing Stop, after 30 s).
TEST(NodeStopTest, SigtermStopsCleanlyWhileAClientStaysConnected) {
  TempDir temp;
  NodeProcess node(temp.path() / "node", {"--shutdown-grace-ms", "600000"});
  ASSERT_TRUE(node.Start()) << node.log();
  TownClient town(node.channel());
  ASSERT_TRUE(town.Status().status.ok());
  EXPECT_EQ(node.Stop(), 0) << node.log();
}

TEST_F(NodeTest, ReportsStatusAndServesTheHealthService) {
  Call<v1::NodeStatus> status = town->Status();
  ASSERT_TRUE(status.status.ok());
  EXPECT_EQ(status.reply.role(), "standalone");
  EXPECT_GT(status.reply.applied_index(), 0u);
  EXPECT_EQ(status.reply.chain_head().size(), 32u);
  EXPECT_EQ(status.reply.chain_head_hex().size(), 64u);

  // grpc.health.v1.Health/Check with an empty request answers SERVING (field 1 = 1).
  grpc::GenericStub generic(node->channel());
  grpc::ClientContext context;
  SetTestDeadline(&context);
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  grpc::Status result;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      std::lock_guard lock(mutex);
                      result = s;
                      finished = true;
                      done.notify_one();
                    });
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return finished; });
  ASSERT_TRUE(result.ok()) << result.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(slice.begin(), slice.end());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// Generic gRPC tools find the services through server reflection: a list_services
// request (ServerReflectionRequest field 7, empty) answers with every service's name.
TEST_F(NodeTest, ServerReflectionListsTheServices) {
  grpc::GenericStub generic(node->channel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = generic.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  auto step = [&](int tag) {
    void* got = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&got, &ok));
    EXPECT_EQ(got, reinterpret_cast<void*>(static_cast<intptr_t>(tag)));
    return ok;
  };
  auto tag = [](int n) { return reinterpret_cast<void*>(static_cast<intptr_t>(n)); };
  call->StartCall(tag(1));
  ASSERT_TRUE(step(1));
  grpc::Slice list_services("\x3a\x00", 2);
  grpc::ByteBuffer request(&list_services, 1);
  call->Write(request, tag(2));
  ASSERT_TRUE(step(2));
  grpc::ByteBuffer response;
  call->Read(&response, tag(3));
  ASSERT_TRUE(step(3));
  call->WritesDone(tag(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, tag(5));
  step(5);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(slice.begin(), slice.end());
  for (const char* service :
       {"kyoso.v1.Admin", "kyoso.v1.Money", "kyoso.v1.Terminal", "kyoso.v1.Resident",
        "kyoso.v1.Query", "kyoso.v1.Node", "grpc.health.v1.Health"}) {
    EXPECT_NE(bytes.find(service), std::string::npos) << service;
  }
}

TEST_F(NodeTest, TopUpUnderAProgrammeAddsItsIncentiveAsProgrammeMoney) {
  Call<v1::TransferReply> topped = town->TopUp("res:alice", 100'000, kFreshFood);
  ASSERT_TRUE(topped.status.ok()) << topped.status.error_message();
  EXPECT_EQ(topped.reply.outcome().result(), v1::RESULT_OK);
  EXPECT_EQ(topped.reply.outcome().incentive_minor(), 10'000);
  Call<v1::Account> alice = town->GetAccount("res:alice");
  EXPECT_EQ(alice.reply.balance_minor(), 110'000);
  ASSERT_EQ(alice.reply.lots_size(), 2);
  EXPECT_EQ(alice.reply.lots(0).program(), kFreshFood);  // Programme money is drawn first.
  EXPECT_EQ(alice.reply.lots(0).amount_minor(), 10'000);
  EXPECT_GT(alice.reply.lots(0).expiry_ns(), 0);
  EXPECT_EQ(alice.reply.lots(1).program(), "");
  Call<v1::Currency> bunji = town->GetCurrency(kBunji);
  EXPECT_EQ(bunji.reply.supply_minor(), "110000");
  EXPECT_EQ(bunji.reply.reserve_minor(), "110000");
}

TEST_F(NodeTest, ASignedPaymentMovesMoneyAndIsIdempotent) {
  ASSERT_TRUE(town->TopUp("res:alice", 50'000).status.ok());
  v1::Transfer t = town->NewTransfer("res:alice", "mch:bakery", 1'250);
  town->Sign(&t, "payment");
  Call<v1::TransferReply> paid = town->Send(&Money::Stub::Pay, t);
  ASSERT_TRUE(paid.status.ok()) << paid.status.error_message();
  EXPECT_GT(paid.reply.outcome().seq(), 0u);
  EXPECT_FALSE(paid.reply.outcome().duplicate());

  Call<v1::TransferReply> again = town->Send(&Money::Stub::Pay, t);
  ASSERT_TRUE(again.status.ok());
  EXPECT_TRUE(again.reply.outcome().duplicate());
  EXPECT_EQ(again.reply.outcome().seq(), paid.reply.outcome().seq());
  EXPECT_EQ(town->Balance("res:alice"), 48'750);
  EXPECT_EQ(town->Balance("mch:bakery"), 1'250);

  // The same id with another body is refused, distinctly, and moves nothing.
  v1::Transfer other = t;
  other.set_amount_minor(999);
  town->Sign(&other, "payment");
  Call<v1::TransferReply> clash = town->Send(&Money::Stub::Pay, other);
  EXPECT_EQ(clash.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(clash.result(), "duplicate_id_different_body");
  EXPECT_EQ(town->Balance("res:alice"), 48'750);
}

TEST_F(NodeTest, ARefusedPaymentSaysWhyInItsStatusAndMetadata) {
  ASSERT_TRUE(town->TopUp("res:alice", 1'000).status.ok());
  Call<v1::TransferReply> paid = town->Pay("res:alice", "mch:bakery", 5'000);
  EXPECT_EQ(paid.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(paid.status.error_message(), "insufficient_funds");
  EXPECT_EQ(paid.outcome.result(), v1::RESULT_INSUFFICIENT_FUNDS);
  EXPECT_EQ(town->Balance("res:alice"), 1'000);
}

TEST_F(NodeTest, NoOneMovesAResidentsMoneyWithoutTheirSignature) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  Fingerprint before = Snapshot();

  v1::Transfer unsigned_payment = town->NewTransfer("res:alice", "mch:bakery", 100);
  EXPECT_EQ(town->Send(&Money::Stub::Pay, unsigned_payment).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Signed by bob's key, not alice's.
  v1::Transfer forged = town->NewTransfer("res:bob", "mch:bakery", 100);
  town->Sign(&forged, "payment");
  forged.set_from("res:alice");
  EXPECT_EQ(town->Send(&Money::Stub::Pay, forged).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // A valid signature over other fields: the amount was changed after signing.
  v1::Transfer altered = town->NewTransfer("res:alice", "mch:bakery", 100);
  town->Sign(&altered, "payment");
  altered.set_amount_minor(9'000);
  EXPECT_EQ(town->Send(&Money::Stub::Pay, altered).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Signed as a payment but sent as a cash-out.
  v1::Transfer cash_out = town->NewTransfer("res:alice", "iss:bunji", 100);
  town->Sign(&cash_out, "payment");
  EXPECT_EQ(town->Send(&Money::Stub::CashOut, cash_out).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // An operator's correction cannot take it either.
  v1::Transfer correction = town->NewTransfer("res:alice", "mch:bakery", 100);
  correction.set_memo("moved by mistake");
  EXPECT_EQ(town->Send(&Money::Stub::Correct, correction).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(NodeTest, ARotatedKeyKeepsTheBalanceAndTheOldKeyNoLongerPays) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  std::string old_key = town->key_of("res:alice");
  // Signed on the lost device before the rotation, sent after it.
  v1::Transfer stolen = town->NewTransfer("res:alice", "mch:bakery", 300);
  town->Sign(&stolen, "payment");

  auto rotated = town->RotateKey("res:alice");
  ASSERT_TRUE(rotated.status.ok()) << rotated.status.error_message();
  EXPECT_NE(town->key_of("res:alice"), old_key);
  EXPECT_EQ(town->Balance("res:alice"), 10'000);

  auto refused = town->Send(&Money::Stub::Pay, stolen);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(refused.status.error_message(),
            "the signature is not by the key registered for res:alice");
  auto paid = town->Pay("res:alice", "mch:bakery", 300);
  ASSERT_TRUE(paid.status.ok()) << paid.status.error_message();
  EXPECT_EQ(town->Balance("res:alice"), 9'700);
  EXPECT_EQ(town->GetAccount("res:alice").reply.owner_public_key().size(), 32u);

  v1::RotateOwnerKeyRequest merchant;
  merchant.set_id("mch:bakery");
  merchant.set_owner_public_key(std::string(32, 'k'));
  grpc::ClientContext context;
  SetTestDeadline(&context);
  v1::AdminReply reply;
  grpc::Status status = town->admin().RotateOwnerKey(&context, merchant, &reply);
  EXPECT_EQ(status.error_message(), "account_kind_mismatch");
}

TEST_F(NodeTest, MalformedRequestsAreRefusedAndChangeNothing) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  Fingerprint before = Snapshot();
  auto expect_invalid = [&](v1::Transfer t, const char* what) {
    Call<v1::TransferReply> call = town->Send(&Money::Stub::Purchase, t);
    EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << what << ": " << call.status.error_message();
  };
  v1::Transfer base = town->NewTransfer("mch:bakery", "prd:farm", 100);
  v1::Transfer t = base;
  t.set_id("not-hex");
  expect_invalid(t, "bad id");
  t = base;
  t.set_id(std::string(32, '0'));
  expect_invalid(t, "zero id");
  t = base;
  t.set_amount_minor(-5);
  expect_invalid(t, "negative amount");
  t = base;
  t.set_amount_minor(0);
  expect_invalid(t, "zero amount");
  t = base;
  t.set_currency("HANA");
  expect_invalid(t, "wrong currency");
  t = base;
  t.set_currency("");
  expect_invalid(t, "no currency");
  t = base;
  t.set_memo(std::string(141, 'x'));
  expect_invalid(t, "memo too long");
  t = base;
  t.set_memo("\xff\xfe");
  // Proto3 strings must be UTF-8: gRPC itself refuses to parse such a request.
  EXPECT_FALSE(town->Send(&Money::Stub::Purchase, t).status.ok());
  t = base;
  t.set_to(std::string(5'000, 'a'));
  expect_invalid(t, "oversized account id");
  t = base;
  t.set_hold_timeout_ms(-1);
  expect_invalid(t, "negative timeout");
  t = base;
  t.set_to("mch:Bad Name");
  expect_invalid(t, "malformed account id");

  t = town->NewTransfer("res:nobody", "mch:bakery", 100);
  EXPECT_EQ(town->Send(&Money::Stub::Pay, t).status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(town->GetTransfer(base.id()).status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(NodeTest, ATerminalHoldsCapturesVoidsAndRefunds) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  v1::Transfer hold = town->NewTransfer("res:alice", "mch:bakery", 3'000);
  hold.set_hold_timeout_ms(60'000);
  town->Sign(&hold, "hold");
  ASSERT_TRUE(town->SendTerminal(&Terminal::Stub::Authorize, hold).status.ok());
  EXPECT_EQ(town->Balance("res:alice"), 7'000);

  v1::Transfer capture = town->NewTransfer("res:alice", "mch:bakery", 2'500);
  capture.set_ref(hold.id());
  Call<v1::TransferReply> captured = town->SendTerminal(&Terminal::Stub::Capture, capture);
  ASSERT_TRUE(captured.status.ok()) << captured.status.error_message();
  EXPECT_EQ(town->Balance("res:alice"), 7'500);
  EXPECT_EQ(town->Balance("mch:bakery"), 2'500);
  EXPECT_EQ(town->GetTransfer(hold.id()).reply.hold_state(), v1::HOLD_STATE_POSTED);

  // Captured twice: the hold is no longer pending.
  v1::Transfer twice = capture;
  twice.set_id(town->NewTransfer("a:b", "c:d", 1).id());
  EXPECT_EQ(town->SendTerminal(&Terminal::Stub::Capture, twice).result(), "hold_not_pending");

  v1::Transfer refund = town->NewTransfer("mch:bakery", "res:alice", 1'000);
  refund.set_ref(capture.id());
  ASSERT_TRUE(town->SendTerminal(&Terminal::Stub::Refund, refund).status.ok());
  EXPECT_EQ(town->Balance("res:alice"), 8'500);
  v1::Transfer too_much = town->NewTransfer("mch:bakery", "res:alice", 2'000);
  too_much.set_ref(capture.id());
  EXPECT_EQ(town->SendTerminal(&Terminal::Stub::Refund, too_much).result(),
            "refund_exceeds_payment");

  v1::Transfer second = town->NewTransfer("res:alice", "mch:bakery", 1'000);
  second.set_hold_timeout_ms(60'000);
  town->Sign(&second, "hold");
  ASSERT_TRUE(town->SendTerminal(&Terminal::Stub::Authorize, second).status.ok());
  v1::Transfer release = town->NewTransfer("res:alice", "mch:bakery", 1);
  release.set_amount_minor(0);
  release.set_ref(second.id());
  ASSERT_TRUE(town->SendTerminal(&Terminal::Stub::Void, release).status.ok());
  EXPECT_EQ(town->Balance("res:alice"), 8'500);
}

TEST_F(NodeTest, APaymentRequestIsPaidUnderItsIdAndRefusedOnceExpired) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  v1::CreatePaymentRequestRequest ask;
  ask.set_merchant("mch:bakery");
  ask.set_amount_minor(450);
  ask.set_currency(kBunji);
  ask.set_memo("two croissants");
  v1::PaymentRequest request;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  ASSERT_TRUE(town->terminal().CreatePaymentRequest(&context, ask, &request).ok());
  EXPECT_EQ(request.transfer_id().size(), 32u);
  EXPECT_NE(request.uri().find("kyoso:pay?id=" + request.transfer_id()), std::string::npos);
  EXPECT_NE(request.uri().find("memo=two%20croissants"), std::string::npos);

  v1::Transfer pay = town->NewTransfer("res:alice", "mch:bakery", 450);
  pay.set_id(request.transfer_id());
  pay.set_memo(request.memo());
  pay.set_not_after_ns(request.not_after_ns());
  town->Sign(&pay, "payment");
  ASSERT_TRUE(town->Send(&Money::Stub::Pay, pay).status.ok());
  EXPECT_EQ(town->GetTransfer(request.transfer_id()).reply.outcome().result(), v1::RESULT_OK);

  v1::Transfer late = town->NewTransfer("res:alice", "mch:bakery", 450);
  late.set_not_after_ns(1);  // Long past.
  town->Sign(&late, "payment");
  EXPECT_EQ(town->Send(&Money::Stub::Pay, late).status.error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(town->Balance("res:alice"), 9'550);
}

TEST_F(NodeTest, ABatchAnswersEachItemAndKeepsLinkedGroupsWhole) {
  ASSERT_TRUE(town->Issue("mch:bakery", 1'000).status.ok());
  v1::SubmitBatchRequest batch;
  auto add = [&](int64_t amount, bool linked) {
    v1::SubmitBatchRequest::Item* item = batch.add_items();
    item->set_kind(v1::TRANSFER_KIND_PURCHASE);
    *item->mutable_transfer() = town->NewTransfer("mch:bakery", "prd:farm", amount);
    item->mutable_transfer()->set_linked(linked);
  };
  add(100, false);
  add(200, true);  // A group of two whose second cannot be paid: neither applies.
  add(5'000, false);
  add(300, false);
  v1::SubmitBatchReply reply;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  ASSERT_TRUE(town->money().SubmitBatch(&context, batch, &reply).ok());
  ASSERT_EQ(reply.replies_size(), 4);
  EXPECT_EQ(reply.replies(0).outcome().result(), v1::RESULT_OK);
  EXPECT_EQ(reply.replies(1).outcome().result(), v1::RESULT_LINKED_EVENT_FAILED);
  EXPECT_EQ(reply.replies(2).outcome().result(), v1::RESULT_INSUFFICIENT_FUNDS);
  EXPECT_EQ(reply.replies(3).outcome().result(), v1::RESULT_OK);
  EXPECT_EQ(town->Balance("prd:farm"), 400);

  batch.mutable_items(3)->mutable_transfer()->set_linked(true);
  grpc::ClientContext open_context;
  SetTestDeadline(&open_context);
  EXPECT_EQ(town->money().SubmitBatch(&open_context, batch, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(NodeTest, HistoryPagesAndPastBalances) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000).status.ok());
  std::vector<uint64_t> seqs;
  for (int i = 1; i <= 5; ++i) {
    Call<v1::TransferReply> paid = town->Pay("res:alice", "mch:bakery", 100 * i);
    ASSERT_TRUE(paid.status.ok());
    seqs.push_back(paid.reply.outcome().seq());
  }
  v1::ListHistoryRequest request;
  request.set_account("res:alice");
  request.set_limit(4);
  std::vector<v1::HistoryEntry> all;
  for (int page = 0; page < 3; ++page) {
    v1::ListHistoryReply reply;
    grpc::ClientContext context;
    SetTestDeadline(&context);
    ASSERT_TRUE(town->query().ListHistory(&context, request, &reply).ok());
    all.insert(all.end(), reply.entries().begin(), reply.entries().end());
    if (reply.next_cursor() == 0) break;
    request.set_cursor(reply.next_cursor());
  }
  ASSERT_EQ(all.size(), 6u);  // The top-up and five payments, newest first.
  EXPECT_EQ(all[0].delta_minor(), -500);
  EXPECT_EQ(all[0].balance_after_minor(), 8'500);
  EXPECT_EQ(all[5].kind(), v1::TRANSFER_KIND_TOP_UP);

  v1::GetBalanceAtRequest at;
  at.set_account("res:alice");
  at.set_seq(seqs[1]);
  v1::BalanceAt balance;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  ASSERT_TRUE(town->query().GetBalanceAt(&context, at, &balance).ok());
  EXPECT_EQ(balance.balance_minor(), 10'000 - 100 - 200);

  v1::GetProgramRequest program;
  program.set_id(kFreshFood);
  v1::Program budget;
  grpc::ClientContext program_context;
  SetTestDeadline(&program_context);
  ASSERT_TRUE(town->query().GetProgram(&program_context, program, &budget).ok());
  EXPECT_EQ(budget.budget_left_minor(), 1'000'000);
}

TEST_F(NodeTest, AFrozenAccountCannotPayAndConsentNeedsTheResidentsKey) {
  ASSERT_TRUE(town->TopUp("res:alice", 1'000).status.ok());
  v1::SetAccountStatusRequest freeze;
  freeze.set_id("res:alice");
  freeze.set_status(v1::ACCOUNT_STATUS_FROZEN);
  v1::AdminReply reply;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  ASSERT_TRUE(town->admin().SetAccountStatus(&context, freeze, &reply).ok());
  EXPECT_EQ(town->Pay("res:alice", "mch:bakery", 100).result(), "account_frozen");

  v1::SetResearchConsentRequest consent;
  consent.set_account("res:bob");
  consent.set_consent(true);
  consent.set_issued_at_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
  consent.set_signature(std::string(64, 'x'));
  grpc::ClientContext forged_context;
  SetTestDeadline(&forged_context);
  EXPECT_EQ(town->resident().SetResearchConsent(&forged_context, consent, &reply).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(town->GetAccount("res:bob").reply.research_consent());
}

TEST_F(NodeTest, ARestartKeepsEveryBalanceAndTheChainHead) {
  ASSERT_TRUE(town->TopUp("res:alice", 10'000, kFreshFood).status.ok());
  ASSERT_TRUE(town->Pay("res:alice", "mch:bakery", 2'000).status.ok());
  Fingerprint before = Snapshot();
  std::string head = town->Status().reply.chain_head_hex();
  uint64_t index = town->Status().reply.applied_index();
  Restart(/*crash=*/false);
  Call<v1::NodeStatus> after = town->Status();
  // Ticks may have applied since; the chain head at the old index is the one we saw.
  EXPECT_GE(after.reply.applied_index(), index);
  if (after.reply.applied_index() == index) {
    EXPECT_EQ(after.reply.chain_head_hex(), head);
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_NE(node->log().find("draining"), std::string::npos) << node->log();
}

TEST_F(NodeTest, ASecondNodeCannotOpenTheSameDataDirectory) {
  NodeProcess second(node->data_dir());
  EXPECT_FALSE(second.Start());
  EXPECT_NE(second.log().find("in use by another kyoso-node"), std::string::npos) << second.log();
}

// SIGKILL while many clients pay at once; after a restart every acknowledged payment is
// there, exactly once, and the money adds up.
TEST_F(NodeTest, NoAcknowledgedPaymentIsLostWhenTheNodeIsKilled) {
  constexpr int kPayers = 8;
  std::vector<std::string> payers;
  for (int i = 0; i < kPayers; ++i) {
    payers.push_back("res:payer" + std::to_string(i));
    ASSERT_TRUE(town->AddResident(payers.back()).status.ok());
    ASSERT_TRUE(town->TopUp(payers.back(), 1'000'000).status.ok());
  }
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop = false;
  std::vector<std::thread> clients;
  for (int i = 0; i < kPayers; ++i) {
    clients.emplace_back([&, i] {
      while (!stop) {
        Call<v1::TransferReply> paid = town->Pay(payers[static_cast<size_t>(i)], "mch:grocer", 10);
        if (!paid.status.ok()) continue;  // Unacknowledged: may or may not have applied.
        std::lock_guard lock(mutex);
        acknowledged.push_back(paid.reply.id());
      }
    });
  }
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mutex);
    if (acknowledged.size() >= 300) break;
  }
  node->Kill();
  stop = true;
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(node->Start()) << node->log();
  town = std::make_unique<TownClient>(node->channel());

  for (const std::string& id : acknowledged) {
    Call<v1::TransferRecord> record = town->GetTransfer(id);
    ASSERT_TRUE(record.status.ok()) << id << " was acknowledged but is gone";
    EXPECT_EQ(record.reply.outcome().result(), v1::RESULT_OK);
  }
  int64_t paid_out = 0;
  for (const std::string& payer : payers) paid_out += 1'000'000 - town->Balance(payer);
  EXPECT_EQ(town->Balance("mch:grocer"), paid_out);  // Each applied payment counted once.
  EXPECT_GE(paid_out, static_cast<int64_t>(acknowledged.size()) * 10);
  Call<v1::Currency> bunji = town->GetCurrency(kBunji);
  EXPECT_EQ(bunji.reply.supply_minor(), std::to_string(kPayers * 1'000'000));
}

}  // namespace
}  // namespace kyoso::testing
