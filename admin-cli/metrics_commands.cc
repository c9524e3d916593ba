// kyoso-admin metrics PROGRAM: a programme's metrics over a day, week or month (analysts
// and auditors; docs/flows.md, Metrics), as the node releases them under its disclosure
// rules: a figure held back shows as "held back"; a period still running, up to the day
// the node takes it to.
#include "admin-cli/admin.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

std::string Shown(const std::string& value) {
  return value.empty() ? "held back" : value;
}

// What the figures of a period not served whole cover (docs/flows.md, Running periods):
// none of its days until its months have ended (by default), or its days before `until`;
// "" once served whole.
std::string Covered(const v1::ProgramMetrics& m) {
  if (m.until() >= m.end()) return "";
  if (m.until() <= m.start()) return "; not served yet: none of its days";
  return "; it has not ended: its days before " + m.until() + " only";
}

int Show(AdminTool& tool, const v1::ProgramMetricsRequest& request) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::ProgramMetrics m;
  grpc::Status status = tool.query().GetProgramMetrics(&context, request, &m);
  if (!status.ok()) return tool.Fail(status, context);
  json out = {{"currency", m.currency()},
              {"program", m.program()},
              {"period", m.period()},
              {"start", m.start()},
              {"end", m.end()},
              {"until", m.until()},
              {"paid_out_minor", m.paid_out_minor()},
              {"spent_minor", m.spent_minor()},
              {"respent_minor", m.respent_minor()},
              {"redeemed_minor", m.redeemed_minor()},
              {"lm3", m.lm3()},
              {"spend_through", m.spend_through()},
              {"leakage", m.leakage()},
              {"rounds_before_redemption", m.rounds_before_redemption()},
              {"average_circulation_minor", m.average_circulation_minor()},
              {"velocity", m.velocity()},
              {"holding_days", m.holding_days()}};
  const std::string covered = Covered(m);
  std::string text =
      m.program() + " money in " + m.currency() + ", " + m.period() + " from " + m.start() +
      " to " + m.end() + covered + " (minor units):\n" + "  paid out (R1)  " +
      Shown(m.paid_out_minor()) + "\n" + "  spent by residents (R2)  " + Shown(m.spent_minor()) +
      "\n" + "  re-spent by businesses (R3)  " + Shown(m.respent_minor()) + "\n" +
      "  redeemed (X)  " + Shown(m.redeemed_minor()) + "\n" + "  LM3 " + Shown(m.lm3()) +
      ", spend-through " + Shown(m.spend_through()) + ", leakage " + Shown(m.leakage()) +
      ", rounds before redemption " + Shown(m.rounds_before_redemption()) + "\n" +
      "  in circulation on average (M)  " + Shown(m.average_circulation_minor()) + ", velocity " +
      Shown(m.velocity()) + ", mean holding period " + Shown(m.holding_days()) + " days\n" +
      "(a ratio is also absent when nothing was paid out or redeemed)";
  return tool.Print(out, text);
}

}  // namespace

void AddMetricsCommands(CLI::App& app, AdminTool& tool) {
  auto request = std::make_shared<v1::ProgramMetricsRequest>();
  request->set_period("month");
  CLI::App* metrics = app.add_subcommand("metrics",
                                         "A programme's LM3, spend-through, leakage, rounds before "
                                         "redemption, velocity and holding period");
  metrics->add_option("program", *request->mutable_program(), "The programme, or free")->required();
  metrics->add_option("--currency", *request->mutable_currency(), "Its currency")->required();
  metrics->add_option("--period", *request->mutable_period(), "day, week or month (default)");
  metrics->add_option("--day", *request->mutable_day(), "Any day of the period, 2026-03-14")
      ->required();
  metrics->callback(
      [&tool, request] { tool.run = [&tool, request] { return Show(tool, *request); }; });
}

}  // namespace kyoso::admin
