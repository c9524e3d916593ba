// Query/GetFlowTable and Query/GetProgramMetrics on a real node: a month's table and a
// programme's metrics under the disclosure rules of the node's config ([disclosure], here
// lowered to three payers so a tiny town shows something), suppressed cells, totals and
// figures without their values, and refused requests.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "kyoso/ledger/flows.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

int32_t Today(const v1::NodeStatus& status) {
  return ledger::PeriodOf(ledger::PeriodKind::kDay, status.last_timestamp_ns()).start_day;
}

// The node's day (of its ledger time).
int32_t NodeDay(TownClient& town) {
  Call<v1::NodeStatus> status = town.Status();
  EXPECT_TRUE(status.status.ok());
  return Today(status.reply);
}

// The table of the period holding `day` (a month by default).
grpc::Status TableOf(TownClient& town, int32_t day, const std::string& flow_class,
                     v1::FlowTable* table, const std::string& period = "month") {
  v1::FlowTableRequest request;
  request.set_currency(kBunji);
  request.set_period(period);
  request.set_day(ledger::DayText(day));
  request.set_flow_class(flow_class);
  request.set_payer_group("kind");
  request.set_payee_group("kind");
  grpc::ClientContext context;
  return town.query().GetFlowTable(&context, request, table);
}

// The table of the period holding the node's day.
grpc::Status TodaysTable(TownClient& town, const std::string& flow_class, v1::FlowTable* table,
                         const std::string& period = "month") {
  return TableOf(town, NodeDay(town), flow_class, table, period);
}

// The first day a running period holding `day` is served without, as the node serves
// it: its first day (nothing of it until its month has ended), or (ended_days) `day`.
int32_t ServedUntil(const std::string& period, int32_t day, bool ended_days) {
  if (ended_days) return day;
  const ledger::TimeNs at = ledger::TimeNs{day} * ledger::kNsPerDay;
  return ledger::PeriodOf(*ledger::PeriodKindFromName(period), at).start_day;
}

// What the node serves of the periods holding `day`: its day's, week's and month's
// issuance and payment tables and its month's metrics of free money, as bytes.
std::vector<std::string> ServedOn(TownClient& town, int32_t day, bool ended_days) {
  std::vector<std::string> served;
  for (const char* period : {"day", "week", "month"}) {
    for (const char* flow_class : {"issuance", "payment"}) {
      v1::FlowTable table;
      grpc::Status read = TableOf(town, day, flow_class, &table, period);
      EXPECT_TRUE(read.ok()) << read.error_message();
      EXPECT_EQ(table.until(), ledger::DayText(ServedUntil(period, day, ended_days))) << period;
      served.push_back(table.SerializeAsString());
    }
  }
  v1::ProgramMetricsRequest request;
  request.set_currency(kBunji);
  request.set_program("free");
  request.set_period("month");
  request.set_day(ledger::DayText(day));
  v1::ProgramMetrics metrics;
  grpc::ClientContext context;
  grpc::Status read = town.query().GetProgramMetrics(&context, request, &metrics);
  EXPECT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(metrics.until(), ledger::DayText(ServedUntil("month", day, ended_days)));
  served.push_back(metrics.SerializeAsString());
  return served;
}

