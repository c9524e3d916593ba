// The web dashboard on a real node, driven in headless Chromium by
// tests/dashboard/drive_dashboard.cjs. In development mode (loopback HTTP): the page loads
// from the node, draws its Sankey, trend and LM3 charts, and the figures it drew are the
// ones the gRPC API gives for the same town; suppressed cells are shown as suppressed.
// Over HTTPS, as the municipality opens it: the browser presents a client certificate and
// the node serves the figures by its role. The screenshots are left in
// build/<preset>/screenshots/.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "kyoso/ledger/flows.h"
#include "support/node_process.h"
#include "support/tls_town.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using nlohmann::json;

// The page at `url` as the browser showed it (see drive_dashboard.cjs), with `environment`
// for the driver; a screenshot is saved to `screenshot`.
json DriveDashboard(const std::string& url, const std::filesystem::path& screenshot,
                    std::vector<std::string> environment = {}) {
  std::filesystem::create_directories(screenshot.parent_path());
  environment.insert(environment.end(),
                     {"NODE_PATH=" KYOSO_DASHBOARD_NODE_MODULES, "CHROMIUM=" KYOSO_CHROMIUM});
  ProgramResult run =
      RunProgram(KYOSO_NODEJS,
                 {std::string(KYOSO_SOURCE_DIR) + "/tests/dashboard/drive_dashboard.cjs", url,
                  screenshot.string()},
                 environment);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.exit_code == 0 ? json::parse(run.out) : json::object();
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = SmallTownNode(temp.path(), running_periods);  // The page and the test see one state.
    ASSERT_TRUE(node->Start()) << node->log();
    town = std::make_unique<TownClient>(node->channel());
    ASSERT_TRUE(town->SetUpTown());
    SetUpShops();
  }

  // Four residents top up under fresh-food; a second later all four shop for food, three
  // buy books, one buys crafts. By sector, under at least three payers per cell: food
  // and books have enough payers, crafts has one (primary suppression), and books goes
  // too (secondary: the residents' row total would give crafts away).
  void SetUpShops() {
    for (const char* resident : {"res:carol", "res:dave"}) {
      ASSERT_TRUE(town->AddResident(resident).status.ok());
    }
    ASSERT_TRUE(town->AddAccount("mch:books", kBunji, "books").status.ok());
    ASSERT_TRUE(town->AddAccount("mch:crafts", kBunji, "crafts").status.ok());
    for (const char* resident : residents) {
      ASSERT_TRUE(town->TopUp(resident, 2'000, kFreshFood).status.ok());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1'200));  // Money held a while.
    int64_t amount = 100;
    for (const char* resident : residents) {
      ASSERT_TRUE(town->Pay(resident, "mch:bakery", amount += 10).status.ok());
      ASSERT_TRUE(town->Pay(resident, "prd:farm", 40).status.ok());
    }
    for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
      ASSERT_TRUE(town->Pay(resident, "mch:books", 70).status.ok());
    }
    ASSERT_TRUE(town->Pay("res:dave", "mch:crafts", 90).status.ok());
  }

  std::string Today() {
    Call<v1::NodeStatus> status = town->Status();
    EXPECT_TRUE(status.status.ok());
    return ledger::DayText(
        ledger::PeriodOf(ledger::PeriodKind::kDay, status.reply.last_timestamp_ns()).start_day);
  }

  v1::FlowTable Flows(const std::string& day) {
    v1::FlowTableRequest request;
    request.set_currency(kBunji);
    request.set_period("month");
    request.set_day(day);
    request.set_payer_group("sector");
    request.set_payee_group("sector");
    v1::FlowTable table;
    grpc::ClientContext context;
    grpc::Status status = town->query().GetFlowTable(&context, request, &table);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return table;
  }

  v1::ProgramMetrics Metrics(const std::string& day, const std::string& program) {
    v1::ProgramMetricsRequest request;
    request.set_currency(kBunji);
    request.set_period("month");
    request.set_day(day);
    request.set_program(program);
    v1::ProgramMetrics metrics;
    grpc::ClientContext context;
    grpc::Status status = town->query().GetProgramMetrics(&context, request, &metrics);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return metrics;
  }

  // The page as the browser showed it, and the screenshot's path.
  json Drive(const std::string& query, const std::filesystem::path& screenshot) {
    return DriveDashboard("http://" + node->http_address() + "/dashboard/?" + query, screenshot);
  }

  const std::vector<const char*> residents{"res:alice", "res:bob", "res:carol", "res:dave"};
  std::string running_periods = "live";  // Today's flows served today.
  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
};

