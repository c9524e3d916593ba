// kyoso-wallet end to end: the real binary, run as a resident and as a merchant would,
// against a real kyoso-node on a free loopback port.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "kyoso/crypto/encoding.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using nlohmann::json;

constexpr char kPassphrase[] = "KYOSO_PASSPHRASE=correct horse";

class WalletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = std::make_unique<NodeProcess>(temp.path() / "node");
    ASSERT_TRUE(node->Start()) << node->log();
    town = std::make_unique<TownClient>(node->channel());
    ASSERT_TRUE(town->SetUpTown());
    // A resident registered with the key of a wallet made by `init`, and a merchant.
    ASSERT_EQ(Wallet("erin", {"init", "--account", "res:erin", "--scrypt-n", "1024"}).exit_code, 0);
    std::string key = *crypto::FromHex(Json("erin", {"address"})["public_key"].get<std::string>());
    v1::CreateAccountRequest erin;
    erin.set_id("res:erin");
    erin.set_currency(kBunji);
    erin.set_owner_public_key(key);
    v1::AdminReply reply;
    grpc::ClientContext context;
    SetTestDeadline(&context);
    ASSERT_TRUE(town->admin().CreateAccount(&context, erin, &reply).ok());
    ASSERT_TRUE(town->TopUp("res:erin", 10'000).status.ok());
    ASSERT_EQ(Wallet("bakery", {"init", "--account", "mch:bakery", "--scrypt-n", "1024"}).exit_code,
              0);
  }

  ProgramResult Wallet(const std::string& who, std::vector<std::string> args,
                       const char* passphrase = kPassphrase) {
    std::vector<std::string> all = {"--node", node->address(), "--keystore", Keystore(who)};
    all.insert(all.end(), args.begin(), args.end());
    return RunProgram(KYOSO_WALLET_BINARY, all, {passphrase});
  }
  json Json(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    ProgramResult run = Wallet(who, args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  }
  std::string Keystore(const std::string& who) { return (temp.path() / (who + ".key")).string(); }

  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
};

TEST_F(WalletTest, InitWritesAPrivateKeystoreAndRefusesToOverwriteIt) {
  struct stat info {};
  ASSERT_EQ(::stat(Keystore("erin").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ProgramResult again = Wallet("erin", {"init", "--account", "res:erin"});
  EXPECT_EQ(again.exit_code, 4) << again.err;
}

TEST_F(WalletTest, BalanceShowsTheLotsAndPayMovesMoneyOnce) {
  json balance = Json("erin", {"balance"});
  EXPECT_EQ(balance["balance_minor"], 10'000);
  ASSERT_EQ(balance["lots"].size(), 1u);

  json paid = Json("erin", {"pay", "--to", "mch:bakery", "--amount", "12.50 BUNJI", "--id",
                            "00000000000000000000000000000abc"});
  EXPECT_EQ(paid["result"], "ok");
  json again = Json("erin", {"pay", "--to", "mch:bakery", "--amount", "12.50", "--id",
                             "00000000000000000000000000000abc"});
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_EQ(town->Balance("res:erin"), 8'750);
  EXPECT_EQ(town->Balance("mch:bakery"), 1'250);

  json history = Json("erin", {"history"});
  EXPECT_EQ(history["entries"].size(), 2u);  // The top-up and the payment.
}

TEST_F(WalletTest, RefusalsHaveTheirExitCodesAndMoveNothing) {
  EXPECT_EQ(Wallet("erin", {"pay", "--to", "mch:bakery", "--amount", "500.00"}).exit_code, 10);
  ProgramResult wrong =
      Wallet("erin", {"pay", "--to", "mch:bakery", "--amount", "1.00"}, "KYOSO_PASSPHRASE=wrong");
  EXPECT_EQ(wrong.exit_code, 4);
  EXPECT_NE(wrong.err.find("passphrase"), std::string::npos) << wrong.err;
  EXPECT_EQ(Wallet("erin", {"pay", "--to", "mch:bakery", "--amount", "1.005"}).exit_code, 2);
  EXPECT_EQ(Wallet("erin", {"pay", "--to", "mch:nowhere", "--amount", "1.00"}).exit_code, 5);
  ProgramResult unreachable = RunProgram(
      KYOSO_WALLET_BINARY, {"--node", "127.0.0.1:1", "--keystore", Keystore("erin"), "balance"},
      {kPassphrase});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos) << unreachable.err;
  EXPECT_EQ(town->Balance("res:erin"), 10'000);
}

TEST_F(WalletTest, AChargeIsHeldCapturedAndPartlyRefunded) {
  json charge = Json("bakery", {"charge", "--amount", "30.00", "--hold", "10m"});
  json held = Json("erin", {"pay", "--request", charge["uri"].get<std::string>()});
  EXPECT_EQ(held["kind"], "hold");
  EXPECT_EQ(town->Balance("res:erin"), 7'000);
  json captured = Json("bakery", {"capture", "--ref", charge["transfer_id"], "--amount", "25.00"});
  EXPECT_EQ(town->Balance("res:erin"), 7'500);
  EXPECT_EQ(Wallet("bakery", {"capture", "--ref", charge["transfer_id"]}).exit_code, 16);
  Json("bakery", {"refund", "--ref", captured["transfer_id"], "--amount", "5.00"});
  EXPECT_EQ(town->Balance("res:erin"), 8'000);
  EXPECT_EQ(town->Balance("mch:bakery"), 2'000);

  json second = Json("bakery", {"charge", "--amount", "10.00"});
  Json("erin", {"pay", "--request", second["uri"].get<std::string>()});
  Json("bakery", {"void", "--ref", second["transfer_id"]});
  EXPECT_EQ(town->Balance("res:erin"), 8'000);
}

TEST_F(WalletTest, AMerchantBuysFromAProducerAndRedeems) {
  ASSERT_TRUE(town->Issue("mch:bakery", 10'000).status.ok());
  Json("bakery", {"purchase", "--to", "prd:farm", "--amount", "20.00"});
  EXPECT_EQ(town->Balance("prd:farm"), 2'000);
  json redeemed = Json("bakery", {"redeem", "--amount", "50.00"});
  EXPECT_EQ(redeemed["fee_minor"], 100);  // The town's 2% redemption fee.
  EXPECT_EQ(redeemed["settled_minor"], 4'900);
  EXPECT_EQ(town->Balance("mch:bakery"), 3'000);
}

TEST_F(WalletTest, ConsentAndExportCoverTheResidentsOwnData) {
  EXPECT_FALSE(town->GetAccount("res:erin").reply.research_consent());
  Json("erin", {"consent", "research", "on"});
  EXPECT_TRUE(town->GetAccount("res:erin").reply.research_consent());
  Json("erin", {"pay", "--to", "mch:bakery", "--amount", "1.00"});

  std::string out = (temp.path() / "export").string();
  Json("erin", {"export", "--out", out});
  for (const char* file : {"account.json", "history.csv", "export.json"}) {
    struct stat info {};
    ASSERT_EQ(::stat((out + "/" + file).c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
  std::ifstream csv(out + "/history.csv");
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("seq,", 0), 0u) << header;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 2);
  std::ifstream exported(out + "/export.json");
  json whole = json::parse(exported, nullptr, false);
  EXPECT_EQ(whole["account"]["research_consent"], true);
}

TEST_F(WalletTest, AResidentCashesFreeMoneyBackIntoNationalMoney) {
  json cashed = Json("erin", {"cash-out", "--amount", "10.00"});
  EXPECT_EQ(cashed["result"], "ok");
  EXPECT_EQ(cashed["settled_minor"], 1'000);  // No incentive on this money to give back.
  EXPECT_EQ(town->Balance("res:erin"), 9'000);
  EXPECT_EQ(town->GetCurrency(kBunji).reply.reserve_minor(), "9000");
}

TEST_F(WalletTest, StatusNamesTheNodesRoleAndChainHead) {
  json status = Json("erin", {"status"});
  EXPECT_EQ(status["role"], "standalone");
  EXPECT_EQ(status["chain_head"].get<std::string>().size(), 64u);
}

}  // namespace
}  // namespace kyoso::testing
