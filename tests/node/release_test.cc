// Releases on a real node (docs/flows.md, "Published releases"): a month is published
// only once it has ended (the node is restarted under libfaketime 35 days ahead: the
// wall clock, never a ledger shortcut), with the configured public partitions, noise
// intervals and scales as configured; the release is served again exactly as published,
// also after a restart; the month's privacy budget refuses what would pass it; residents
// see which releases include them; bad requests are refused with the field named.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "kyoso/crypto/noise.h"
#include "kyoso/ledger/flows.h"
#include "kyoso/v1/releases.grpc.pb.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using google::protobuf::util::MessageDifferencer;

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::path config = temp.path() / "node.toml";
    std::ofstream(config) << "[releases]\n"
                             "districts = [\"north\", \"south\"]\n"
                             "sectors = [\"food\", \"tools\"]\n"
                             "programs = [\"free\", \"fresh-food\"]\n"
                             "max_cells = 2\nmax_count = 10\nmax_amount_minor = 100000\n"
                             "budget_milli_per_month = 1000\n";
    node = std::make_unique<NodeProcess>(temp.path() / "node",
                                         std::vector<std::string>{"--config", config.string()});
    ASSERT_TRUE(node->Start()) << node->log();
    Connect();
    ASSERT_TRUE(town->SetUpTown());
    // Carol, dan and erin have consented to research use; alice and bob have not.
    for (const char* resident : {"res:carol", "res:dan", "res:erin"}) {
      ASSERT_TRUE(town->AddResident(resident, kBunji, true).status.ok());
    }
    for (const char* resident : {"res:alice", "res:dan", "res:erin"}) {
      ASSERT_TRUE(town->Issue(resident, 10'000).status.ok());
      ASSERT_TRUE(town->Pay(resident, "mch:bakery", 700).status.ok());
    }
    Call<v1::NodeStatus> status = town->Status();
    ASSERT_TRUE(status.status.ok());
    month_ = ledger::DayText(
                 ledger::PeriodOf(ledger::PeriodKind::kMonth, status.reply.last_timestamp_ns())
                     .start_day)
                 .substr(0, 7);
  }

  void Connect() {
    town = std::make_unique<TownClient>(node->channel());
    releases = v1::Releases::NewStub(node->channel());
  }

  // Restarts the node with its wall clock 35 days ahead: this month has ended.
  void RestartNextMonth() {
    ASSERT_EQ(node->Stop(), 0) << node->log();
    ASSERT_TRUE(node->set_clock_ahead("+35d")) << "ops/install-deps installs libfaketime";
    ASSERT_TRUE(node->Start()) << node->log();
    Connect();
  }

  v1::PublishReleaseRequest Request(const std::string& id, uint32_t epsilon_milli) {
    v1::PublishReleaseRequest request;
    request.set_id(id);
    request.set_currency(kBunji);
    request.set_month(month_);
    request.set_payer_group("district");
    request.set_payee_group("sector");
    request.set_epsilon_milli(epsilon_milli);
    return request;
  }

  grpc::Status Publish(const v1::PublishReleaseRequest& request, v1::Release* release) {
    grpc::ClientContext context;
    return releases->Publish(&context, request, release);
  }

  v1::Release Get(const std::string& id) {
    grpc::ClientContext context;
    v1::GetReleaseRequest request;
    request.set_id(id);
    v1::Release release;
    grpc::Status status = releases->GetRelease(&context, request, &release);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return release;
  }

  uint32_t Spent() {
    grpc::ClientContext context;
    v1::GetPrivacyBudgetRequest request;
    request.set_currency(kBunji);
    request.set_month(month_);
    v1::PrivacyBudget budget;
    EXPECT_TRUE(releases->GetPrivacyBudget(&context, request, &budget).ok());
    EXPECT_EQ(budget.budget_milli(), 1'000u);
    return budget.spent_milli();
  }

  std::vector<std::string> ReleasesOf(const std::string& account) {
    grpc::ClientContext context;
    v1::ListAccountReleasesRequest request;
    request.set_account(account);
    v1::ReleaseIdList ids;
    EXPECT_TRUE(releases->ListAccountReleases(&context, request, &ids).ok());
    return {ids.ids().begin(), ids.ids().end()};
  }

  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
  std::unique_ptr<v1::Releases::Stub> releases;
  std::string month_;
};

TEST_F(ReleaseTest, AMonthIsPublishedOnceItHasEnded) {
  v1::Release release;
  grpc::Status early = Publish(Request("this-month", 400), &release);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(early.error_message(), "period_not_closed");
  EXPECT_EQ(Spent(), 0u);

  RestartNextMonth();
  grpc::Status published = Publish(Request("this-month", 400), &release);
  ASSERT_TRUE(published.ok()) << published.error_message() << node->log();
  EXPECT_EQ(release.month(), month_);
  EXPECT_EQ(release.mechanism(), "discrete_laplace");
  EXPECT_EQ(release.spent_after_milli(), 400u);
  EXPECT_EQ(release.bounds().max_cells(), 2u);
  // Half of epsilon 0.4 on counts: scale 2 cells x 10 / 0.2 = 100; on sums 2 x 100,000 / 0.2.
  EXPECT_EQ(release.count_noise_scale(), 100u);
  EXPECT_EQ(release.sum_noise_scale(), 1'000'000u);
  ASSERT_EQ(release.cells_size(), 4);  // Every pair of configured partitions, none from data.
  const char* expected[][2] = {
      {"north", "food"}, {"north", "tools"}, {"south", "food"}, {"south", "tools"}};
  uint64_t count_margin = crypto::DiscreteLaplaceMargin95(1, 100);
  for (int i = 0; i < 4; ++i) {
    const v1::ReleaseCell& cell = release.cells(i);
    EXPECT_EQ(cell.payer_group(), expected[i][0]);
    EXPECT_EQ(cell.payee_group(), expected[i][1]);
    EXPECT_EQ(cell.count_high() - cell.count(), static_cast<int64_t>(count_margin));
    EXPECT_EQ(cell.count() - cell.count_low(), static_cast<int64_t>(count_margin));
    EXPECT_EQ(cell.sum_high_minor() - cell.sum_minor(), cell.sum_minor() - cell.sum_low_minor());
  }
  EXPECT_TRUE(MessageDifferencer::Equals(Get("this-month"), release));
  EXPECT_EQ(Spent(), 400u);
  EXPECT_EQ(ReleasesOf("res:dan"), std::vector<std::string>{"this-month"});
  EXPECT_EQ(ReleasesOf("res:carol"), std::vector<std::string>{});  // Carol paid no one.
  EXPECT_EQ(ReleasesOf("res:alice"), std::vector<std::string>{});  // Alice did not consent.

  // Dan sees it from his wallet, and in his export.
  std::string keystore = (temp.path() / "dan.key").string();
  std::vector<std::string> wallet = {"--node", node->address(), "--keystore", keystore};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), wallet.begin(), wallet.end());
    return RunProgram(KYOSO_WALLET_BINARY, args, {"KYOSO_PASSPHRASE=correct horse"});
  };
  ASSERT_EQ(run({"init", "--account", "res:dan", "--scrypt-n", "1024"}).exit_code, 0);
  ProgramResult listed = run({"--json", "releases"});
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  nlohmann::json json = nlohmann::json::parse(listed.out);
  ASSERT_EQ(json["releases"].size(), 1u) << listed.out;
  EXPECT_EQ(json["releases"][0]["id"], "this-month");
  EXPECT_EQ(json["releases"][0]["month"], month_);
  ProgramResult text = run({"releases"});
  EXPECT_NE(text.out.find("this-month"), std::string::npos) << text.out;
  std::string out = (temp.path() / "export").string();
  ASSERT_EQ(run({"export", "--out", out}).exit_code, 0);
  std::ifstream exported(out + "/export.json");
  nlohmann::json all = nlohmann::json::parse(exported);
  ASSERT_EQ(all["releases"].size(), 1u);
  EXPECT_EQ(all["releases"][0]["id"], "this-month");
}

