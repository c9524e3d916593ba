// kyoso-admin: the issuer's and operators' command line — currencies, accounts,
// programmes and their rules, exchange rates, issuing and topping up money,
// corrections, and reading what the node holds.
//
// Each subcommand registers itself on a CLI11 app and, when chosen, leaves the work to do
// in AdminTool::run; main runs it after parsing. Output is human text, or one JSON
// object per command with --json. Exit codes are kyoso_client's (docs/wallet.md).
// Not thread-safe: one command per process.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "kyoso/v1/admin.grpc.pb.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/node.grpc.pb.h"
#include "kyoso/v1/query.grpc.pb.h"
#include "kyoso/v1/releases.grpc.pb.h"
#include "kyoso/v1/research.grpc.pb.h"
#include "wallet-cli/client.h"

namespace kyoso::admin {

struct AdminTool {
  cli::ClientOptions options;
  std::function<int()> run;  // Set by the chosen subcommand.

  // Stubs on one channel, made on first use.
  v1::Admin::Stub& admin();
  v1::Money::Stub& money();
  v1::Query::Stub& query();
  v1::Node::Stub& node();
  v1::Releases::Stub& releases();
  v1::Research::Stub& research();

  // Prints `json` (with --json) or `text` (without); returns kExitOk.
  int Print(const nlohmann::json& json, const std::string& text) const;
  // Reports a failed call and returns its exit code.
  int Fail(const grpc::Status& status, const grpc::ClientContext& context) const;
  int Fail(int exit_code, std::string message) const;

 private:
  std::shared_ptr<grpc::Channel> channel();
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::Money::Stub> money_;
  std::unique_ptr<v1::Query::Stub> query_;
  std::unique_ptr<v1::Node::Stub> node_;
  std::unique_ptr<v1::Releases::Stub> releases_;
  std::unique_ptr<v1::Research::Stub> research_;
};

void AddCurrencyCommands(CLI::App& app, AdminTool& tool);
void AddAccountCommands(CLI::App& app, AdminTool& tool);
void AddProgramCommands(CLI::App& app, AdminTool& tool);
void AddMoneyCommands(CLI::App& app, AdminTool& tool);
void AddClusterCommands(CLI::App& app, AdminTool& tool);
void AddAuditCommands(CLI::App& app, AdminTool& tool);
void AddReleaseCommands(CLI::App& app, AdminTool& tool);
void AddResearchCommands(CLI::App& app, AdminTool& tool);
void AddMetricsCommands(CLI::App& app, AdminTool& tool);

// An outcome as JSON: {"result": "ok", "seq": …}.
nlohmann::json OutcomeJson(const v1::Outcome& outcome);
// Sends one admin command and prints `done` on success.
int RunAdmin(AdminTool& tool, const std::string& done,
             const std::function<grpc::Status(grpc::ClientContext*, v1::AdminReply*)>& call);

}  // namespace kyoso::admin
