// kyoso-admin: the issuer's and operators' command line (see admin.h).
//
//   kyoso-admin currency create BUNJI --name Bunji --scale 2 --backing KRW
//   kyoso-admin account create res:alice --currency BUNJI --public-key HEX
//   kyoso-admin top-up res:alice "100.00 BUNJI" --program fresh-food
#include <iostream>

#include "admin-cli/admin.h"

namespace kyoso::admin {

std::shared_ptr<grpc::Channel> AdminTool::channel() {
  if (!channel_) channel_ = cli::Connect(options);
  return channel_;
}

v1::Admin::Stub& AdminTool::admin() {
  if (!admin_) admin_ = v1::Admin::NewStub(channel());
  return *admin_;
}
v1::Money::Stub& AdminTool::money() {
  if (!money_) money_ = v1::Money::NewStub(channel());
  return *money_;
}
v1::Query::Stub& AdminTool::query() {
  if (!query_) query_ = v1::Query::NewStub(channel());
  return *query_;
}
v1::Node::Stub& AdminTool::node() {
  if (!node_) node_ = v1::Node::NewStub(channel());
  return *node_;
}
v1::Releases::Stub& AdminTool::releases() {
  if (!releases_) releases_ = v1::Releases::NewStub(channel());
  return *releases_;
}
v1::Research::Stub& AdminTool::research() {
  if (!research_) research_ = v1::Research::NewStub(channel());
  return *research_;
}

int AdminTool::Print(const nlohmann::json& json, const std::string& text) const {
  if (options.json) {
    std::cout << json.dump() << "\n";
  } else {
    std::cout << text << "\n";
  }
  return cli::kExitOk;
}

int AdminTool::Fail(const grpc::Status& status, const grpc::ClientContext& context) const {
  return cli::ReportFailure("admin", options, cli::DescribeFailure(status, context, options));
}

int AdminTool::Fail(int exit_code, std::string message) const {
  return cli::ReportFailure("admin", options, cli::MakeFailure(exit_code, std::move(message)));
}

nlohmann::json OutcomeJson(const v1::Outcome& outcome) {
  return {{"result", outcome.result_name()},
          {"seq", outcome.seq()},
          {"timestamp_ns", outcome.timestamp_ns()},
          {"fee_minor", outcome.fee_minor()},
          {"incentive_minor", outcome.incentive_minor()},
          {"settled_minor", outcome.settled_minor()},
          {"credited_minor", outcome.credited_minor()},
          {"duplicate", outcome.duplicate()}};
}

int RunAdmin(AdminTool& tool, const std::string& done,
             const std::function<grpc::Status(grpc::ClientContext*, v1::AdminReply*)>& call) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::AdminReply reply;
  grpc::Status status = call(&context, &reply);
  if (!status.ok()) return tool.Fail(status, context);
  return tool.Print(OutcomeJson(reply.outcome()), done);
}

}  // namespace kyoso::admin

namespace {

int Main(int argc, char** argv) {
  using namespace kyoso;
  CLI::App app{"kyoso-admin: set up and run a Kyoso community currency (issuer and operators)"};
  app.set_version_flag("--version", KYOSO_VERSION);
  app.require_subcommand(1);
  admin::AdminTool tool;
  cli::AddClientOptions(app, &tool.options);
  admin::AddCurrencyCommands(app, tool);
  admin::AddAccountCommands(app, tool);
  admin::AddProgramCommands(app, tool);
  admin::AddMoneyCommands(app, tool);
  admin::AddClusterCommands(app, tool);
  admin::AddAuditCommands(app, tool);
  admin::AddReleaseCommands(app, tool);
  admin::AddResearchCommands(app, tool);
  admin::AddMetricsCommands(app, tool);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : cli::kExitUsage;
  }
  return tool.run ? tool.run() : cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  int code = Main(argc, argv);
  // Every channel and stub went with the tool (Main's local).
  kyoso::cli::AwaitGrpcShutdown();
  return code;
}
