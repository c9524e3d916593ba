#include "node/flow_tables.h"

#include "kyoso/ledger/metrics.h"
#include "node/translate.h"

namespace kyoso::node {
namespace {

using ledger::Wide;

void ToProto(const ledger::ProtectedCell& in, v1::FlowTableCell* out) {
  out->set_payer_group(in.cell.payer_group);
  out->set_payee_group(in.cell.payee_group);
  out->set_suppression(std::string(ledger::SuppressionName(in.suppression)));
  if (!in.released()) return;
  out->set_count(in.cell.count);
  out->set_sum_minor(in.cell.sum.str());
  out->set_distinct_payers(in.cell.distinct_payers);
  out->set_distinct_payees(in.cell.distinct_payees);
}

void ToProto(const ledger::FlowTotal& in, v1::FlowTableTotal* out) {
  out->set_group(in.group);
  out->set_released(in.released);
  if (!in.released) return;
  out->set_count(in.count);
  out->set_sum_minor(in.sum.str());
}

void ToProto(const ledger::ProtectedTable& table, v1::FlowTable* out) {
  const ledger::FlowQuery& q = table.query;
  out->set_currency(q.currency);
  out->set_period(std::string(ledger::PeriodKindName(q.period.kind)));
  out->set_start(ledger::DayText(q.period.start_day));
  out->set_end(ledger::DayText(ledger::PeriodEndDay(q.period)));
  out->set_flow_class(std::string(ledger::FlowClassName(q.flow_class)));
  out->set_payer_group(std::string(ledger::GroupByName(q.payer_group)));
  out->set_payee_group(std::string(ledger::GroupByName(q.payee_group)));
  if (q.program) out->set_program(q.program->empty() ? "free" : *q.program);
  for (const ledger::ProtectedCell& cell : table.cells) ToProto(cell, out->add_cells());
  for (const ledger::FlowTotal& total : table.payer_totals) ToProto(total, out->add_payer_totals());
  for (const ledger::FlowTotal& total : table.payee_totals) ToProto(total, out->add_payee_totals());
  ToProto(table.total, out->mutable_total());
}

grpc::Status Build(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                   const ledger::DisclosureRules& rules, ledger::ProtectedTable* out) {
  ledger::StatusOr<ledger::FlowTable> table = ledger.Flows(query);
  if (!table.ok()) return ToGrpcStatus(table.status());
  *out = ledger::Protect(*table, rules);
  return grpc::Status::OK;
}

// The period of `kind` ("day", "week", "month") holding `day` ("2026-03-14").
grpc::Status ToPeriod(const std::string& kind, const std::string& day, ledger::Period* period) {
  std::optional<ledger::PeriodKind> period_kind = ledger::PeriodKindFromName(kind);
  if (!period_kind) return InvalidField("period", "must be day, week or month");
  std::optional<int32_t> start = ledger::DayFromText(day);
  if (!start) return InvalidField("day", "must be a date such as 2026-03-14");
  *period = ledger::PeriodOf(*period_kind, ledger::TimeNs{*start} * ledger::kNsPerDay);
  return grpc::Status::OK;
}

std::string SumText(const std::optional<ledger::Wide>& sum) {
  return sum ? sum->str() : std::string();
}

// Thousandths as a decimal with three places: 1640 -> "1.640".
std::string RatioText(const std::optional<ledger::Wide>& milli) {
  if (!milli) return std::string();
  std::string digits = (*milli / 1'000).str();
  std::string fraction = (*milli % 1'000 + 1'000).str().substr(1);
  return digits + "." + fraction;
}

}  // namespace

grpc::Status ToFlowQuery(const v1::FlowTableRequest& q, ledger::FlowQuery* query) {
  if (q.currency().empty()) return InvalidField("currency", "is required");
  query->currency = q.currency();
  if (grpc::Status valid = ToPeriod(q.period(), q.day(), &query->period); !valid.ok()) {
    return valid;
  }
  std::optional<ledger::FlowClass> flow_class = q.flow_class().empty()
                                                    ? ledger::FlowClass::kPayment
                                                    : ledger::FlowClassFromName(q.flow_class());
  if (!flow_class) {
    return InvalidField("flow_class", "must be payment, refund, issuance, redemption or exchange");
  }
  query->flow_class = *flow_class;
  std::optional<ledger::GroupBy> payer = ledger::GroupByFromName(q.payer_group());
  std::optional<ledger::GroupBy> payee = ledger::GroupByFromName(q.payee_group());
  if (!payer) return InvalidField("payer_group", "must be kind, sector, district or program");
  if (!payee) return InvalidField("payee_group", "must be kind, sector, district or program");
  query->payer_group = *payer;
  query->payee_group = *payee;
  query->program.reset();
  if (!q.program().empty()) query->program = q.program() == "free" ? "" : q.program();
  return grpc::Status::OK;
}

namespace {

// The month or ISO week holding `day`.
ledger::Period PeriodOfDay(ledger::PeriodKind kind, int32_t day) {
  return ledger::PeriodOf(kind, ledger::TimeNs{day} * ledger::kNsPerDay);
}
ledger::Period MonthOf(int32_t day) {
  return PeriodOfDay(ledger::PeriodKind::kMonth, day);
}

// The day tables of `month` as GetFlowTable serves them: each protected against the month.
grpc::Status ServedDays(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                        const ledger::Period& month, const ledger::DisclosureRules& rules,
                        std::vector<ledger::ProtectedTable>* days) {
  ledger::FlowQuery month_query = query;
  month_query.period = month;
  ledger::ProtectedTable whole;
  if (grpc::Status built = Build(ledger, month_query, rules, &whole); !built.ok()) return built;
  days->clear();
  std::vector<int32_t> weeks;  // Each day's, by its first day.
  for (int32_t d = month.start_day; d < ledger::PeriodEndDay(month); ++d) {
    ledger::FlowQuery day_query = query;
    day_query.period = {ledger::PeriodKind::kDay, d};
    days->emplace_back();
    if (grpc::Status built = Build(ledger, day_query, rules, &days->back()); !built.ok()) {
      return built;
    }
    weeks.push_back(PeriodOfDay(ledger::PeriodKind::kWeek, d).start_day);
  }
  ledger::ProtectParts(whole, days, weeks);
  return grpc::Status::OK;
}

// A week's table protected against its seven days as they are served (a week may span
// two months): it hides every figure one of its days hides.
grpc::Status ServeWeek(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                       const ledger::DisclosureRules& rules, ledger::ProtectedTable* week) {
  std::vector<ledger::ProtectedTable> week_days;
  std::vector<ledger::ProtectedTable> days;
  ledger::Period month{ledger::PeriodKind::kMonth, INT32_MIN};
  for (int32_t d = query.period.start_day; d < ledger::PeriodEndDay(query.period); ++d) {
    if (!(MonthOf(d) == month)) {
      month = MonthOf(d);
      if (grpc::Status served = ServedDays(ledger, query, month, rules, &days); !served.ok()) {
        return served;
      }
    }
    week_days.push_back(std::move(days[static_cast<size_t>(d - month.start_day)]));
  }
  ledger::ProtectWholeAgainstParts(week_days, week);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ServeFlowTable(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                            const ledger::DisclosureRules& rules, v1::FlowTable* reply) {
  ledger::ProtectedTable table;
  if (query.period.kind == ledger::PeriodKind::kDay) {  // Built with the rest of its month.
    ledger::Period month = MonthOf(query.period.start_day);
    std::vector<ledger::ProtectedTable> days;
    if (grpc::Status served = ServedDays(ledger, query, month, rules, &days); !served.ok()) {
      return served;
    }
    table = std::move(days[static_cast<size_t>(query.period.start_day - month.start_day)]);
  } else {
    if (grpc::Status built = Build(ledger, query, rules, &table); !built.ok()) return built;
    if (query.period.kind == ledger::PeriodKind::kWeek) {
      if (grpc::Status served = ServeWeek(ledger, query, rules, &table); !served.ok()) {
        return served;
      }
    }
  }
  ToProto(table, reply);
  return grpc::Status::OK;
}

grpc::Status ServeProgramMetrics(const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                                 const ledger::DisclosureRules& rules, v1::ProgramMetrics* reply) {
  if (q.currency().empty()) return InvalidField("currency", "is required");
  if (q.program().empty()) return InvalidField("program", "is required (\"free\": free money)");
  ledger::Period period;
  if (grpc::Status valid = ToPeriod(q.period(), q.day(), &period); !valid.ok()) return valid;
  if (ledger.FindCurrency(q.currency()) == nullptr) return NotFound("currency " + q.currency());
  std::string program = q.program() == "free" ? "" : q.program();
  if (!program.empty() && ledger.FindProgram(program) == nullptr) {
    return NotFound("programme " + program);
  }
  auto metrics = ledger::ComputeProgramMetrics(ledger, q.currency(), period, program, rules);
  if (!metrics.ok()) return ToGrpcStatus(metrics.status());
  reply->set_currency(q.currency());
  reply->set_period(std::string(ledger::PeriodKindName(period.kind)));
  reply->set_start(ledger::DayText(period.start_day));
  reply->set_end(ledger::DayText(ledger::PeriodEndDay(period)));
  reply->set_program(q.program());
  reply->set_paid_out_minor(SumText(metrics->paid_out));
  reply->set_spent_minor(SumText(metrics->spent));
  reply->set_respent_minor(SumText(metrics->respent));
  reply->set_redeemed_minor(SumText(metrics->redeemed));
  reply->set_lm3(RatioText(metrics->lm3_milli));
  reply->set_spend_through(RatioText(metrics->spend_through_milli));
  reply->set_leakage(RatioText(metrics->leakage_milli));
  reply->set_rounds_before_redemption(RatioText(metrics->rounds_milli));
  reply->set_average_circulation_minor(SumText(metrics->average_stock));
  reply->set_velocity(RatioText(metrics->velocity_milli));
  reply->set_holding_days(RatioText(metrics->holding_days_milli));
  return grpc::Status::OK;
}

std::vector<HttpRoute> FlowRoutes(const ledger::DisclosureRules& rules) {
  return {HttpRoute::Of<v1::FlowTableRequest, v1::FlowTable>(
              "/v1/flow-table", Rpc::kGetFlowTable,
              [rules](const ledger::Ledger& ledger, const v1::FlowTableRequest& q,
                      v1::FlowTable* reply) {
                ledger::FlowQuery query;
                if (grpc::Status valid = ToFlowQuery(q, &query); !valid.ok()) return valid;
                return ServeFlowTable(ledger, query, rules, reply);
              }),
          HttpRoute::Of<v1::ProgramMetricsRequest, v1::ProgramMetrics>(
              "/v1/program-metrics", Rpc::kGetProgramMetrics,
              [rules](const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                      v1::ProgramMetrics* reply) {
                return ServeProgramMetrics(ledger, q, rules, reply);
              })};
}

}  // namespace kyoso::node
