#include "kyoso/ledger/metrics.h"

#include <algorithm>

#include "kyoso/ledger/served_tables.h"

namespace kyoso::ledger {
namespace {

bool IsBusiness(std::string_view kind) {
  return kind == AccountKindPrefix(AccountKind::kMerchant) ||
         kind == AccountKindPrefix(AccountKind::kProducer);
}

bool IsResident(std::string_view kind) {
  return kind == AccountKindPrefix(AccountKind::kResident);
}

// The sum of the row totals (one per payer kind) whose kind `keep` takes, or nothing
// when the table hides one of them.
template <typename Keep>
std::optional<Wide> ShownRows(const ProtectedTable& table, Keep&& keep) {
  Wide sum = 0;
  for (const FlowTotal& row : table.payer_totals) {
    if (!keep(row.group)) continue;
    if (!row.released) return std::nullopt;
    sum += row.sum;
  }
  return sum;
}

std::optional<Wide> ShownTotal(const ProtectedTable& table) {
  if (!table.total.released) return std::nullopt;
  return table.total.sum;
}

std::optional<Wide> Milli(const std::optional<Wide>& numerator,
                          const std::optional<Wide>& denominator) {
  if (!numerator || !denominator || *denominator == 0) return std::nullopt;
  return MulDivHalfEven(*numerator, 1'000, *denominator);
}

std::optional<Wide> Plus(const std::optional<Wide>& a, const std::optional<Wide>& b) {
  if (!a || !b) return std::nullopt;
  return *a + *b;
}

constexpr int64_t kSecondsPerDay = 86'400;

// M, velocity and the holding period, from the circulation's integral over the part of
// the period that has passed and the payments R2 + R3 made in it.
void AddCirculation(const MetricsSnapshot& in, ProgramMetrics* m) {
  std::optional<Wide> payments = Plus(m->spent, m->respent);
  // Payments past 2^100 minor units could overflow the products below: never in a town.
  if (!payments || in.ends <= in.begins || *payments > (Wide(1) << 100)) return;
  const Wide area = in.integral_at_end - in.integral_at_begin;  // Minor units × seconds.
  if (area <= 0) return;
  const Wide seconds = in.ends - in.begins;
  m->average_stock = MulDivHalfEven(area, 1, seconds);
  m->velocity_milli = MulDivHalfEven(*payments, seconds * 1'000, area);
  if (*payments > 0) {
    m->holding_days_milli = MulDivHalfEven(area, 1'000, *payments * kSecondsPerDay);
  }
}

// Payers by kind, every payee in one group (the programme): one row per kind of payer.
FlowQuery MetricsQuery(const MetricsSnapshot& in, FlowClass flow_class) {
  return {in.currency, in.period, flow_class, GroupBy::kKind, GroupBy::kProgram, in.program};
}

}  // namespace

StatusOr<MetricsSnapshot> TakeMetricsSnapshot(const Ledger& ledger, const CurrencyCode& currency,
                                              const Period& period, const ProgramId& program,
                                              RunningPeriods running, const ServedCache* cache) {
  MetricsSnapshot in;
  in.currency = currency;
  in.period = period;
  in.program = program;
  StatusOr<FlowSnapshot> flows = TakeFlowSnapshot(
      ledger,
      {MetricsQuery(in, FlowClass::kIssuance), MetricsQuery(in, FlowClass::kPayment),
       MetricsQuery(in, FlowClass::kRedemption)},
      running, cache);
  if (!flows.ok()) return flows.status();
  in.flows = std::move(*flows);
  in.begins = int64_t{period.start_day} * kSecondsPerDay;
  // The circulation over the days the flows cover, and no later than now.
  in.ends = std::min(int64_t{ServedUntil(in.flows, period)} * kSecondsPerDay,
                     SecondsOf(ledger.last_timestamp()));
  if (in.ends <= in.begins) return in;
  StatusOr<Wide> at_begin = ledger.CirculationIntegral(currency, program, in.begins);
  if (!at_begin.ok()) return at_begin.status();
  StatusOr<Wide> at_end = ledger.CirculationIntegral(currency, program, in.ends);
  if (!at_end.ok()) return at_end.status();
  in.integral_at_begin = *at_begin;
  in.integral_at_end = *at_end;
  return in;
}

StatusOr<ProgramMetrics> ComputeProgramMetrics(const MetricsSnapshot& in,
                                               const DisclosureRules& rules, ServedCache* cache) {
  // Figures as GetFlowTable serves them, so that no figure here undoes their protection.
  ProgramMetrics m;
  StatusOr<ProtectedTable> issuance =
      ServedFlowTable(in.flows, MetricsQuery(in, FlowClass::kIssuance), rules, cache);
  if (!issuance.ok()) return issuance.status();
  m.paid_out = ShownTotal(*issuance);
  StatusOr<ProtectedTable> payments =
      ServedFlowTable(in.flows, MetricsQuery(in, FlowClass::kPayment), rules, cache);
  if (!payments.ok()) return payments.status();
  m.spent = ShownRows(*payments, IsResident);
  m.respent = ShownRows(*payments, IsBusiness);
  StatusOr<ProtectedTable> redemptions =
      ServedFlowTable(in.flows, MetricsQuery(in, FlowClass::kRedemption), rules, cache);
  if (!redemptions.ok()) return redemptions.status();
  m.redeemed = ShownTotal(*redemptions);
  m.lm3_milli = Milli(Plus(Plus(m.paid_out, m.spent), m.respent), m.paid_out);
  m.spend_through_milli = Milli(m.spent, m.paid_out);
  m.leakage_milli = Milli(m.redeemed, m.paid_out);
  m.rounds_milli = Milli(Plus(m.spent, m.respent), m.redeemed);
  AddCirculation(in, &m);
  return m;
}

StatusOr<ProgramMetrics> ComputeProgramMetrics(const Ledger& ledger, const CurrencyCode& currency,
                                               const Period& period, const ProgramId& program,
                                               const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<MetricsSnapshot> in =
      TakeMetricsSnapshot(ledger, currency, period, program, rules.running_periods, cache);
  if (!in.ok()) return in.status();
  return ComputeProgramMetrics(*in, rules, cache);
}

}  // namespace kyoso::ledger
