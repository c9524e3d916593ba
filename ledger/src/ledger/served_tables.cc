// Flow tables as served (see kyoso/ledger/served_tables.h).
#include "kyoso/ledger/served_tables.h"

namespace kyoso::ledger {
namespace {

constexpr int kGroupByCount = 4;

// Each of `query`'s period's tables, protected on its own.
StatusOr<std::vector<ProtectedTable>> ProtectedEach(const Ledger& ledger, const FlowQuery& query,
                                                    const DisclosureRules& rules) {
  StatusOr<std::vector<FlowTable>> flows = ledger.Flows(Groupings(query));
  if (!flows.ok()) return flows.status();
  std::vector<ProtectedTable> tables;
  for (const FlowTable& table : *flows) tables.push_back(Protect(table, rules));
  return tables;
}

// The period of `kind` holding `day`.
Period PeriodOfDay(PeriodKind kind, int32_t day) {
  return PeriodOf(kind, TimeNs{day} * kNsPerDay);
}

// The days of `month` as served: days[grouping][day of the month].
using DaysByGrouping = std::vector<std::vector<ProtectedTable>>;

// Protects each day's tables together until they and the days against their month agree.
void ProtectDays(const std::vector<ProtectedTable>& month, const std::vector<int32_t>& weeks,
                 DaysByGrouping* days) {
  for (bool hid = true; hid;) {
    hid = false;
    for (size_t g = 0; g < month.size(); ++g) ProtectParts(month[g], &(*days)[g], weeks);
    for (size_t d = 0; d < weeks.size(); ++d) {
      std::vector<ProtectedTable> day;
      for (auto& grouping : *days) day.push_back(std::move(grouping[d]));
      hid = ProtectGroupings(&day) || hid;
      for (size_t g = 0; g < day.size(); ++g) (*days)[g][d] = std::move(day[g]);
    }
  }
}

StatusOr<DaysByGrouping> ServedDays(const Ledger& ledger, const FlowQuery& query,
                                    const Period& month, const DisclosureRules& rules) {
  FlowQuery asked = query;
  asked.period = month;
  StatusOr<std::vector<ProtectedTable>> whole = ServedGroupings(ledger, asked, rules);
  if (!whole.ok()) return whole.status();
  DaysByGrouping days(whole->size());
  std::vector<int32_t> weeks;  // Each day's, by its first day.
  for (int32_t d = month.start_day; d < PeriodEndDay(month); ++d) {
    asked.period = {PeriodKind::kDay, d};
    StatusOr<std::vector<ProtectedTable>> day = ProtectedEach(ledger, asked, rules);
    if (!day.ok()) return day.status();
    for (size_t g = 0; g < day->size(); ++g) days[g].push_back(std::move((*day)[g]));
    weeks.push_back(PeriodOfDay(PeriodKind::kWeek, d).start_day);
  }
  ProtectDays(*whole, weeks, &days);
  return days;
}

// A week's tables against its seven days as they are served (a week may span two months).
StatusOr<std::vector<ProtectedTable>> ServedWeek(const Ledger& ledger, const FlowQuery& query,
                                                 const DisclosureRules& rules) {
  StatusOr<std::vector<ProtectedTable>> week = ProtectedEach(ledger, query, rules);
  if (!week.ok()) return week;
  DaysByGrouping week_days(week->size());
  StatusOr<DaysByGrouping> days = DaysByGrouping{};
  Period month{PeriodKind::kMonth, INT32_MIN};
  for (int32_t d = query.period.start_day; d < PeriodEndDay(query.period); ++d) {
    if (!(PeriodOfDay(PeriodKind::kMonth, d) == month)) {
      month = PeriodOfDay(PeriodKind::kMonth, d);
      days = ServedDays(ledger, query, month, rules);
      if (!days.ok()) return days.status();
    }
    for (size_t g = 0; g < week_days.size(); ++g) {
      week_days[g].push_back(std::move((*days)[g][static_cast<size_t>(d - month.start_day)]));
    }
  }
  for (size_t g = 0; g < week->size(); ++g) ProtectWholeAgainstParts(week_days[g], &(*week)[g]);
  ProtectGroupings(&*week);
  return week;
}

}  // namespace

std::vector<FlowQuery> Groupings(const FlowQuery& query) {
  std::vector<FlowQuery> queries;
  for (int payers = 0; payers < kGroupByCount; ++payers) {
    for (int payees = 0; payees < kGroupByCount; ++payees) {
      queries.push_back(query);
      queries.back().payer_group = static_cast<GroupBy>(payers);
      queries.back().payee_group = static_cast<GroupBy>(payees);
    }
  }
  return queries;
}

size_t GroupingIndex(const FlowQuery& query) {
  return static_cast<size_t>(query.payer_group) * kGroupByCount +
         static_cast<size_t>(query.payee_group);
}

StatusOr<std::vector<ProtectedTable>> ServedGroupings(const Ledger& ledger, const FlowQuery& query,
                                                      const DisclosureRules& rules) {
  switch (query.period.kind) {
    case PeriodKind::kMonth: {
      StatusOr<std::vector<ProtectedTable>> month = ProtectedEach(ledger, query, rules);
      if (month.ok()) ProtectGroupings(&*month);
      return month;
    }
    case PeriodKind::kWeek:
      return ServedWeek(ledger, query, rules);
    case PeriodKind::kDay:
      break;
  }
  const Period month = PeriodOfDay(PeriodKind::kMonth, query.period.start_day);
  StatusOr<DaysByGrouping> days = ServedDays(ledger, query, month, rules);
  if (!days.ok()) return days.status();
  std::vector<ProtectedTable> tables;
  for (auto& grouping : *days) {
    tables.push_back(
        std::move(grouping[static_cast<size_t>(query.period.start_day - month.start_day)]));
  }
  return tables;
}

StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules) {
  StatusOr<std::vector<ProtectedTable>> tables = ServedGroupings(ledger, query, rules);
  if (!tables.ok()) return tables.status();
  return std::move((*tables)[GroupingIndex(query)]);
}

}  // namespace kyoso::ledger
