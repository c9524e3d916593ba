// The HTTP/JSON gateway on a real node, asked with curl: it answers what the gRPC call
// answers (the same reply as JSON), to the same roles (HTTPS with client certificates),
// refuses bad requests with the gRPC code's HTTP status, and serves Prometheus' /metrics
// to operators and auditors.
#include "node/http_gateway.h"

#include <arpa/inet.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "kyoso/ledger/flows.h"
#include "support/node_process.h"
#include "support/tls_town.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

nlohmann::json AsJson(const google::protobuf::Message& reply) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(reply, &json, options).ok());
  return nlohmann::json::parse(json);
}

std::string Today(TownClient& town) {
  Call<v1::NodeStatus> status = town.Status();
  EXPECT_TRUE(status.status.ok());
  return ledger::DayText(
      ledger::PeriodOf(ledger::PeriodKind::kDay, status.reply.last_timestamp_ns()).start_day);
}

TEST(QueryParameters, FillTheRequestsFieldsByType) {
  v1::ListHistoryRequest request;
  grpc::Status read = node::ReadQueryParameters(
      "account=res%3Aalice+b&from_ns=-3&cursor=18446744073709551615&limit=5&oldest_first=true&",
      &request);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(request.account(), "res:alice b");
  EXPECT_EQ(request.from_ns(), -3);
  EXPECT_EQ(request.cursor(), UINT64_MAX);
  EXPECT_EQ(request.limit(), 5u);
  EXPECT_TRUE(request.oldest_first());
  for (const char* bad : {"limit=-1", "limit=4294967296", "from_ns=12x",
                          "from_ns=", "oldest_first=1", "account=%4", "account=%zz"}) {
    v1::ListHistoryRequest untouched;
    grpc::Status refused = node::ReadQueryParameters(bad, &untouched);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
  }
}

// A development node (no TLS: every caller trusted) whose disclosure rules let a town of
// three residents show figures.
class HttpGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = SmallTownNode(temp.path());
    ASSERT_TRUE(node->Start()) << node->log();
    ASSERT_FALSE(node->http_address().empty()) << "the ready file names no HTTP address";
    town = std::make_unique<TownClient>(node->channel());
    ASSERT_TRUE(town->SetUpTown());
    ASSERT_TRUE(town->AddResident("res:carol").status.ok());
    // Three residents top up under fresh-food and spend some of it at two businesses.
    for (const char* resident : {"res:alice", "res:bob", "res:carol"}) {
      ASSERT_TRUE(town->TopUp(resident, 1'000, kFreshFood).status.ok());
      ASSERT_TRUE(town->Pay(resident, "mch:bakery", 50).status.ok());
      ASSERT_TRUE(town->Pay(resident, "prd:farm", 20).status.ok());
    }
  }

  std::string Url(const std::string& path_and_query) {
    return "http://" + node->http_address() + path_and_query;
  }

  TempDir temp;
  std::unique_ptr<NodeProcess> node;
  std::unique_ptr<TownClient> town;
};

TEST_F(HttpGatewayTest, AFlowTableIsTheGrpcReplyAsJson) {
  v1::FlowTableRequest request;
  request.set_currency(kBunji);
  request.set_period("month");
  request.set_day(Today(*town));
  request.set_payer_group("kind");
  request.set_payee_group("kind");
  v1::FlowTable table;
  grpc::ClientContext context;
  ASSERT_TRUE(town->query().GetFlowTable(&context, request, &table).ok());
  ASSERT_EQ(table.cells_size(), 2);  // res→mch and res→prd.

  HttpAnswer answer =
      HttpGet(Url("/v1/flow-table?currency=BUNJI&period=month&day=" + request.day() +
                  "&payer_group=kind&payee_group=kind"));
  ASSERT_EQ(answer.status, 200) << answer.body;
  nlohmann::json served = nlohmann::json::parse(answer.body);
  EXPECT_EQ(served, AsJson(table));
  EXPECT_EQ(served["cells"][0]["sum_minor"], "150");
  EXPECT_EQ(served["cells"][1]["sum_minor"], "60");
  EXPECT_EQ(served["cells"][1]["distinct_payers"], "3");  // uint64 is a string in JSON.
}

TEST_F(HttpGatewayTest, ProgrammeMetricsAreTheGrpcReplyAsJson) {
  HttpAnswer answer =
      HttpGet(Url("/v1/program-metrics?currency=BUNJI&period=month&day=" + Today(*town) +
                  "&program=fresh-food&stale_ok=true"));
  ASSERT_EQ(answer.status, 200) << answer.body;
  nlohmann::json served = nlohmann::json::parse(answer.body);
  EXPECT_EQ(served["paid_out_minor"], "300");
  EXPECT_EQ(served["spent_minor"], "210");
  EXPECT_EQ(served["lm3"], "1.700");  // (300 + 210) / 300
  EXPECT_EQ(served["spend_through"], "0.700");
  EXPECT_EQ(served["rounds_before_redemption"], "");
}

