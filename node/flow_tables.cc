#include "node/flow_tables.h"

#include "kyoso/ledger/metrics.h"
#include "kyoso/ledger/served_tables.h"
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

// The period of `kind` ("day", "week", "month") holding `day` ("2026-03-14").
grpc::Status ToPeriod(const std::string& kind, const std::string& day, ledger::Period* period) {
  std::optional<ledger::PeriodKind> period_kind = ledger::PeriodKindFromName(kind);
  if (!period_kind) return InvalidField("period", "must be day, week or month");
  std::optional<int32_t> start = ledger::DayFromText(day);
  if (!start) return InvalidField("day", "must be a date such as 2026-03-14");
  // Ledger time is nanoseconds since 1970 in 64 bits: it ends in April 2262, and every
  // day of a period asked must be within it.
  constexpr int32_t kLastDay = 106'650;  // 2261-12-31.
  if (*start < 0 || *start > kLastDay) {
    return InvalidField("day", "must be between 1970-01-01 and 2261-12-31");
  }
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

void ToProto(const ledger::Period& period, const ledger::ProgramMetrics& metrics,
             v1::ProgramMetrics* reply) {
  reply->set_period(std::string(ledger::PeriodKindName(period.kind)));
  reply->set_start(ledger::DayText(period.start_day));
  reply->set_end(ledger::DayText(ledger::PeriodEndDay(period)));
  reply->set_paid_out_minor(SumText(metrics.paid_out));
  reply->set_spent_minor(SumText(metrics.spent));
  reply->set_respent_minor(SumText(metrics.respent));
  reply->set_redeemed_minor(SumText(metrics.redeemed));
  reply->set_lm3(RatioText(metrics.lm3_milli));
  reply->set_spend_through(RatioText(metrics.spend_through_milli));
  reply->set_leakage(RatioText(metrics.leakage_milli));
  reply->set_rounds_before_redemption(RatioText(metrics.rounds_milli));
  reply->set_average_circulation_minor(SumText(metrics.average_stock));
  reply->set_velocity(RatioText(metrics.velocity_milli));
  reply->set_holding_days(RatioText(metrics.holding_days_milli));
}

// NOT_FOUND unless the ledger knows `currency` and `program` of it ("" or none: no
// programme).
grpc::Status KnownMoney(const ledger::Ledger& ledger, const ledger::CurrencyCode& currency,
                        const std::optional<ledger::ProgramId>& program) {
  if (ledger.FindCurrency(currency) == nullptr) return NotFound("currency " + currency);
  if (!program || program->empty()) return grpc::Status::OK;
  const ledger::Program* known = ledger.FindProgram(*program);
  if (known == nullptr || known->currency != currency) {
    return NotFound("programme " + *program + " of " + currency);
  }
  return grpc::Status::OK;
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

ledger::ServedCache::Kept SharedServedCache::Find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return ServedCache::Find(key);
}

void SharedServedCache::Keep(std::string key, std::vector<ledger::ProtectedTable> family) {
  std::lock_guard lock(mutex_);
  ServedCache::Keep(std::move(key), std::move(family));
}

grpc::Status TakeFlowTable(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                           const FlowServing& serving, v1::FlowTable* reply, ReadRest* rest) {
  // Known names only: a table costs the whole family of its period (served_tables.h).
  if (grpc::Status known = KnownMoney(ledger, query.currency, query.program); !known.ok()) {
    return known;
  }
  auto snapshot = std::make_shared<ledger::StatusOr<ledger::FlowSnapshot>>(ledger::TakeFlowSnapshot(
      ledger, {query}, serving.rules.running_periods, serving.cache.get()));
  if (!snapshot->ok()) return ToGrpcStatus(snapshot->status());
  *rest = [snapshot, query, serving, reply] {
    ledger::StatusOr<ledger::ProtectedTable> table =
        ledger::ServedFlowTable(**snapshot, query, serving.rules, serving.cache.get());
    if (!table.ok()) return ToGrpcStatus(table.status());
    ToProto(*table, reply);
    reply->set_until(ledger::DayText(ledger::ServedUntil(**snapshot, query.period)));
    return grpc::Status::OK;
  };
  return grpc::Status::OK;
}

grpc::Status TakeProgramMetrics(const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                                const FlowServing& serving, v1::ProgramMetrics* reply,
                                ReadRest* rest) {
  if (q.currency().empty()) return InvalidField("currency", "is required");
  if (q.program().empty()) return InvalidField("program", "is required (\"free\": free money)");
  ledger::Period period;
  if (grpc::Status valid = ToPeriod(q.period(), q.day(), &period); !valid.ok()) return valid;
  std::string program = q.program() == "free" ? "" : q.program();
  if (grpc::Status known = KnownMoney(ledger, q.currency(), program); !known.ok()) return known;
  auto snapshot = std::make_shared<ledger::StatusOr<ledger::MetricsSnapshot>>(
      ledger::TakeMetricsSnapshot(ledger, q.currency(), period, program,
                                  serving.rules.running_periods, serving.cache.get()));
  if (!snapshot->ok()) return ToGrpcStatus(snapshot->status());
  *rest = [snapshot, serving, reply, asked = q.program()] {
    auto metrics = ledger::ComputeProgramMetrics(**snapshot, serving.rules, serving.cache.get());
    if (!metrics.ok()) return ToGrpcStatus(metrics.status());
    ToProto((*snapshot)->period, *metrics, reply);
    reply->set_until(ledger::DayText(ledger::ServedUntil((*snapshot)->flows, (*snapshot)->period)));
    reply->set_currency((*snapshot)->currency);
    reply->set_program(asked);
    return grpc::Status::OK;
  };
  return grpc::Status::OK;
}

std::vector<HttpRoute> FlowRoutes(const FlowServing& serving) {
  return {HttpRoute::Of<v1::FlowTableRequest, v1::FlowTable>(
              "/v1/flow-table", Rpc::kGetFlowTable,
              [serving](const ledger::Ledger& ledger, const v1::FlowTableRequest& q,
                        v1::FlowTable* reply, ReadRest* rest) {
                ledger::FlowQuery query;
                if (grpc::Status valid = ToFlowQuery(q, &query); !valid.ok()) return valid;
                return TakeFlowTable(ledger, query, serving, reply, rest);
              }),
          HttpRoute::Of<v1::ProgramMetricsRequest, v1::ProgramMetrics>(
              "/v1/program-metrics", Rpc::kGetProgramMetrics,
              [serving](const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                        v1::ProgramMetrics* reply, ReadRest* rest) {
                return TakeProgramMetrics(ledger, q, serving, reply, rest);
              })};
}

}  // namespace kyoso::node
