// Limits at the node's door: the token bucket on its own (with a test clock), the field
// size check on nested requests, and against a real kyoso-node: a certificate past its
// rate is told when to retry while others go on. Oversized fields, batches and messages
// are cases of the bad-input catalogue (bad_input_test.cc).
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
    // One call every 20 s: the burst of 20 cannot refill in time, however slow a
    // sanitizer makes the 20 calls.
    flags.insert(flags.end(), {"--calls-per-second", "0.05", "--calls-burst", "20"});
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
  EXPECT_NE(refused.error_message().find("rate limit: the merchant certificate mch:bakery may "
                                         "make 0.05 calls a second (bursts of 20); retry in "),
            std::string::npos)
      << refused.error_message();
  EXPECT_TRUE(GetStatus("grocer").ok());
  EXPECT_TRUE(GetStatus("auditor").ok());
}

}  // namespace
}  // namespace kyoso::testing
