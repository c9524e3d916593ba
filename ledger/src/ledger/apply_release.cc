// Publishing a release: its shape, the month it covers, and the privacy budget.
#include <algorithm>
#include <set>

#include "applier.h"

namespace kyoso::ledger {
namespace {

bool ValidPartitions(const std::vector<std::string>& partitions) {
  if (partitions.empty() || partitions.size() > kReleasePartitionsMax) return false;
  std::set<std::string_view> seen;
  for (const std::string& name : partitions) {
    if (name.empty() || name.size() > kReleaseIdMax || !seen.insert(name).second) return false;
  }
  return true;
}

bool ValidShape(const PublishRelease& c) {
  const ReleaseSpec& spec = c.spec;
  const ReleaseBounds& bounds = spec.bounds;
  return !c.id.empty() && c.id.size() <= kReleaseIdMax && ValidPartitions(spec.payer_partitions) &&
         ValidPartitions(spec.payee_partitions) &&
         c.cells.size() == spec.payer_partitions.size() * spec.payee_partitions.size() &&
         PeriodOf(PeriodKind::kMonth, TimeNs{spec.month} * kNsPerDay).start_day == spec.month &&
         bounds.max_cells > 0 && bounds.max_count > 0 && bounds.max_amount > 0 &&
         c.epsilon_milli > 0 && c.budget_milli > 0 &&
         std::is_sorted(c.contributors.begin(), c.contributors.end()) &&
         std::adjacent_find(c.contributors.begin(), c.contributors.end()) == c.contributors.end();
}

}  // namespace

CommandResult ApplyPublishRelease(Applier& applier, const PublishRelease& c) {
  if (!ValidShape(c)) return CommandResult{ResultCode::kInvalidRelease};
  if (applier.FindCurrency(c.spec.currency) == nullptr) {
    return CommandResult{ResultCode::kCurrencyNotFound};
  }
  TimeNs now = applier.now();
  if (PeriodEndDay(Period{PeriodKind::kMonth, c.spec.month}) >
      PeriodOf(PeriodKind::kDay, now).start_day) {
    return CommandResult{ResultCode::kPeriodNotClosed};
  }
  if (std::optional<Release> seen = applier.LookupRelease(c.id)) {
    if (!(seen->release == c)) return CommandResult{ResultCode::kDuplicateIdDifferentBody};
    CommandResult result{ResultCode::kOk};
    result.timestamp = seen->published_at;
    result.duplicate = true;
    return result;
  }
  uint32_t& spent = applier.PrivacySpent(c.spec.currency, c.spec.month);
  if (uint64_t{spent} + c.epsilon_milli > c.budget_milli) {
    return CommandResult{ResultCode::kPrivacyBudgetExceeded};
  }
  spent += c.epsilon_milli;
  applier.AddRelease(Release{c, now, spent});
  CommandResult result{ResultCode::kOk};
  result.timestamp = now;
  return result;
}

}  // namespace kyoso::ledger