TEST_F(ReleaseTest, TheSameRequestGetsTheSameReleaseEvenAfterARestart) {
  RestartNextMonth();
  v1::Release first, again;
  ASSERT_TRUE(Publish(Request("march", 300), &first).ok()) << node->log();
  ASSERT_TRUE(Publish(Request("march", 300), &again).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(first, again)) << "new noise for a repeated request";
  EXPECT_EQ(Spent(), 300u);
  grpc::Status other = Publish(Request("march", 200), &again);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  ASSERT_EQ(node->Stop(), 0);
  ASSERT_TRUE(node->Start()) << node->log();
  Connect();
  EXPECT_TRUE(MessageDifferencer::Equals(Get("march"), first));
  grpc::ClientContext context;
  v1::ReleaseList all;
  ASSERT_TRUE(releases->ListReleases(&context, v1::ListReleasesRequest(), &all).ok());
  ASSERT_EQ(all.releases_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(all.releases(0), first));

  // The same from kyoso-admin.
  auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--node", node->address(), "--json", "release"});
    ProgramResult run = RunProgram(KYOSO_ADMIN_BINARY, args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  };
  nlohmann::json shown = admin({"show", "march"});
  EXPECT_EQ(shown["id"], "march");
  ASSERT_EQ(shown["cells"].size(), 4u);
  EXPECT_EQ(shown["cells"][0]["count"], first.cells(0).count());
  EXPECT_EQ(shown["cells"][3]["sum_minor"], first.cells(3).sum_minor());
  EXPECT_EQ(admin({"list"})["releases"].size(), 1u);
  EXPECT_EQ(admin({"budget", "--currency", kBunji, "--month", month_})["spent_milli"], 300);
}

TEST_F(ReleaseTest, TheBudgetRefusesAReleaseThatWouldPassIt) {
  RestartNextMonth();
  v1::Release release;
  ASSERT_TRUE(Publish(Request("first", 700), &release).ok()) << node->log();
  grpc::Status refused = Publish(Request("second", 400), &release);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(), "privacy_budget_exceeded");
  EXPECT_EQ(Spent(), 700u);
  grpc::ClientContext context;
  v1::GetReleaseRequest missing;
  missing.set_id("second");
  EXPECT_EQ(releases->GetRelease(&context, missing, &release).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReleasesOf("res:erin"), std::vector<std::string>{"first"});
  ASSERT_TRUE(Publish(Request("third", 300), &release).ok());  // Exactly what is left.
  EXPECT_EQ(Spent(), 1'000u);
}

TEST_F(ReleaseTest, BadRequestsAreRefusedWithTheFieldNamed) {
  auto refusal = [&](v1::PublishReleaseRequest request) {
    v1::Release release;
    grpc::Status status = Publish(request, &release);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    return status.error_message();
  };
  v1::PublishReleaseRequest request = Request("bad", 100);
  request.set_payer_group("kind");  // No public list of kinds.
  EXPECT_NE(refusal(request).find("payer_group"), std::string::npos);
  request = Request("bad", 100);
  request.set_month("2026-13");
  EXPECT_NE(refusal(request).find("month"), std::string::npos);
  request = Request("bad", 0);
  EXPECT_NE(refusal(request).find("epsilon_milli"), std::string::npos);
  request = Request("", 100);
  EXPECT_NE(refusal(request).find("id"), std::string::npos);
  EXPECT_EQ(Spent(), 0u);
}

}  // namespace
}  // namespace kyoso::testing
