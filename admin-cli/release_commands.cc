// kyoso-admin release: publish differentially private releases (analysts), read them
// back, and a month's privacy budget (docs/flows.md, Published releases).
#include <sstream>

#include "admin-cli/admin.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

struct PublishFlags {
  std::string id;
  std::string currency;
  std::string month;
  std::string flow_class = "payment";
  std::string payer_group = "district";
  std::string payee_group = "sector";
  uint32_t epsilon_milli = 0;
};

json ReleaseJson(const v1::Release& r) {
  json cells = json::array();
  for (const v1::ReleaseCell& c : r.cells()) {
    cells.push_back({{"payer_group", c.payer_group()},
                     {"payee_group", c.payee_group()},
                     {"count", c.count()},
                     {"count_interval", {c.count_low(), c.count_high()}},
                     {"sum_minor", c.sum_minor()},
                     {"sum_interval_minor", {c.sum_low_minor(), c.sum_high_minor()}}});
  }
  return {{"id", r.id()},
          {"currency", r.currency()},
          {"month", r.month()},
          {"flow_class", r.flow_class()},
          {"payer_group", r.payer_group()},
          {"payee_group", r.payee_group()},
          {"epsilon_milli", r.epsilon_milli()},
          {"spent_after_milli", r.spent_after_milli()},
          {"budget_milli", r.budget_milli()},
          {"mechanism", r.mechanism()},
          {"count_noise_scale", r.count_noise_scale()},
          {"sum_noise_scale", r.sum_noise_scale()},
          {"published_at_utc", cli::FormatTime(r.published_at_ns())},
          {"cells", cells}};
}

std::string ReleaseText(const v1::Release& r) {
  std::ostringstream out;
  out << "Release " << r.id() << ": " << r.currency() << " " << r.month() << ", " << r.flow_class()
      << " by " << r.payer_group() << " -> " << r.payee_group() << ", epsilon "
      << r.epsilon_milli() / 1000.0 << " (month spent " << r.spent_after_milli() / 1000.0 << " of "
      << r.budget_milli() / 1000.0 << ")\n";
  for (const v1::ReleaseCell& c : r.cells()) {
    out << "  " << c.payer_group() << " -> " << c.payee_group() << ": count " << c.count() << " ["
        << c.count_low() << ", " << c.count_high() << "], sum " << c.sum_minor() << " ["
        << c.sum_low_minor() << ", " << c.sum_high_minor() << "] minor units\n";
  }
  out << "95% intervals of the noise (discrete Laplace).";
  return out.str();
}

int Publish(AdminTool& tool, const PublishFlags& flags) {
  v1::PublishReleaseRequest request;
  request.set_id(flags.id);
  request.set_currency(flags.currency);
  request.set_month(flags.month);
  request.set_flow_class(flags.flow_class);
  request.set_payer_group(flags.payer_group);
  request.set_payee_group(flags.payee_group);
  request.set_epsilon_milli(flags.epsilon_milli);
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::Release release;
  grpc::Status status = tool.releases().Publish(&context, request, &release);
  if (!status.ok()) return tool.Fail(status, context);
  return tool.Print(ReleaseJson(release), ReleaseText(release));
}

int Show(AdminTool& tool, const std::string& id) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::GetReleaseRequest request;
  request.set_id(id);
  v1::Release release;
  grpc::Status status = tool.releases().GetRelease(&context, request, &release);
  if (!status.ok()) return tool.Fail(status, context);
  return tool.Print(ReleaseJson(release), ReleaseText(release));
}

int List(AdminTool& tool) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::ReleaseList list;
  grpc::Status status = tool.releases().ListReleases(&context, v1::ListReleasesRequest(), &list);
  if (!status.ok()) return tool.Fail(status, context);
  json all = json::array();
  std::string text = std::to_string(list.releases_size()) + " release(s)";
  for (const v1::Release& r : list.releases()) {
    all.push_back(ReleaseJson(r));
    text += "\n  " + r.id() + "  " + r.currency() + " " + r.month() + " " + r.flow_class() +
            " by " + r.payer_group() + " -> " + r.payee_group();
  }
  return tool.Print({{"releases", all}}, text);
}

int Budget(AdminTool& tool, const std::string& currency, const std::string& month) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::GetPrivacyBudgetRequest request;
  request.set_currency(currency);
  request.set_month(month);
  v1::PrivacyBudget budget;
  grpc::Status status = tool.releases().GetPrivacyBudget(&context, request, &budget);
  if (!status.ok()) return tool.Fail(status, context);
  return tool.Print({{"currency", currency},
                     {"month", month},
                     {"spent_milli", budget.spent_milli()},
                     {"budget_milli", budget.budget_milli()}},
                    currency + " " + month + ": epsilon " +
                        std::to_string(budget.spent_milli() / 1000.0).substr(0, 5) + " spent of " +
                        std::to_string(budget.budget_milli() / 1000.0).substr(0, 5));
}

}  // namespace

void AddReleaseCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* release =
      app.add_subcommand("release", "Differentially private releases of a month's flows");
  release->require_subcommand(1);

  auto flags = std::make_shared<PublishFlags>();
  CLI::App* publish =
      release->add_subcommand("publish", "Publish a release of an ended month (analysts)");
  publish->add_option("id", flags->id, "A name for it, e.g. 2026-03-district-sector")->required();
  publish->add_option("--currency", flags->currency, "The currency")->required();
  publish->add_option("--month", flags->month, "The month, e.g. 2026-03")->required();
  publish
      ->add_option("--class", flags->flow_class, "payment, refund, issuance, redemption, exchange")
      ->capture_default_str();
  publish->add_option("--payers", flags->payer_group, "Group payers by district, sector or program")
      ->capture_default_str();
  publish->add_option("--payees", flags->payee_group, "Group payees by district, sector or program")
      ->capture_default_str();
  publish
      ->add_option("--epsilon-milli", flags->epsilon_milli,
                   "Privacy budget to spend, in thousandths of epsilon (1 to 1000)")
      ->required();
  publish->callback(
      [&tool, flags] { tool.run = [&tool, flags] { return Publish(tool, *flags); }; });

  auto id = std::make_shared<std::string>();
  CLI::App* show = release->add_subcommand("show", "A release as it was published");
  show->add_option("id", *id, "The release")->required();
  show->callback([&tool, id] { tool.run = [&tool, id] { return Show(tool, *id); }; });

  CLI::App* list = release->add_subcommand("list", "Every release");
  list->callback([&tool] { tool.run = [&tool] { return List(tool); }; });

  auto currency = std::make_shared<std::string>();
  auto month = std::make_shared<std::string>();
  CLI::App* budget = release->add_subcommand("budget", "How much of a month's budget is spent");
  budget->add_option("--currency", *currency, "The currency")->required();
  budget->add_option("--month", *month, "The month, e.g. 2026-03")->required();
  budget->callback([&tool, currency, month] {
    tool.run = [&tool, currency, month] { return Budget(tool, *currency, *month); };
  });
}

}  // namespace kyoso::admin