// Issues and pays on a node whose disclosure rules are `config`'s, and checks that what
// it serves of the periods holding today is the same before and after, and that today's
// table and (over ended months) the month's are empty. Should the node's day change
// between the readings, it tries again on the new day.
void ExpectTodayUnchangedByTodaysFlows(const std::string& config_text, bool ended_days) {
  TempDir temp;
  std::filesystem::path config = temp.path() / "node.toml";
  std::ofstream(config) << config_text;
  NodeProcess node(temp.path() / "node", {"--config", config.string()});
  ASSERT_TRUE(node.Start()) << node.log();
  TownClient town(node.channel());
  ASSERT_TRUE(town.SetUpTown());
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int32_t day = NodeDay(town);
    const std::vector<std::string> before = ServedOn(town, day, ended_days);
    ASSERT_TRUE(town.Issue("res:alice", 1'000).status.ok());
    ASSERT_TRUE(town.Pay("res:alice", "mch:bakery", 100).status.ok());
    const std::vector<std::string> after = ServedOn(town, day, ended_days);
    if (NodeDay(town) != day) continue;
    EXPECT_EQ(after, before) << "today's issue and payment changed what is served";
    const std::vector<std::string> empty =
        ended_days ? std::vector<std::string>{"day"} : std::vector<std::string>{"day", "month"};
    for (const std::string& period : empty) {
      for (const char* flow_class : {"issuance", "payment"}) {
        v1::FlowTable table;
        ASSERT_TRUE(TableOf(town, day, flow_class, &table, period).ok());
        EXPECT_EQ(table.cells_size(), 0) << period << " " << flow_class;
        EXPECT_EQ(table.total().sum_minor(), "0") << period << " " << flow_class;
      }
    }
    return;
  }
  FAIL() << "the node's day changed during each of two attempts";
}

class FlowTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::path config = temp.path() / "node.toml";
    // Live: today's flows are served today (by default only once today has ended).
    std::ofstream(config) << "[disclosure]\nmin_payers = 3\nmin_payees = 1\n"
                             "dominance_percent = 100\nrunning_periods = \"live\"\n";
    node = std::make_unique<NodeProcess>(temp.path() / "node",
                                         std::vector<std::string>{"--config", config.string()});
    ASSERT_TRUE(node->Start()) << node->log();
    town = std::make_unique<TownClient>(node->channel());
    ASSERT_TRUE(town->SetUpTown());
    ASSERT_TRUE(town->AddResident("res:carol").status.ok());
  }

  grpc::Status Table(const std::string& flow_class, v1::FlowTable* table,
                     const std::string& period = "month") {
    return TodaysTable(*town, flow_class, table, period);
  }

  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
};

