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
Status AddCirculation(const Ledger& ledger, const CurrencyCode& currency, const Period& period,
                      const ProgramId& program, ProgramMetrics* m) {
  std::optional<Wide> payments = Plus(m->spent, m->respent);
  const int64_t begins = int64_t{period.start_day} * kSecondsPerDay;
  const int64_t ends =
      std::min(int64_t{PeriodEndDay(period)} * kSecondsPerDay, SecondsOf(ledger.last_timestamp()));
  // Payments past 2^100 minor units could overflow the products below: never in a town.
  if (!payments || ends <= begins || *payments > (Wide(1) << 100)) return Status::Ok();
  StatusOr<Wide> before = ledger.CirculationIntegral(currency, program, begins);
  if (!before.ok()) return before.status();
  StatusOr<Wide> until = ledger.CirculationIntegral(currency, program, ends);
  if (!until.ok()) return until.status();
  const Wide area = *until - *before;  // Minor units × seconds.
  if (area <= 0) return Status::Ok();
  const Wide seconds = ends - begins;
  m->average_stock = MulDivHalfEven(area, 1, seconds);
  m->velocity_milli = MulDivHalfEven(*payments, seconds * 1'000, area);
  if (*payments > 0) {
    m->holding_days_milli = MulDivHalfEven(area, 1'000, *payments * kSecondsPerDay);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ProgramMetrics> ComputeProgramMetrics(const Ledger& ledger, const CurrencyCode& currency,
                                               const Period& period, const ProgramId& program,
                                               const DisclosureRules& rules, ServedCache* cache) {
  // Payers by kind, every payee in one group (the programme): one row per kind of payer.
  // Figures as GetFlowTable serves them, so that no figure here undoes their protection.
  FlowQuery query{currency,          period, FlowClass::kIssuance, GroupBy::kKind,
                  GroupBy::kProgram, program};
  ProgramMetrics m;
  StatusOr<ProtectedTable> issuance = ServedFlowTable(ledger, query, rules, cache);
  if (!issuance.ok()) return issuance.status();
  m.paid_out = ShownTotal(*issuance);
  query.flow_class = FlowClass::kPayment;
  StatusOr<ProtectedTable> payments = ServedFlowTable(ledger, query, rules, cache);
  if (!payments.ok()) return payments.status();
  m.spent = ShownRows(*payments, IsResident);
  m.respent = ShownRows(*payments, IsBusiness);
  query.flow_class = FlowClass::kRedemption;
  StatusOr<ProtectedTable> redemptions = ServedFlowTable(ledger, query, rules, cache);
  if (!redemptions.ok()) return redemptions.status();
  m.redeemed = ShownTotal(*redemptions);
  m.lm3_milli = Milli(Plus(Plus(m.paid_out, m.spent), m.respent), m.paid_out);
  m.spend_through_milli = Milli(m.spent, m.paid_out);
  m.leakage_milli = Milli(m.redeemed, m.paid_out);
  m.rounds_milli = Milli(Plus(m.spent, m.respent), m.redeemed);
  KYOSO_RETURN_IF_ERROR(AddCirculation(ledger, currency, period, program, &m));
  return m;
}

}  // namespace kyoso::ledger
