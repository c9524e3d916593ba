// kyoso-admin: issuing and topping up money, corrections, and reads.
#include "admin-cli/admin.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

struct TransferFlags {
  std::string to;
  std::string from;
  std::string amount;
  std::string program;
  std::string memo;
  std::string id;
};

using MoneyCall = grpc::Status (v1::Money::Stub::*)(grpc::ClientContext*,
                                                    const v1::TransferRequest&, v1::TransferReply*);

// Resolves the amount in the payer's currency and sends the transfer.
int SendTransfer(AdminTool& tool, const TransferFlags& flags, const std::string& currency_code,
                 MoneyCall call, const std::string& verb) {
  cli::Failure failure;
  std::optional<v1::Currency> currency =
      cli::FetchCurrency(tool.query(), tool.options, currency_code, &failure);
  if (!currency) return cli::ReportFailure("admin", tool.options, failure);
  std::string error;
  std::optional<int64_t> amount =
      cli::ParseAmount(flags.amount, currency->scale(), currency->code(), &error);
  if (!amount || *amount <= 0) {
    return tool.Fail(cli::kExitUsage, amount ? "the amount must be positive" : error);
  }
  v1::TransferRequest request;
  v1::Transfer* t = request.mutable_transfer();
  std::optional<std::string> id =
      flags.id.empty() ? cli::NewTransferId() : cli::NormalizeTransferId(flags.id);
  if (!id) return tool.Fail(cli::kExitUsage, "--id must be 32 hexadecimal digits");
  t->set_id(*id);
  t->set_from(flags.from.empty() ? currency->issuer_account() : flags.from);
  t->set_to(flags.to);
  t->set_amount_minor(*amount);
  t->set_currency(currency->code());
  t->set_program(flags.program);
  t->set_memo(flags.memo);
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::TransferReply reply;
  grpc::Status status = (tool.money().*call)(&context, request, &reply);
  if (!status.ok()) return tool.Fail(status, context);
  const v1::Outcome& outcome = reply.outcome();
  json out = OutcomeJson(outcome);
  out["id"] = reply.id();
  std::string text = verb + " " + cli::FormatAmount(*amount, currency->scale(), currency->code()) +
                     " to " + flags.to + " — transfer " + reply.id() + ", seq " +
                     std::to_string(outcome.seq());
  if (outcome.incentive_minor() != 0) {
    text += "\n  incentive " +
            cli::FormatAmount(outcome.incentive_minor(), currency->scale(), currency->code()) +
            " of programme " + flags.program;
  }
  if (outcome.duplicate()) text += " (already done earlier under this id)";
  return tool.Print(out, text);
}

void AddTransferCommand(CLI::App& app, AdminTool& tool, const char* name, const char* help,
                        MoneyCall call, const char* verb, bool needs_from) {
  auto flags = std::make_shared<TransferFlags>();
  auto currency = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(name, help);
  if (needs_from) {
    command->add_option("from", flags->from, "The account debited")->required();
  }
  command->add_option("to", flags->to, "The account credited")->required();
  command->add_option("amount", flags->amount, "Amount with its currency, e.g. \"100.00 BUNJI\"")
      ->required();
  command->add_option("--currency", *currency, "The currency, when the amount has no code");
  command->add_option("--program", flags->program, "The programme it is made under");
  command->add_option("--memo", flags->memo, needs_from ? "Why (required)" : "A short note");
  command->add_option("--id", flags->id, "Transfer id (32 hex) to retry idempotently");
  command->callback([&tool, flags, currency, call, verb = std::string(verb)] {
    tool.run = [&tool, flags, currency, call, verb] {
      std::string code = *currency;
      if (size_t space = flags->amount.rfind(' '); code.empty() && space != std::string::npos) {
        code = flags->amount.substr(space + 1);
      }
      if (code.empty()) return tool.Fail(cli::kExitUsage, "say the currency: \"100.00 BUNJI\"");
      return SendTransfer(tool, *flags, code, call, verb);
    };
  });
}

int ShowAccount(AdminTool& tool, const std::string& id) {
  v1::GetAccountRequest request;
  request.set_id(id);
  v1::Account account;
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  grpc::Status status = tool.query().GetAccount(&context, request, &account);
  if (!status.ok()) return tool.Fail(status, context);
  cli::Failure failure;
  std::optional<v1::Currency> currency =
      cli::FetchCurrency(tool.query(), tool.options, account.currency(), &failure);
  if (!currency) return cli::ReportFailure("admin", tool.options, failure);
  auto money = [&](int64_t minor) {
    return cli::FormatAmount(minor, currency->scale(), currency->code());
  };
  json lots = json::array();
  std::string text = account.id() + " (" + v1::AccountStatus_Name(account.status()) +
                     ", district " + account.district() + ", sector " + account.sector() +
                     ")\n  balance " + money(account.balance_minor());
  for (const v1::Lot& lot : account.lots()) {
    lots.push_back({{"program", lot.program()},
                    {"amount_minor", lot.amount_minor()},
                    {"expiry_ns", lot.expiry_ns()}});
    text += "\n    " + money(lot.amount_minor()) + "  " +
            (lot.program().empty() ? "free" : lot.program()) + ", expires " +
            cli::FormatTime(lot.expiry_ns());
  }
  json out = {{"id", account.id()},
              {"currency", account.currency()},
              {"balance_minor", account.balance_minor()},
              {"status", v1::AccountStatus_Name(account.status())},
              {"research_consent", account.research_consent()},
              {"lots", lots}};
  return tool.Print(out, text);
}

int ShowStatus(AdminTool& tool) {
  v1::NodeStatus status;
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  grpc::Status call = tool.node().GetStatus(&context, v1::GetStatusRequest(), &status);
  if (!call.ok()) return tool.Fail(call, context);
  json out = {{"node_id", status.node_id()},
              {"role", status.role()},
              {"leader_address", status.leader_address()},
              {"raft_id", status.raft_id()},
              {"term", status.term()},
              {"commit_index", status.commit_index()},
              {"raft_applied_index", status.raft_applied_index()},
              {"applied_index", status.applied_index()},
              {"chain_head", status.chain_head_hex()},
              {"last_seq", status.last_seq()},
              {"version", status.version()}};
  return tool.Print(out, status.node_id() + ": " + status.role() + ", applied index " +
                             std::to_string(status.applied_index()) + ", last sequence " +
                             std::to_string(status.last_seq()) + "\n  chain head " +
                             status.chain_head_hex());
}

}  // namespace

void AddMoneyCommands(CLI::App& app, AdminTool& tool) {
  AddTransferCommand(app, tool, "issue",
                     "Create money into an account (optionally under a programme)",
                     &v1::Money::Stub::Issue, "Issued", false);
  AddTransferCommand(app, tool, "top-up",
                     "National money in: credit an account, plus a programme's incentive",
                     &v1::Money::Stub::TopUp, "Topped up", false);
  AddTransferCommand(app, tool, "correct",
                     "An operator's correcting entry between two accounts (never an edit)",
                     &v1::Money::Stub::Correct, "Corrected", true);

  auto account_id = std::make_shared<std::string>();
  CLI::App* show =
      app.get_subcommand("account")->add_subcommand("show", "Balance, lots and status");
  show->add_option("id", *account_id, "The account")->required();
  show->callback([&tool, account_id] {
    tool.run = [&tool, account_id] { return ShowAccount(tool, *account_id); };
  });

  CLI::App* status = app.add_subcommand("status", "The node's role, applied index and chain head");
  status->callback([&tool] { tool.run = [&tool] { return ShowStatus(tool); }; });
}

}  // namespace kyoso::admin