TEST_F(FlowTableTest, AMonthOfPaymentsUnderDisclosureControl) {
  for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
    ASSERT_TRUE(town->Issue(resident, 1'000).status.ok());
  }
  ASSERT_TRUE(town->Pay("res:alice", "mch:bakery", 100).status.ok());
  ASSERT_TRUE(town->Pay("res:bob", "mch:bakery", 200).status.ok());
  ASSERT_TRUE(town->Pay("res:carol", "mch:bakery", 300).status.ok());
  ASSERT_TRUE(town->Pay("res:alice", "prd:farm", 50).status.ok());

  // res→prd has one payer: hidden. Row res would then give it away: res→mch goes too.
  // The row total (both hidden) is shown; each column total (one hidden cell) is not.
  v1::FlowTable table;
  grpc::Status status = Table("payment", &table);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(table.period(), "month");
  EXPECT_EQ(table.flow_class(), "payment");
  ASSERT_EQ(table.cells_size(), 2);
  EXPECT_EQ(table.cells(0).payee_group(), "mch");
  EXPECT_EQ(table.cells(0).suppression(), "secondary");
  EXPECT_EQ(table.cells(1).payee_group(), "prd");
  EXPECT_EQ(table.cells(1).suppression(), "primary");
  for (const v1::FlowTableCell& cell : table.cells()) {
    EXPECT_EQ(cell.sum_minor(), "") << "a suppressed cell carries its sum";
    EXPECT_EQ(cell.count(), 0u);
    EXPECT_EQ(cell.distinct_payers(), 0u);
  }
  ASSERT_EQ(table.payer_totals_size(), 1);
  EXPECT_TRUE(table.payer_totals(0).released());
  EXPECT_EQ(table.payer_totals(0).sum_minor(), "650");
  EXPECT_EQ(table.payer_totals(0).count(), 4u);
  for (const v1::FlowTableTotal& total : table.payee_totals()) {
    EXPECT_FALSE(total.released()) << total.group();
    EXPECT_EQ(total.sum_minor(), "");
  }
  EXPECT_TRUE(table.total().released());
  EXPECT_EQ(table.total().sum_minor(), "650");

  // Issuance is kept apart. Its one payer is the issuer, which singles out no one, so only
  // its payees are judged: three, enough under this config.
  status = Table("issuance", &table);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(table.cells_size(), 1);
  EXPECT_EQ(table.cells(0).payer_group(), "iss");
  EXPECT_EQ(table.cells(0).suppression(), "released");
  EXPECT_EQ(table.cells(0).sum_minor(), "3000");
  EXPECT_EQ(table.cells(0).distinct_payers(), 1u);
  EXPECT_TRUE(table.total().released());
}

TEST_F(FlowTableTest, LiveTablesHoldTodaysFlowsSoFar) {
  ASSERT_TRUE(town->Issue("res:alice", 1'000).status.ok());
  v1::FlowTable table;
  ASSERT_TRUE(Table("issuance", &table).ok());
  EXPECT_EQ(table.total().sum_minor(), "1000");
  Call<v1::NodeStatus> status = town->Status();
  ASSERT_TRUE(status.status.ok());
  EXPECT_EQ(table.until(), ledger::DayText(Today(status.reply) + 1));
}

// With the node's default config, a period is served only once its month has ended: what
// was paid this month shows nowhere until then, however often the tables are read.
TEST(FlowTableDefaultTest, ThisMonthsFlowsAreNotServedUntilTheMonthEnds) {
  ExpectTodayUnchangedByTodaysFlows(
      "[disclosure]\nmin_payers = 1\nmin_payees = 1\ndominance_percent = 100\n", false);
}

// Served up to the last ended day, what was paid today shows nowhere until today ends.
TEST(FlowTableDefaultTest, TodaysFlowsAreNotServedUntilTodayEndsUpToTheLastEndedDay) {
  ExpectTodayUnchangedByTodaysFlows(
      "[disclosure]\nmin_payers = 1\nmin_payees = 1\ndominance_percent = 100\n"
      "running_periods = \"ended-days\"\n",
      true);
}

TEST(FlowTableDefaultTest, AnUnknownWayOfServingRunningPeriodsIsRefusedAtStart) {
  TempDir temp;
  std::filesystem::path config = temp.path() / "node.toml";
  std::ofstream(config) << "[disclosure]\nrunning_periods = \"hourly\"\n";
  NodeProcess node(temp.path() / "node", {"--config", config.string()});
  ASSERT_FALSE(node.Start());
  EXPECT_NE(node.log().find("disclosure.running_periods must be \"ended-months\" (the "
                            "default), \"ended-days\" or \"live\""),
            std::string::npos)
      << node.log();
}

TEST_F(FlowTableTest, ThreePayersAreEnoughUnderThisConfig) {
  for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
    ASSERT_TRUE(town->Issue(resident, 1'000).status.ok());
    ASSERT_TRUE(town->Pay(resident, "mch:bakery", 100).status.ok());
  }
  v1::FlowTable table;
  grpc::Status status = Table("payment", &table, "day");
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(table.cells_size(), 1);
  EXPECT_EQ(table.cells(0).suppression(), "released");
  EXPECT_EQ(table.cells(0).sum_minor(), "300");
  EXPECT_EQ(table.cells(0).count(), 3u);
  EXPECT_EQ(table.cells(0).distinct_payers(), 3u);
  EXPECT_EQ(table.cells(0).distinct_payees(), 1u);
}

TEST_F(FlowTableTest, AWeekWithOneDayOfFlowsHidesWhatThatDayHides) {
  // Everything happens today: the week's figures are today's, released and hidden alike
  // (the week is read with its seven days, each protected against its month; this week
  // may span two months).
  for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
    ASSERT_TRUE(town->Issue(resident, 1'000).status.ok());
    ASSERT_TRUE(town->Pay(resident, "mch:bakery", 100).status.ok());
  }
  ASSERT_TRUE(town->Pay("res:alice", "prd:farm", 50).status.ok());
  v1::FlowTable day;
  v1::FlowTable week;
  ASSERT_TRUE(Table("payment", &day, "day").ok());
  grpc::Status status = Table("payment", &week, "week");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(week.period(), "week");
  ASSERT_EQ(week.cells_size(), day.cells_size());
  ASSERT_GT(week.cells_size(), 0);
  for (int i = 0; i < week.cells_size(); ++i) {
    EXPECT_EQ(week.cells(i).payee_group(), day.cells(i).payee_group());
    EXPECT_EQ(week.cells(i).suppression(), day.cells(i).suppression()) << i;
    EXPECT_EQ(week.cells(i).sum_minor(), day.cells(i).sum_minor()) << i;
  }
}

TEST_F(FlowTableTest, ABadRequestNamesItsField) {
  v1::FlowTableRequest request;
  request.set_currency(kBunji);
  request.set_period("year");
  request.set_day("2026-03-01");
  request.set_payer_group("kind");
  request.set_payee_group("kind");
  v1::FlowTable table;
  grpc::ClientContext context;
  grpc::Status status = town->query().GetFlowTable(&context, request, &table);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("period"), std::string::npos) << status.error_message();
  request.set_period("month");
  request.set_day("2026-02-30");
  grpc::ClientContext again;
  status = town->query().GetFlowTable(&again, request, &table);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("day"), std::string::npos) << status.error_message();

  for (const char* outside : {"1969-12-31", "2262-01-01", "9999-12-31"}) {  // Of ledger time.
    request.set_day(outside);
    grpc::ClientContext out_of_time;
    status = town->query().GetFlowTable(&out_of_time, request, &table);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << outside;
    EXPECT_NE(status.error_message().find("1970-01-01"), std::string::npos) << outside;
  }

  // Names the ledger does not know: not found (a table costs its period's whole family).
  request.set_day("2026-03-14");
  request.set_program("no-such-programme");
  grpc::ClientContext unknown_programme;
  status = town->query().GetFlowTable(&unknown_programme, request, &table);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("no-such-programme"), std::string::npos);
  request.set_program("");
  request.set_currency("NOPE");
  grpc::ClientContext unknown_currency;
  status = town->query().GetFlowTable(&unknown_currency, request, &table);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("NOPE"), std::string::npos);
}

TEST_F(FlowTableTest, ProgrammeMetricsUnderDisclosureControl) {
  // Alice, bob and carol top up 1,000 each (fresh-food pays 10% on top) and each spends
  // 50 of the fresh-food money at the bakery: R1 = 300 to three residents, R2 = 150 by
  // three residents, nothing re-spent or redeemed.
  for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
    ASSERT_TRUE(town->TopUp(resident, 1'000, kFreshFood).status.ok());
    ASSERT_TRUE(town->Pay(resident, "mch:bakery", 50).status.ok());
  }
  Call<v1::NodeStatus> status = town->Status();
  ASSERT_TRUE(status.status.ok());
  v1::ProgramMetricsRequest request;
  request.set_currency(kBunji);
  request.set_period("month");
  request.set_day(ledger::DayText(
      ledger::PeriodOf(ledger::PeriodKind::kDay, status.reply.last_timestamp_ns()).start_day));
  request.set_program(kFreshFood);
  auto ask = [&](const v1::ProgramMetricsRequest& q, v1::ProgramMetrics* metrics) {
    grpc::ClientContext context;
    return town->query().GetProgramMetrics(&context, q, metrics);
  };
  v1::ProgramMetrics metrics;
  grpc::Status asked = ask(request, &metrics);
  ASSERT_TRUE(asked.ok()) << asked.error_message();
  EXPECT_EQ(metrics.paid_out_minor(), "300");
  EXPECT_EQ(metrics.spent_minor(), "150");
  EXPECT_EQ(metrics.respent_minor(), "0");
  EXPECT_EQ(metrics.redeemed_minor(), "0");
  EXPECT_EQ(metrics.lm3(), "1.500");
  EXPECT_EQ(metrics.spend_through(), "0.500");
  EXPECT_EQ(metrics.leakage(), "0.000");
  EXPECT_EQ(metrics.rounds_before_redemption(), "");  // Nothing redeemed.
  // The same through kyoso-admin.
  ProgramResult run =
      RunProgram(KYOSO_ADMIN_BINARY, {"--node", node->address(), "--json", "metrics", kFreshFood,
                                      "--currency", kBunji, "--day", request.day()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  nlohmann::json shown = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_EQ(shown["lm3"], "1.500");
  EXPECT_EQ(shown["spent_minor"], "150");
  EXPECT_EQ(shown["until"], metrics.until());
  EXPECT_EQ(metrics.until(), ledger::DayText(ledger::DayFromText(request.day()).value() + 1))
      << "live: today so far";

  // Free money: the top-ups' 3,000 went to three residents. Alice alone spends some: 60
  // takes her last 50 of fresh-food money, then 10 of free money. One payer: held back,
  // and the ratios with it.
  ASSERT_TRUE(town->Pay("res:alice", "mch:bakery", 60).status.ok());
  request.set_program("free");
  ASSERT_TRUE(ask(request, &metrics).ok());
  EXPECT_EQ(metrics.paid_out_minor(), "3000");
  EXPECT_EQ(metrics.spent_minor(), "");  // Only alice spent free money.
  EXPECT_EQ(metrics.lm3(), "");
  EXPECT_EQ(metrics.leakage(), "0.000");

  request.set_program("no-such-programme");
  EXPECT_EQ(ask(request, &metrics).error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_program("");
  EXPECT_EQ(ask(request, &metrics).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_program(kFreshFood);
  request.set_period("year");
  EXPECT_EQ(ask(request, &metrics).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace kyoso::testing
