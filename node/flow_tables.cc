#include "node/flow_tables.h"

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

}  // namespace

grpc::Status ToFlowQuery(const v1::FlowTableRequest& q, ledger::FlowQuery* query) {
  if (q.currency().empty()) return InvalidField("currency", "is required");
  query->currency = q.currency();
  std::optional<ledger::PeriodKind> kind = ledger::PeriodKindFromName(q.period());
  if (!kind) return InvalidField("period", "must be day, week or month");
  std::optional<int32_t> day = ledger::DayFromText(q.day());
  if (!day) return InvalidField("day", "must be a date such as 2026-03-14");
  query->period = ledger::PeriodOf(*kind, ledger::TimeNs{*day} * ledger::kNsPerDay);
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

grpc::Status ServeFlowTable(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                            const ledger::DisclosureRules& rules, v1::FlowTable* reply) {
  ledger::ProtectedTable table;
  if (grpc::Status built = Build(ledger, query, rules, &table); !built.ok()) return built;
  if (query.period.kind == ledger::PeriodKind::kDay) {
    ledger::FlowQuery month_query = query;
    month_query.period = {
        ledger::PeriodKind::kMonth,
        ledger::PeriodOf(ledger::PeriodKind::kMonth,
                         ledger::TimeNs{query.period.start_day} * ledger::kNsPerDay)
            .start_day};
    ledger::ProtectedTable month;
    if (grpc::Status built = Build(ledger, month_query, rules, &month); !built.ok()) return built;
    std::vector<ledger::ProtectedTable> days;
    size_t asked = 0;
    for (int32_t d = month_query.period.start_day; d < ledger::PeriodEndDay(month_query.period);
         ++d) {
      ledger::FlowQuery day_query = query;
      day_query.period = {ledger::PeriodKind::kDay, d};
      if (d == query.period.start_day) asked = days.size();
      days.emplace_back();
      if (grpc::Status built = Build(ledger, day_query, rules, &days.back()); !built.ok())
        return built;
    }
    ledger::ProtectParts(month, &days);
    table = std::move(days[asked]);
  }
  ToProto(table, reply);
  return grpc::Status::OK;
}

}  // namespace kyoso::node
