#include "kyoso/ledger/metrics.h"

namespace kyoso::ledger {
namespace {

bool IsBusiness(std::string_view kind) {
  return kind == AccountKindPrefix(AccountKind::kMerchant) ||
         kind == AccountKindPrefix(AccountKind::kProducer);
}

bool IsResident(std::string_view kind) {
  return kind == AccountKindPrefix(AccountKind::kResident);
}

// The sum of the cells whose payer and payee kinds pass `keep`.
template <typename Keep>
Wide SumOf(const FlowTable& table, Keep&& keep) {
  Wide sum = 0;
  for (const FlowCell& cell : table.cells) {
    if (keep(cell.payer_group, cell.payee_group)) sum += cell.sum;
  }
  return sum;
}

std::optional<Wide> Milli(const Wide& numerator, const Wide& denominator) {
  if (denominator == 0) return std::nullopt;
  return MulDivHalfEven(numerator, 1'000, denominator);
}

}  // namespace

StatusOr<ProgramMetrics> ComputeProgramMetrics(const Ledger& ledger, const CurrencyCode& currency,
                                               const Period& period, const ProgramId& program) {
  FlowQuery query{currency, period, FlowClass::kIssuance, GroupBy::kKind, GroupBy::kKind, program};
  auto everything = [](std::string_view, std::string_view) { return true; };
  ProgramMetrics m;
  StatusOr<FlowTable> issuance = ledger.Flows(query);
  if (!issuance.ok()) return issuance.status();
  m.paid_out = SumOf(*issuance, everything);
  query.flow_class = FlowClass::kPayment;
  StatusOr<FlowTable> payments = ledger.Flows(query);
  if (!payments.ok()) return payments.status();
  m.spent = SumOf(*payments, [](std::string_view payer, std::string_view payee) {
    return IsResident(payer) && IsBusiness(payee);
  });
  m.respent = SumOf(*payments, [](std::string_view payer, std::string_view payee) {
    return IsBusiness(payer) && IsBusiness(payee);
  });
  query.flow_class = FlowClass::kRedemption;
  StatusOr<FlowTable> redemptions = ledger.Flows(query);
  if (!redemptions.ok()) return redemptions.status();
  m.redeemed = SumOf(*redemptions, everything);
  m.lm3_milli = Milli(m.paid_out + m.spent + m.respent, m.paid_out);
  m.spend_through_milli = Milli(m.spent, m.paid_out);
  m.leakage_milli = Milli(m.redeemed, m.paid_out);
  m.rounds_milli = Milli(m.spent + m.respent, m.redeemed);
  return m;
}

}  // namespace kyoso::ledger
