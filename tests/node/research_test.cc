// Research microdata on a real node (docs/flows.md, "Research microdata"): keys made by
// the custodian with kyoso-admin, the lab's export through kyoso-admin into transfers.csv
// and datapackage.json, pseudonyms recomputed here from the key file (so the definition
// is checked, not just its consistency), no raw id and no time finer than the day in the
// export, no resident who has not consented, pages that add up, and each refusal.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "kyoso/crypto/encoding.h"
#include "kyoso/ledger/flows.h"
#include "kyoso/v1/research.grpc.pb.h"
#include "node/http_gateway.h"
#include "node/microdata.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using Table = std::vector<std::map<std::string, std::string>>;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// transfers.csv as rows of column → value (the export quotes nothing in this town).
Table ReadCsv(const std::filesystem::path& path) {
  std::istringstream in(ReadFile(path));
  std::vector<std::string> header;
  Table table;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::istringstream fields(line + ",");
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    if (header.empty()) {
      header = cells;
      continue;
    }
    EXPECT_EQ(cells.size(), header.size()) << line;
    std::map<std::string, std::string>& row = table.emplace_back();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
  }
  return table;
}

class ResearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = temp_.path() / "keys";
    ASSERT_EQ(Admin({"research", "key", "release-a", "--dir", keys_.string()}).exit_code, 0);
    ASSERT_EQ(Admin({"research", "key", "release-b", "--dir", keys_.string()}).exit_code, 0);
    node_ = std::make_unique<NodeProcess>(
        temp_.path() / "node", std::vector<std::string>{"--research-keys-dir", keys_.string(),
                                                        "--http-listen", "127.0.0.1:0"});
    ASSERT_TRUE(node_->Start()) << node_->log();
    town_ = std::make_unique<TownClient>(node_->channel());
    research_ = v1::Research::NewStub(node_->channel());
    ASSERT_TRUE(town_->SetUpTown());
    // Carol and dan have consented to research use; alice (of the town) has not.
    for (const char* resident : {"res:carol", "res:dan"}) {
      ASSERT_TRUE(town_->AddResident(resident, kBunji, true).status.ok());
    }
    for (const char* resident : {"res:alice", "res:carol", "res:dan"}) {
      ASSERT_TRUE(town_->Issue(resident, 10'000).status.ok());
      ASSERT_TRUE(town_->Pay(resident, "mch:bakery", 700).status.ok());
    }
    ASSERT_TRUE(town_->TopUp("res:carol", 1'000, kFreshFood).status.ok());  // 10% incentive.
    today_ = LedgerDay();
  }

  // Restarts the node with its wall clock two days ahead (libfaketime, as release_test
  // does), and waits for a tick to carry ledger time past today: today has ended.
  void EndTheDay() {
    ASSERT_EQ(node_->Stop(), 0) << node_->log();
    ASSERT_TRUE(node_->set_clock_ahead("+2d")) << "ops/install-deps installs libfaketime";
    ASSERT_TRUE(node_->Start()) << node_->log();
    town_ = std::make_unique<TownClient>(node_->channel());
    research_ = v1::Research::NewStub(node_->channel());
    for (int i = 0; i < 100 && LedgerDay() <= today_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GT(LedgerDay(), today_);
  }

  std::string LedgerDay() {
    Call<v1::NodeStatus> status = town_->Status();
    EXPECT_TRUE(status.status.ok());
    return ledger::DayText(
        ledger::PeriodOf(ledger::PeriodKind::kDay, status.reply.last_timestamp_ns()).start_day);
  }

  ProgramResult Admin(std::vector<std::string> args) {
    if (node_) args.insert(args.begin(), {"--node", node_->address()});
    return RunProgram(KYOSO_ADMIN_BINARY, args);
  }

  // Exports today under `key` with kyoso-admin into a fresh directory.
  std::filesystem::path Export(const std::string& key) {
    std::filesystem::path out = temp_.path() / ("export-" + key + std::to_string(++exports_));
    ProgramResult run = Admin({"--json", "research", "export", "--currency", kBunji, "--first-day",
                               today_, "--last-day", today_, "--key", key, "--out", out.string()});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return out;
  }

  // The pseudonym of `text` under a key file, computed here from the definition.
  std::string Pseudonym(const std::string& key, const std::string& tag, const std::string& text) {
    std::string hex = ReadFile(keys_ / (key + ".key"));
    std::optional<std::string> bytes = crypto::FromHex(hex.substr(0, 64));
    EXPECT_TRUE(bytes.has_value());
    std::string message = tag + '\0' + text;
    unsigned char mac[32];
    unsigned int size = 0;
    HMAC(EVP_sha256(), bytes->data(), static_cast<int>(bytes->size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
    return crypto::ToHex(std::string_view(reinterpret_cast<const char*>(mac), 16));
  }

  grpc::Status Page(v1::ExportMicrodataRequest request, v1::MicrodataPage* page) {
    grpc::ClientContext context;
    SetTestDeadline(&context);
    return research_->ExportMicrodata(&context, request, page);
  }

  v1::ExportMicrodataRequest Request(const std::string& key = "release-a") {
    v1::ExportMicrodataRequest request;
    request.set_currency(kBunji);
    request.set_first_day(today_);
    request.set_last_day(today_);
    request.set_key(key);
    return request;
  }

  TempDir temp_;
  std::filesystem::path keys_;
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<TownClient> town_;
  std::unique_ptr<v1::Research::Stub> research_;
  std::string today_;
  int exports_ = 0;
};

TEST_F(ResearchTest, TheCustodiansKeysArePrivateAndNeverOverwritten) {
  std::filesystem::path key = keys_ / "release-a.key";
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string before = ReadFile(key);
  EXPECT_EQ(before.size(), 65u);  // 64 hex digits and a newline.
  EXPECT_NE(before, ReadFile(keys_ / "release-b.key"));
  ProgramResult again = Admin({"research", "key", "release-a", "--dir", keys_.string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << again.err;
  EXPECT_EQ(ReadFile(key), before);
}

TEST_F(ResearchTest, OnlyEndedDaysAreExported) {
  v1::MicrodataPage page;
  grpc::Status open = Page(Request(), &page);
  EXPECT_EQ(open.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(open.error_message().find("period_not_closed"), std::string::npos);
  EndTheDay();
  EXPECT_TRUE(Page(Request(), &page).ok());
  EXPECT_FALSE(page.rows().empty());
}

TEST_F(ResearchTest, TheHttpGatewayServesTheSamePages) {
  const std::string path =
      "/v1/microdata?currency=BUNJI&first_day=" + today_ + "&last_day=" + today_ + "&key=";
  HttpAnswer open = HttpGet("http://" + node_->http_address() + path + "release-a");
  EXPECT_EQ(open.status, 409) << open.body;
  EXPECT_NE(open.body.find("period_not_closed"), std::string::npos) << open.body;
  HttpAnswer unknown = HttpGet("http://" + node_->http_address() + path + "no-such-key");
  v1::MicrodataPage page;
  grpc::Status refused = Page(Request("no-such-key"), &page);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(unknown.status, node::HttpStatusOf(refused.error_code())) << unknown.body;

  EndTheDay();
  ASSERT_TRUE(Page(Request(), &page).ok());
  HttpAnswer served = HttpGet("http://" + node_->http_address() + path + "release-a");
  ASSERT_EQ(served.status, 200) << served.body;
  v1::MicrodataPage from_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(served.body, &from_http).ok())
      << served.body;
  EXPECT_FALSE(from_http.rows().empty());
  EXPECT_EQ(from_http.SerializeAsString(), page.SerializeAsString()) << served.body;
}

TEST_F(ResearchTest, TheExportHoldsPseudonymsDaysAndOnlyConsentingResidents) {
  EndTheDay();
  std::filesystem::path out = Export("release-a");
  Table rows = ReadCsv(out / "transfers.csv");
  nlohmann::json package = nlohmann::json::parse(ReadFile(out / "datapackage.json"));

  // Every column is described, in the order of the file.
  const nlohmann::json& fields = package["resources"][0]["schema"]["fields"];
  ASSERT_EQ(fields.size(), 14u);
  ASSERT_FALSE(rows.empty());
  for (const nlohmann::json& field : fields) {
    EXPECT_TRUE(rows[0].count(field["name"].get<std::string>())) << field;
    EXPECT_FALSE(field["description"].get<std::string>().empty()) << field;
  }
  EXPECT_EQ(package["resources"][0]["path"], "transfers.csv");
  EXPECT_EQ(package["kyoso"]["key"], "release-a");
  EXPECT_TRUE(std::regex_match(package["created"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << package["created"];
  EXPECT_EQ(package["kyoso"]["rows"], rows.size());
  EXPECT_EQ(package["kyoso"]["transfers_left_out"], 2);  // Alice's issue and payment.

  // No raw account id, no transfer id, no exact time anywhere in the file.
  std::string csv = ReadFile(out / "transfers.csv");
  for (const char* raw : {"res:", "mch:", "iss:", "prg:", "prd:"}) {
    EXPECT_EQ(csv.find(raw), std::string::npos) << raw;
  }
  Call<v1::NodeStatus> status = town_->Status();
  EXPECT_EQ(csv.find(std::to_string(status.reply.last_timestamp_ns()).substr(0, 10)),
            std::string::npos);
  for (const auto& row : rows) EXPECT_EQ(row.at("day"), today_);

  // Carol's and dan's money, under pseudonyms computed from the key file; alice's not.
  std::string alice = Pseudonym("release-a", "account", "res:alice");
  std::string carol = Pseudonym("release-a", "account", "res:carol");
  std::string bakery = Pseudonym("release-a", "account", "mch:bakery");
  EXPECT_EQ(csv.find(alice), std::string::npos);
  int64_t paid_to_bakery = 0;
  std::set<std::string> payers;
  for (const auto& row : rows) {
    if (row.at("flow_class") != "payment") continue;
    EXPECT_EQ(row.at("payee"), bakery);
    EXPECT_EQ(row.at("payee_kind"), "mch");
    EXPECT_EQ(row.at("payer_kind"), "res");
    paid_to_bakery += std::stoll(row.at("amount_minor"));
    payers.insert(row.at("payer"));
  }
  EXPECT_EQ(paid_to_bakery, 1'400);
  EXPECT_EQ(payers, (std::set<std::string>{carol, Pseudonym("release-a", "account", "res:dan")}));
  // Carol's top-up: 1,000 of free money and 100 of fresh-food money, one transfer.
  std::vector<std::map<std::string, std::string>> top_up;
  for (const auto& row : rows) {
    if (row.at("transfer_kind") == "top_up") top_up.push_back(row);
  }
  ASSERT_EQ(top_up.size(), 2u);
  EXPECT_EQ(top_up[0].at("transfer"), top_up[1].at("transfer"));
  std::map<std::string, std::string> by_program = {
      {top_up[0].at("program"), top_up[0].at("amount_minor")},
      {top_up[1].at("program"), top_up[1].at("amount_minor")}};
  EXPECT_EQ(by_program, (std::map<std::string, std::string>{{"", "1000"}, {kFreshFood, "100"}}));
  EXPECT_EQ(top_up[0].at("payee"), carol);

  // A failed export into the same directory leaves the earlier one as it was.
  ProgramResult failed =
      Admin({"research", "export", "--currency", kBunji, "--first-day", today_, "--last-day",
             today_, "--key", "no-such-key", "--out", out.string()});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_EQ(ReadFile(out / "transfers.csv"), csv);
  EXPECT_FALSE(std::filesystem::exists(out / "transfers.csv.partial"));
  EXPECT_EQ(package["resources"][0]["schema"]["missingValues"], nlohmann::json::array());
}

TEST_F(ResearchTest, PseudonymsLinkOnlyUnderTheSameKey) {
  EndTheDay();
  std::string first = ReadFile(Export("release-a") / "transfers.csv");
  EXPECT_EQ(ReadFile(Export("release-a") / "transfers.csv"), first);
  Table a = ReadCsv(Export("release-a") / "transfers.csv");
  Table b = ReadCsv(Export("release-b") / "transfers.csv");
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> under_a, under_b;
  for (const auto& row : a) under_a.insert({row.at("payer"), row.at("payee"), row.at("transfer")});
  for (const auto& row : b) under_b.insert({row.at("payer"), row.at("payee"), row.at("transfer")});
  for (const std::string& pseudonym : under_b) EXPECT_EQ(under_a.count(pseudonym), 0u);
}

TEST_F(ResearchTest, PagesAddUpAndTheirTokensCannotBeForged) {
  // 2,500 issues to carol in batches of 1,000: more than a page's 1,000 transfers.
  for (int batch = 0; batch < 3; ++batch) {
    v1::SubmitBatchRequest request;
    for (int i = 0; i < (batch < 2 ? 1'000 : 500); ++i) {
      v1::SubmitBatchRequest::Item* item = request.add_items();
      item->set_kind(v1::TRANSFER_KIND_ISSUE);
      *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:carol", 1);
    }
    grpc::ClientContext context;
    SetTestDeadline(&context);
    v1::SubmitBatchReply reply;
    ASSERT_TRUE(town_->money().SubmitBatch(&context, request, &reply).ok());
  }
  EndTheDay();
  v1::ExportMicrodataRequest request = Request();
  std::set<std::string> transfers;
  int pages = 0;
  int64_t issued = 0;
  do {
    v1::MicrodataPage page;
    grpc::Status status = Page(request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ++pages;
    for (const v1::MicrodataRow& row : page.rows()) {
      EXPECT_TRUE(transfers.insert(row.transfer() + row.program()).second) << "repeated row";
      if (row.transfer_kind() == "issue") issued += row.amount_minor();
    }
    request.set_page_token(page.next_page_token());
    if (pages == 1) {
      ASSERT_FALSE(request.page_token().empty());
      // The same token under another key, or another token, is refused.
      v1::ExportMicrodataRequest forged = Request("release-b");
      forged.set_page_token(request.page_token());
      EXPECT_EQ(Page(forged, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      // The token shows no time, and one with its time altered is refused.
      uint64_t shown = std::stoull(request.page_token().substr(0, 16), nullptr, 16);
      auto day_start = static_cast<uint64_t>(*ledger::DayFromText(today_) * ledger::kNsPerDay);
      EXPECT_FALSE(shown >= day_start && shown < day_start + ledger::kNsPerDay) << shown;
      forged = Request();
      std::string altered = request.page_token();
      altered[0] = altered[0] == '0' ? '1' : '0';
      forged.set_page_token(altered);
      EXPECT_EQ(Page(forged, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    }
  } while (!request.page_token().empty());
  EXPECT_GE(pages, 3);
  EXPECT_EQ(issued, 2 * 10'000 + 2'500);  // Carol's and dan's issues and the 2,500.
}

TEST_F(ResearchTest, BadRequestsAreRefusedWithTheReason) {
  EndTheDay();
  auto code = [&](v1::ExportMicrodataRequest request) {
    v1::MicrodataPage page;
    grpc::Status status = Page(request, &page);
    if (!status.ok()) {
      EXPECT_TRUE(page.rows().empty());
    }
    return std::pair(status.error_code(), status.error_message());
  };
  EXPECT_EQ(code(Request("release-c")).first, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(code(Request("Release_A")).first, grpc::StatusCode::INVALID_ARGUMENT);
  v1::ExportMicrodataRequest request = Request();
  request.set_currency("NOPE");
  EXPECT_EQ(code(request).first, grpc::StatusCode::NOT_FOUND);
  request = Request();
  request.set_first_day("2026-02-30");
  auto [day_code, day_message] = code(request);
  EXPECT_EQ(day_code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(day_message.find("first_day"), std::string::npos) << day_message;
  request = Request();
  request.set_first_day("2024-01-01");
  EXPECT_EQ(code(request).first, grpc::StatusCode::INVALID_ARGUMENT);  // Over 366 days.
  request = Request();
  request.set_first_day("2300-01-01");  // Past what ledger time can hold.
  request.set_last_day("2300-01-02");
  EXPECT_EQ(code(request).first, grpc::StatusCode::INVALID_ARGUMENT);

  // A key file others may read is refused until it is private again.
  std::filesystem::path key = keys_ / "release-a.key";
  std::filesystem::permissions(key, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  auto [open_code, open_message] = code(Request());
  EXPECT_EQ(open_code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(open_message.find("chmod 600"), std::string::npos) << open_message;
  std::filesystem::permissions(key, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::remove);
  EXPECT_EQ(code(Request()).first, grpc::StatusCode::OK);

  // A node without a key directory serves no microdata.
  node::ResearchKey loaded;
  EXPECT_EQ(node::LoadResearchKey("", "release-a", &loaded).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(node::LoadResearchKey(keys_.string(), "release-a", &loaded).ok());
  EXPECT_EQ(node::Pseudonyms(loaded).Account("res:carol"),
            Pseudonym("release-a", "account", "res:carol"));
}

}  // namespace
}  // namespace kyoso::testing
