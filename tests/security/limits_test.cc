// Limits at the node's door: the token bucket on its own (with a test clock), the field
// size check on nested requests, and against a real kyoso-node: a certificate past its
// rate is told when to retry while others go on, and oversized fields, batches and
// messages are refused with a sentence naming the limit, changing nothing.
#include "node/limits.h"

#include <gtest/gtest.h>

#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/node.grpc.pb.h"
#include "support/certificates.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using node::OversizedField;
using node::RateLimiter;

constexpr int64_t kSecondNs = 1'000'000'000;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RateLimiterTest, EachKeyHasItsBurstThenRefillsAtItsRate) {
  int64_t now = 0;
  RateLimiter limiter(/*per_second=*/10, /*burst=*/3, [&now] { return now; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("merchant/mch:bakery"), 0) << i;
  // Empty: the next token is 100 ms away.
  EXPECT_EQ(limiter.Take("merchant/mch:bakery"), 100);
  // Another key has its own bucket.
  EXPECT_EQ(limiter.Take("merchant/mch:grocer"), 0);
  now += kSecondNs / 20;  // 50 ms: half a token.
  EXPECT_EQ(limiter.Take("merchant/mch:bakery"), 50);
  now += kSecondNs / 20;
  EXPECT_EQ(limiter.Take("merchant/mch:bakery"), 0);
  EXPECT_GT(limiter.Take("merchant/mch:bakery"), 0);
  // A long quiet spell refills to the burst, not beyond.
  now += 60 * kSecondNs;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("merchant/mch:bakery"), 0) << i;
  EXPECT_GT(limiter.Take("merchant/mch:bakery"), 0);
}

TEST(OversizedFieldTest, NamesTheFirstFieldPastTheLimitAtAnyDepth) {
  v1::SubmitBatchRequest batch;
  batch.add_items()->mutable_transfer()->set_memo("short");
  batch.add_items()->mutable_transfer()->set_memo(std::string(2'000, 'x'));
  EXPECT_EQ(OversizedField(batch, 1'024), "items[1].transfer.memo is 2000 bytes");
  EXPECT_EQ(OversizedField(batch, 2'000), std::nullopt);

  v1::TransferRequest signed_transfer;
  signed_transfer.mutable_transfer()->set_signature(std::string(65, '\0'));
  EXPECT_EQ(OversizedField(signed_transfer, 64), "transfer.signature is 65 bytes");

  v1::CreateProgramRequest program;
  program.mutable_rules()->add_payee_sectors("food");
  program.mutable_rules()->add_payee_sectors(std::string(100, 'a'));
  EXPECT_EQ(OversizedField(program, 64), "rules.payee_sectors[1] is 100 bytes");
}

// A node serving TLS whose certificates may make 1 call a second, in bursts of 20.
class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certificates_.ok()) << certificates_.error();
    ASSERT_TRUE(node_.Start()) << node_.log();
  }

  grpc::Status GetStatus(const std::string& certificate) {
    auto stub = v1::Node::NewStub(certificates_.Channel(node_.address(), certificate));
    grpc::ClientContext context;
    SetTestDeadline(&context);
    v1::NodeStatus status;
    return stub->GetStatus(&context, v1::GetStatusRequest(), &status);
  }

  static std::vector<std::string> Flags(const TestCertificates& certificates) {
    std::vector<std::string> flags = certificates.NodeFlags();
    flags.insert(flags.end(), {"--calls-per-second", "1", "--calls-burst", "20"});
    return flags;
  }

  TempDir temp_;
  TestCertificates certificates_{temp_.path() / "certs"};
  NodeProcess node_{temp_.path() / "node", Flags(certificates_)};
};

TEST_F(RateLimitTest, ACertificatePastItsRateIsToldWhenToRetryAndOthersGoOn) {
  for (int i = 0; i < 20; ++i) {
    grpc::Status status = GetStatus("bakery");
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
  }
  grpc::Status refused = GetStatus("bakery");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(refused.error_message(),
                       "rate limit: the merchant certificate mch:bakery may make 1 calls a "
                       "second (bursts of 20); retry in "))
      << refused.error_message();
  EXPECT_TRUE(GetStatus("grocer").ok());
  EXPECT_TRUE(GetStatus("auditor").ok());
}

// A plaintext development node with the default limits and the demo town.
class RequestSizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(node_.Start()) << node_.log();
    town_ = std::make_unique<TownClient>(node_.channel());
    ASSERT_TRUE(town_->SetUpTown());
    ASSERT_TRUE(town_->Issue("res:alice", 10'000).status.ok());
  }

  std::string ChainHead() { return town_->Status().reply.chain_head_hex(); }

  TempDir temp_;
  NodeProcess node_{temp_.path() / "node", {"--tick-interval-ms", "3600000"}};
  std::unique_ptr<TownClient> town_;
};

TEST_F(RequestSizeTest, AnOversizedFieldIsRefusedByNameAndChangesNothing) {
  std::string head = ChainHead();
  v1::Transfer payment = town_->NewTransfer("res:alice", "mch:bakery", 100);
  payment.set_memo(std::string(5'000, 'm'));
  town_->Sign(&payment, "payment");
  auto paid = town_->Send(&v1::Money::Stub::Pay, payment);
  EXPECT_EQ(paid.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(paid.status.error_message(),
            "transfer.memo is 5000 bytes; a field may hold at most 1024 bytes");
  EXPECT_EQ(ChainHead(), head);
  EXPECT_EQ(town_->Balance("res:alice"), 10'000);
}

TEST_F(RequestSizeTest, ABatchOfMoreThanAThousandItemsIsRefusedWhole) {
  std::string head = ChainHead();
  v1::SubmitBatchRequest batch;
  for (int i = 0; i < 1'001; ++i) {
    v1::SubmitBatchRequest::Item* item = batch.add_items();
    item->set_kind(v1::TRANSFER_KIND_ISSUE);
    *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
  }
  grpc::ClientContext context;
  SetTestDeadline(&context);
  v1::SubmitBatchReply reply;
  grpc::Status status = town_->money().SubmitBatch(&context, batch, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "items must hold 1 to 1,000 transfers");
  EXPECT_EQ(ChainHead(), head);
  EXPECT_EQ(town_->Balance("res:bob"), 0);
}

TEST_F(RequestSizeTest, AMessageLargerThanTheNodeAcceptsIsRefusedBeforeItIsRead) {
  // Under the field limit each, 5 MiB together: past the 4 MiB message limit.
  v1::SubmitBatchRequest batch;
  for (int i = 0; i < 1'000; ++i) {
    batch.add_items()->mutable_transfer()->set_memo(std::string(5'300, 'x'));
  }
  grpc::ClientContext context;
  SetTestDeadline(&context);
  v1::SubmitBatchReply reply;
  grpc::Status status = town_->money().SubmitBatch(&context, batch, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(status.error_message(), "larger than max")) << status.error_message();
}

}  // namespace
}  // namespace kyoso::testing