TEST_F(HttpGatewayTest, BadRequestsGetTheirStatusAndSayWhy) {
  const std::string day = Today(*town);
  struct Case {
    std::string path;
    int status;
    std::string code;
    std::string names;  // A word the message must contain.
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/flow-table?currency=BUNJI&period=year&day=" + day, 400, "INVALID_ARGUMENT",
            "period"},
           {"/v1/flow-table?colour=blue", 400, "INVALID_ARGUMENT", "colour"},
           {"/v1/flow-table?currency=A&currency=B", 400, "INVALID_ARGUMENT", "more than once"},
           {"/v1/flow-table?stale_ok=yes", 400, "INVALID_ARGUMENT", "stale_ok"},
           {"/v1/flow-table?currency=%G1", 400, "INVALID_ARGUMENT", "percent"},
           {"/v1/program-metrics?currency=BUNJI&period=month&day=" + day + "&program=nope", 404,
            "NOT_FOUND", "nope"},
           {"/v1/transfers", 404, "NOT_FOUND", "/v1/flow-table"},
           // Not UTF-8 once decoded: refused, not echoed (the node used to stop on it).
           {"/v1/flow-table?currency=%FF", 400, "INVALID_ARGUMENT", "UTF-8"},
           {"/v1/flow-table?%FF=1", 400, "INVALID_ARGUMENT", "UTF-8"},
           // The gate's limits apply as on the gRPC port.
           {"/v1/flow-table?currency=" + std::string(2'000, 'A'), 400, "INVALID_ARGUMENT",
            "at most 1024 bytes"},
       }) {
    HttpAnswer answer = HttpGet(Url(c.path));
    EXPECT_EQ(answer.status, c.status) << c.path << ": " << answer.body;
    nlohmann::json error = nlohmann::json::parse(answer.body, nullptr, false);
    EXPECT_EQ(error["code"], c.code) << c.path;
    EXPECT_NE(error["message"].get<std::string>().find(c.names), std::string::npos)
        << c.path << ": " << answer.body;
  }
  HttpAnswer posted = HttpGet(Url("/v1/flow-table"), {"-X", "POST"});
  EXPECT_EQ(posted.status, 405) << posted.body;
  HttpAnswer head = HttpGet(Url("/v1/flow-table"), {"--head"});
  EXPECT_EQ(head.status, 405) << head.body;
  HttpAnswer large =
      HttpGet(Url("/v1/flow-table"), {"-X", "GET", "--data-binary", std::string(4'000, 'x')});
  EXPECT_EQ(large.status, 413) << large.body;
  // The node still serves after all that.
  EXPECT_EQ(HttpGet(Url("/metrics")).status, 200);
}

// An idle TCP connection to host:port; -1 if it cannot connect.
int Connect(const std::string& address) {
  size_t colon = address.rfind(':');
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(HttpGatewayConfig, OpenConnectionsAreCapped) {
  TempDir temp;
  std::filesystem::path config = temp.path() / "node.toml";
  std::ofstream(config) << "[http]\nlisten = \"127.0.0.1:0\"\nconnections_max = 2\n";
  NodeProcess node(temp.path() / "node", {"--config", config.string()});
  ASSERT_TRUE(node.Start()) << node.log();
  const std::string metrics = "http://" + node.http_address() + "/metrics";
  int first = Connect(node.http_address());
  int second = Connect(node.http_address());
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  HttpAnswer refused = HttpGet(metrics);
  EXPECT_EQ(refused.status, 0) << "a third connection was served: " << refused.body;
  ::close(first);
  HttpAnswer served;
  for (int i = 0; i < 100 && served.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    served = HttpGet(metrics);
  }
  ASSERT_EQ(served.status, 200) << "a closed connection did not free its place";
  EXPECT_NE(served.body.find("kyoso_http_connections_refused_total 1"), std::string::npos)
      << served.body;
  ::close(second);
}

TEST(HttpGatewayConfig, PlainHttpServesLoopbackOnly) {
  TempDir temp;
  NodeProcess node(temp.path() / "node", {"--http-listen", "0.0.0.0:0"});
  ASSERT_FALSE(node.Start());
  EXPECT_NE(node.log().find("http listen 0.0.0.0:0 is not loopback"), std::string::npos)
      << node.log();
}

TEST_F(HttpGatewayTest, MetricsCountRequestsAndShowTheAppliedIndex) {
  ASSERT_EQ(HttpGet(Url("/v1/flow-table?colour=blue")).status, 400);
  HttpAnswer answer = HttpGet(Url("/metrics"));
  ASSERT_EQ(answer.status, 200) << answer.body;
  Call<v1::NodeStatus> status = town->Status();
  ASSERT_TRUE(status.status.ok());
  EXPECT_NE(answer.body.find("kyoso_http_requests_total{code=\"400\",path=\"/v1/flow-table\"} 1"),
            std::string::npos)
      << answer.body;
  EXPECT_NE(answer.body.find("kyoso_applied_index " + std::to_string(status.reply.applied_index())),
            std::string::npos)
      << answer.body << "\nstatus says " << status.reply.applied_index();
  EXPECT_NE(answer.body.find("kyoso_leader 1"), std::string::npos) << answer.body;
}

// The same gateway on a node serving TLS: roles from client certificates.
class HttpsGatewayTest : public TlsTownTest {
 protected:
  HttpsGatewayTest() : TlsTownTest({"--http-listen", "127.0.0.1:0"}) {}

  HttpAnswer GetAs(const std::string& certificate, const std::string& path) {
    std::vector<std::string> tls = {"--cacert", certificates_.File("ca.crt")};
    if (!certificate.empty()) {
      tls.insert(tls.end(), {"--cert", certificates_.File(certificate + ".crt"), "--key",
                             certificates_.File(certificate + ".key")});
    }
    return HttpGet("https://" + node_.http_address() + path, tls);
  }
};

TEST_F(HttpsGatewayTest, RolesComeFromClientCertificates) {
  const std::string table = "/v1/flow-table?currency=BUNJI&period=month&day=" + Today(*town_) +
                            "&payer_group=kind&payee_group=kind";
  EXPECT_EQ(GetAs("analyst", table).status, 200);
  EXPECT_EQ(GetAs("auditor", table).status, 200);
  HttpAnswer resident = GetAs("alice", table);
  EXPECT_EQ(resident.status, 403) << resident.body;
  EXPECT_NE(resident.body.find("PERMISSION_DENIED"), std::string::npos) << resident.body;
  // No certificate: the TLS handshake itself is refused.
  HttpAnswer anonymous = GetAs("", table);
  EXPECT_EQ(anonymous.status, 0);
  EXPECT_NE(anonymous.curl_exit, 0);

  EXPECT_EQ(GetAs("operator", "/metrics").status, 200);
  HttpAnswer analyst_metrics = GetAs("analyst", "/metrics");
  EXPECT_EQ(analyst_metrics.status, 403) << analyst_metrics.body;
}

TEST_F(HttpsGatewayTest, ReleasesAreServedToTheirReaders) {
  // Nothing published yet: an empty list, an untouched budget, no release including alice.
  HttpAnswer list = GetAs("alice", "/v1/releases");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(nlohmann::json::parse(list.body), nlohmann::json::parse(R"({"releases": []})"));
  HttpAnswer budget = GetAs("analyst", "/v1/privacy-budget?currency=BUNJI&month=2026-03");
  ASSERT_EQ(budget.status, 200) << budget.body;
  nlohmann::json shown = nlohmann::json::parse(budget.body);
  EXPECT_EQ(shown["spent_milli"], 0);
  EXPECT_EQ(shown["budget_milli"], 1000);
  EXPECT_EQ(GetAs("analyst", "/v1/privacy-budget?currency=BUNJI&month=March").status, 400);
  HttpAnswer mine = GetAs("alice", "/v1/account-releases?account=res:alice");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(nlohmann::json::parse(mine.body), nlohmann::json::parse(R"({"ids": []})"));
  // A resident's certificate is bound to its account, here as on the gRPC port.
  HttpAnswer theirs = GetAs("alice", "/v1/account-releases?account=res:bob");
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  EXPECT_NE(theirs.body.find("bound to res:alice"), std::string::npos) << theirs.body;
  EXPECT_EQ(GetAs("alice", "/v1/release?id=2026-03-BUNJI").status, 404);
}

// A node that allows each certificate a burst of three calls, then one every 20 s: the
// operator's scrapes of /metrics are calls like any other.
TEST(ThrottledHttpsGateway, MetricsScrapesCountAgainstTheScrapersRate) {
  TempDir temp;
  TestCertificates certificates{temp.path() / "certs"};
  ASSERT_TRUE(certificates.ok()) << certificates.error();
  std::vector<std::string> flags = certificates.NodeFlags();
  flags.insert(flags.end(), {"--http-listen", "127.0.0.1:0", "--calls-per-second", "0.05",
                             "--calls-burst", "3"});
  NodeProcess node(temp.path() / "node", flags);
  node.set_channel_credentials(certificates.Credentials("auditor"));  // Not the scraper's.
  ASSERT_TRUE(node.Start()) << node.log();
  std::vector<std::string> operator_tls = {"--cacert", certificates.File("ca.crt"),
                                           "--cert",   certificates.File("operator.crt"),
                                           "--key",    certificates.File("operator.key")};
  const std::string url = "https://" + node.http_address() + "/metrics";
  for (int scrape = 0; scrape < 3; ++scrape) {
    EXPECT_EQ(HttpGet(url, operator_tls).status, 200) << "scrape " << scrape;
  }
  HttpAnswer refused = HttpGet(url, operator_tls);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.body.find("rate limit: the operator certificate"), std::string::npos)
      << refused.body;
}

}  // namespace
}  // namespace kyoso::testing