// A ratio as the page holds it: the decimal text, or null when held back.
json Ratio(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

TEST_F(DashboardTest, ChartsShowWhatTheApiReleases) {
  const std::string today = Today();
  const std::filesystem::path screenshot =
      std::filesystem::path(KYOSO_SCREENSHOT_DIR) / "dashboard.png";
  std::filesystem::remove(screenshot);
  json page = Drive("currency=BUNJI&period=month&group=sector&day=" + today, screenshot);
  ASSERT_TRUE(page.is_object() && page.contains("figures")) << page.dump();
  EXPECT_TRUE(page["error"].is_null()) << page["error"];
  EXPECT_EQ(page["errors"], json::array()) << "the page logged errors";

  // The Sankey's links are the released cells, with their sums; the suppressed cells
  // are listed as such, with why.
  v1::FlowTable table = Flows(today);
  json links = json::array();
  json suppressed = json::array();
  for (const v1::FlowTableCell& cell : table.cells()) {
    if (cell.suppression() == "released") {
      links.push_back(
          {{"from", cell.payer_group()}, {"to", cell.payee_group()}, {"sum", cell.sum_minor()}});
    } else {
      suppressed.push_back(
          {{"from", cell.payer_group()}, {"to", cell.payee_group()}, {"why", cell.suppression()}});
    }
  }
  ASSERT_FALSE(links.empty()) << "the town should release a cell";
  ASSERT_FALSE(suppressed.empty()) << "the town should suppress a cell";
  EXPECT_EQ(page["figures"]["flows"]["links"], links);
  EXPECT_EQ(page["figures"]["flows"]["suppressed"], suppressed);
  int suppressed_rows = 0;
  for (const json& row : page["tables"]["flows"]) {
    if (!row["suppressed"].get<bool>()) continue;
    ++suppressed_rows;
    EXPECT_EQ(row["cells"][3], "—") << "a suppressed row shows its sum";
    EXPECT_TRUE(row["cells"][6].get<std::string>().starts_with("suppressed (")) << row;
  }
  EXPECT_EQ(suppressed_rows, static_cast<int>(suppressed.size()));

  // The charts were drawn: the Sankey names every released cell's groups.
  for (const char* chart : {"flows", "velocity", "leakage", "lm3"}) {
    ASSERT_TRUE(page["charts"][chart].is_object()) << chart << " has no SVG";
    EXPECT_GT(page["charts"][chart]["paths"].get<int>(), 0) << chart;
  }
  auto drawn = [&](const char* chart, const std::string& text) {
    const json& texts = page["charts"][chart]["texts"];
    return std::find(texts.begin(), texts.end(), text) != texts.end();
  };
  for (const json& link : links) {
    EXPECT_TRUE(drawn("flows", link["from"])) << link;
    EXPECT_TRUE(drawn("flows", link["to"])) << link;
  }

  // LM3 per programme, velocity and leakage month by month: as the API gives them.
  const json& months = page["figures"]["months"];
  ASSERT_EQ(months.size(), 6u);
  EXPECT_EQ(months[5], today.substr(0, 8) + "01");
  for (const std::string program : {"fresh-food", "free"}) {
    const std::string lm3 = Metrics(today, program).lm3();
    EXPECT_EQ(page["figures"]["lm3"][program], Ratio(lm3)) << program;
    EXPECT_TRUE(lm3.empty() || drawn("lm3", lm3)) << "no bar labelled " << lm3;
    for (size_t i = 0; i < months.size(); ++i) {
      v1::ProgramMetrics month = Metrics(months[i], program);
      EXPECT_EQ(page["figures"]["velocity"][program][i], Ratio(month.velocity())) << program << i;
      EXPECT_EQ(page["figures"]["leakage"][program][i], Ratio(month.leakage())) << program << i;
    }
  }
  // This month's fresh-food figures are released: the town spent it, a second after.
  EXPECT_NE(page["figures"]["velocity"]["fresh-food"][5], nullptr);
  EXPECT_NE(page["figures"]["lm3"]["fresh-food"], nullptr);
  EXPECT_GT(std::filesystem::file_size(screenshot), 10'000u);
}

TEST_F(DashboardTest, TheNodeServesThePageItsScriptAndNothingElse) {
  const std::string base = "http://" + node->http_address();
  HttpAnswer root = HttpGet(base + "/", {"-i"});
  EXPECT_EQ(root.status, 302);
  EXPECT_NE(root.body.find("Location: /dashboard/"), std::string::npos) << root.body;
  HttpAnswer page = HttpGet(base + "/dashboard/?currency=BUNJI", {"-i"});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(page.body.find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"app.js\">"), std::string::npos);
  HttpAnswer script = HttpGet(base + "/dashboard/app.js", {"-i"});
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("Content-Type: text/javascript"), std::string::npos);
  EXPECT_GT(script.body.size(), 100'000u) << "ECharts is bundled into app.js";
  // Only the dashboard's own files: nothing by a relative path, nothing else by name.
  for (const char* path : {"/dashboard/../node.toml", "/dashboard/%2e%2e/node.toml",
                           "/dashboard/secret.js", "/dashboardX", "/dashboard/app.js/"}) {
    HttpAnswer missing = HttpGet(base + path, {"--path-as-is"});
    EXPECT_EQ(missing.status, 404) << path;
    EXPECT_NE(missing.body.find("\"NOT_FOUND\""), std::string::npos) << path;
  }
  // A view's link keeps its query through the redirect.
  HttpAnswer view = HttpGet(base + "/dashboard?currency=BUNJI&group=district", {"-i"});
  EXPECT_EQ(view.status, 302);
  EXPECT_NE(view.body.find("Location: /dashboard/?currency=BUNJI&group=district"),
            std::string::npos)
      << view.body;
}

// The node serving a period once its month has ended (the default): this month's flows
// are not served yet.
class EndedMonthsDashboardTest : public DashboardTest {
 protected:
  EndedMonthsDashboardTest() { running_periods = "ended-months"; }
};

// Opened without a day, the page shows the month before the current one, which the node
// serves, rather than an empty chart; asked for today, it shows this month as served:
// nothing yet.
TEST_F(EndedMonthsDashboardTest, OpensOnTheLastMonthTheNodeServes) {
  const ledger::TimeNs now = ledger::TimeNs{*ledger::DayFromText(Today())} * ledger::kNsPerDay;
  const int32_t this_month = ledger::PeriodOf(ledger::PeriodKind::kMonth, now).start_day;
  const int32_t last_month =
      ledger::PeriodOf(ledger::PeriodKind::kMonth, (this_month - 1) * ledger::kNsPerDay).start_day;
  const std::filesystem::path shots(KYOSO_SCREENSHOT_DIR);
  json opened = Drive("currency=BUNJI&period=month&group=sector", shots / "dashboard-opened.png");
  ASSERT_TRUE(opened.is_object() && opened.contains("figures")) << opened.dump();
  EXPECT_TRUE(opened["error"].is_null()) << opened["error"];
  const json& flows = opened["figures"]["flows"];
  EXPECT_EQ(flows["start"], ledger::DayText(last_month));
  EXPECT_EQ(flows["until"], ledger::DayText(this_month)) << "served whole";
  EXPECT_EQ(opened["figures"]["months"].back(), ledger::DayText(last_month));

  json asked = Drive("currency=BUNJI&period=month&group=sector&day=" + Today(),
                     shots / "dashboard-this-month.png");
  ASSERT_TRUE(asked.is_object() && asked.contains("figures")) << asked.dump();
  EXPECT_TRUE(asked["error"].is_null()) << asked["error"];
  EXPECT_EQ(asked["figures"]["flows"]["start"], ledger::DayText(this_month));
  EXPECT_EQ(asked["figures"]["flows"]["until"], ledger::DayText(this_month)) << "nothing yet";
  EXPECT_EQ(asked["figures"]["flows"]["links"], json::array());
}

// The node serving TLS, its HTTP gateway too: the browser must present a certificate.
class HttpsDashboardTest : public TlsTownTest {
 protected:
  // Live: the town's flows of today are served today.
  HttpsDashboardTest()
      : TlsTownTest({"--http-listen", "127.0.0.1:0", "--running-periods", "live"}) {}

  // The dashboard as the holder of `certificate` (ops/certs dev names) sees it.
  json DriveAs(const std::string& certificate) {
    Call<v1::NodeStatus> status = town_->Status();
    EXPECT_TRUE(status.status.ok());
    const std::string day = ledger::DayText(
        ledger::PeriodOf(ledger::PeriodKind::kDay, status.reply.last_timestamp_ns()).start_day);
    return DriveDashboard(
        "https://" + node_.http_address() +
            "/dashboard/?currency=BUNJI&period=month&group=kind&day=" + day,
        std::filesystem::path(KYOSO_SCREENSHOT_DIR) / ("dashboard-https-" + certificate + ".png"),
        {"KYOSO_CLIENT_CERT=" + certificates_.File(certificate + ".crt"),
         "KYOSO_CLIENT_KEY=" + certificates_.File(certificate + ".key"),
         "NODE_EXTRA_CA_CERTS=" + certificates_.File("ca.crt")});
  }
};

TEST_F(HttpsDashboardTest, AnAnalystsCertificateGetsTheFiguresAResidentsDoesNot) {
  // alice pays the bakery from her wallet: her key, over her certificate.
  ASSERT_TRUE(town_->TopUp("res:alice", 2'000, kFreshFood).status.ok());
  v1::Transfer payment = town_->NewTransfer("res:alice", "mch:bakery", 120);
  town_->Sign(&payment, "payment");
  auto paid = TownClient(Channel("alice")).Send(&v1::Money::Stub::Pay, payment);
  ASSERT_TRUE(paid.status.ok()) << paid.status.error_message();
  json analyst = DriveAs("analyst");
  ASSERT_TRUE(analyst.is_object() && analyst.contains("figures")) << analyst.dump();
  EXPECT_TRUE(analyst["error"].is_null()) << analyst["error"];
  EXPECT_EQ(analyst["errors"], json::array()) << "the page logged errors";
  ASSERT_TRUE(analyst["charts"]["flows"].is_object()) << "no Sankey drawn";
  EXPECT_FALSE(analyst["tables"]["flows"].empty()) << "the town's payments by kind";

  // The page itself is served to any certificate the node trusts; its figures are not.
  json resident = DriveAs("alice");
  ASSERT_TRUE(resident.is_object()) << resident.dump();
  ASSERT_TRUE(resident["error"].is_string()) << resident.dump();
  EXPECT_NE(resident["error"].get<std::string>().find("role resident may not"), std::string::npos)
      << resident["error"];
  EXPECT_TRUE(resident["tables"]["flows"].empty());
}

}  // namespace
}  // namespace kyoso::testing
