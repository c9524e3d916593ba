// Flow tables as served (see kyoso/ledger/served_tables.h).
#include "kyoso/ledger/served_tables.h"

#include <algorithm>

namespace kyoso::ledger {
namespace {

constexpr size_t kGroupByCount = 4;

// Each table of `query`'s family, protected on its own.
StatusOr<std::vector<ProtectedTable>> ProtectedEach(const Ledger& ledger, const FlowQuery& query,
                                                    const DisclosureRules& rules) {
  StatusOr<std::vector<FlowTable>> flows = ledger.Flows(Family(ledger, query));
  if (!flows.ok()) return flows.status();
  std::vector<ProtectedTable> tables;
  for (const FlowTable& table : *flows) tables.push_back(Protect(table, rules));
  return tables;
}

// The period of `kind` holding `day`.
Period PeriodOfDay(PeriodKind kind, int32_t day) {
  return PeriodOf(kind, TimeNs{day} * kNsPerDay);
}

// The days of a month as served: days[table of the family][day of the month].
using DaysByTable = std::vector<std::vector<ProtectedTable>>;

// Protects each day's family until they and each table's days against the month agree.
// Only what changed is done again: a table's days whose family hid more, a day's family
// whose table's days hid more.
void ProtectDays(const std::vector<ProtectedTable>& month, const std::vector<int32_t>& weeks,
                 DaysByTable* days) {
  std::vector<bool> table_changed(month.size(), true), day_changed(weeks.size(), true);
  for (bool again = true; again;) {
    again = false;
    for (size_t t = 0; t < month.size(); ++t) {
      if (!table_changed[t]) continue;
      table_changed[t] = false;
      std::vector<size_t> before;
      for (const ProtectedTable& day : (*days)[t]) before.push_back(HiddenFigures(day));
      if (!ProtectParts(month[t], &(*days)[t], weeks)) continue;
      for (size_t d = 0; d < weeks.size(); ++d) {
        if (HiddenFigures((*days)[t][d]) != before[d]) day_changed[d] = true;
      }
    }
    for (size_t d = 0; d < weeks.size(); ++d) {
      if (!day_changed[d]) continue;
      day_changed[d] = false;
      std::vector<ProtectedTable> day;
      std::vector<size_t> before;
      for (auto& table : *days) {
        before.push_back(HiddenFigures(table[d]));
        day.push_back(std::move(table[d]));
      }
      const bool hid = ProtectFamily(&day);
      for (size_t t = 0; t < day.size(); ++t) {
        if (hid && HiddenFigures(day[t]) != before[t]) table_changed[t] = again = true;
        (*days)[t][d] = std::move(day[t]);
      }
    }
  }
}

// What a cache keeps `query`'s period's family under: nothing (empty) while the month
// (or a week's months) holding it may still change, or for a family with a programme
// the currency does not have.
std::string CacheKey(const Ledger& ledger, const FlowQuery& query) {
  const int32_t last_day = PeriodEndDay(query.period) - 1;
  const Period last_month = PeriodOfDay(PeriodKind::kMonth, last_day);
  const int32_t today = PeriodOf(PeriodKind::kDay, ledger.last_timestamp()).start_day;
  if (PeriodEndDay(last_month) > today) return {};
  FlowQuery all = query;
  all.program.reset();
  const std::vector<FlowQuery> family = Family(ledger, all);
  if (Family(ledger, query).size() != family.size()) return {};
  std::string key = query.currency + '\0' + std::string(FlowClassName(query.flow_class)) + '\0' +
                    std::string(PeriodKindName(query.period.kind)) + '\0' +
                    DayText(query.period.start_day);
  // The monies: a programme created since makes another family.
  for (size_t t = 0; t < family.size(); t += kGroupByCount * kGroupByCount) {
    key.append(1, '\0').append(family[t].program ? *family[t].program : "*");
  }
  return key;
}

StatusOr<DaysByTable> ServedDays(const Ledger& ledger, const FlowQuery& query, const Period& month,
                                 const DisclosureRules& rules, ServedCache* cache) {
  FlowQuery asked = query;
  asked.period = month;
  StatusOr<std::vector<ProtectedTable>> whole = ServedFamily(ledger, asked, rules, cache);
  if (!whole.ok()) return whole.status();
  DaysByTable days(whole->size());
  std::vector<int32_t> weeks;  // Each day's, by its first day.
  for (int32_t d = month.start_day; d < PeriodEndDay(month); ++d) {
    asked.period = {PeriodKind::kDay, d};
    StatusOr<std::vector<ProtectedTable>> day = ProtectedEach(ledger, asked, rules);
    if (!day.ok()) return day.status();
    if (day->size() != days.size()) return Status::FailedPrecondition("families differ in size");
    for (size_t t = 0; t < day->size(); ++t) days[t].push_back(std::move((*day)[t]));
    weeks.push_back(PeriodOfDay(PeriodKind::kWeek, d).start_day);
  }
  ProtectDays(*whole, weeks, &days);
  for (int32_t d = month.start_day; cache != nullptr && d < PeriodEndDay(month); ++d) {
    asked.period = {PeriodKind::kDay, d};
    std::string key = CacheKey(ledger, asked);
    if (key.empty()) break;
    std::vector<ProtectedTable> family;
    for (const auto& table : days)
      family.push_back(table[static_cast<size_t>(d - month.start_day)]);
    cache->Keep(std::move(key), std::move(family));
  }
  return days;
}

// A week's family against its seven days as they are served (a week may span two months).
StatusOr<std::vector<ProtectedTable>> ServedWeek(const Ledger& ledger, const FlowQuery& query,
                                                 const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<std::vector<ProtectedTable>> week = ProtectedEach(ledger, query, rules);
  if (!week.ok()) return week;
  DaysByTable week_days(week->size());
  StatusOr<DaysByTable> days = DaysByTable{};
  Period month{PeriodKind::kMonth, INT32_MIN};  // Of `days`.
  for (int32_t d = query.period.start_day; d < PeriodEndDay(query.period); ++d) {
    FlowQuery day = query;
    day.period = {PeriodKind::kDay, d};
    const std::string key = cache != nullptr ? CacheKey(ledger, day) : std::string();
    const std::vector<ProtectedTable>* kept = key.empty() ? nullptr : cache->Find(key);
    if (kept == nullptr && !(PeriodOfDay(PeriodKind::kMonth, d) == month)) {
      month = PeriodOfDay(PeriodKind::kMonth, d);
      days = ServedDays(ledger, query, month, rules, cache);
      if (!days.ok()) return days.status();
    }
    if ((kept != nullptr ? kept->size() : days->size()) != week_days.size()) {
      return Status::FailedPrecondition("families differ in size");
    }
    if (kept != nullptr) {
      for (size_t t = 0; t < week_days.size(); ++t) week_days[t].push_back((*kept)[t]);
      continue;
    }
    for (size_t t = 0; t < week_days.size(); ++t) {
      week_days[t].push_back((*days)[t][static_cast<size_t>(d - month.start_day)]);
    }
  }
  for (size_t t = 0; t < week->size(); ++t) ProtectWholeAgainstParts(week_days[t], &(*week)[t]);
  ProtectFamily(&*week);
  return week;
}

}  // namespace

std::vector<FlowQuery> Family(const Ledger& ledger, const FlowQuery& query) {
  std::vector<std::optional<ProgramId>> monies{std::nullopt, ProgramId()};
  for (const auto& [id, program] : ledger.programs()) {
    if (program.currency == query.currency) monies.push_back(id);
  }
  if (std::find(monies.begin(), monies.end(), query.program) == monies.end()) {
    monies.push_back(query.program);
  }
  std::vector<FlowQuery> queries;
  for (const std::optional<ProgramId>& money : monies) {
    for (size_t payers = 0; payers < kGroupByCount; ++payers) {
      for (size_t payees = 0; payees < kGroupByCount; ++payees) {
        queries.push_back(query);
        queries.back().program = money;
        queries.back().payer_group = static_cast<GroupBy>(payers);
        queries.back().payee_group = static_cast<GroupBy>(payees);
      }
    }
  }
  return queries;
}

const std::vector<ProtectedTable>* ServedCache::Find(const std::string& key) const {
  auto it = families_.find(key);
  return it == families_.end() ? nullptr : &it->second;
}

void ServedCache::Keep(std::string key, std::vector<ProtectedTable> family) {
  if (families_max_ == 0 || families_.contains(key)) return;
  if (order_.size() == families_max_) {
    families_.erase(order_.front());
    order_.pop_front();
  }
  families_.emplace(key, std::move(family));
  order_.push_back(std::move(key));
}

namespace {

StatusOr<std::vector<ProtectedTable>> ComputeFamily(const Ledger& ledger, const FlowQuery& query,
                                                    const DisclosureRules& rules,
                                                    ServedCache* cache) {
  switch (query.period.kind) {
    case PeriodKind::kMonth: {
      StatusOr<std::vector<ProtectedTable>> month = ProtectedEach(ledger, query, rules);
      if (month.ok()) ProtectFamily(&*month);
      return month;
    }
    case PeriodKind::kWeek:
      return ServedWeek(ledger, query, rules, cache);
    case PeriodKind::kDay:
      break;
  }
  const Period month = PeriodOfDay(PeriodKind::kMonth, query.period.start_day);
  StatusOr<DaysByTable> days = ServedDays(ledger, query, month, rules, cache);
  if (!days.ok()) return days.status();
  std::vector<ProtectedTable> tables;
  const auto day = static_cast<size_t>(query.period.start_day - month.start_day);
  for (auto& table : *days) tables.push_back(std::move(table[day]));
  return tables;
}

}  // namespace

StatusOr<std::vector<ProtectedTable>> ServedFamily(const Ledger& ledger, const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache) {
  const std::string key = cache != nullptr ? CacheKey(ledger, query) : std::string();
  if (!key.empty()) {
    if (const std::vector<ProtectedTable>* kept = cache->Find(key)) return *kept;
  }
  StatusOr<std::vector<ProtectedTable>> family = ComputeFamily(ledger, query, rules, cache);
  if (family.ok() && !key.empty()) cache->Keep(key, *family);
  return family;
}

StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<std::vector<ProtectedTable>> tables = ServedFamily(ledger, query, rules, cache);
  if (!tables.ok()) return tables.status();
  const std::vector<FlowQuery> family = Family(ledger, query);
  for (size_t t = 0; t < family.size(); ++t) {
    const FlowQuery& q = family[t];
    if (q.program == query.program && q.payer_group == query.payer_group &&
        q.payee_group == query.payee_group) {
      return std::move((*tables)[t]);
    }
  }
  return Status::InvalidArgument("no such flow table");  // Family holds every grouping.
}

}  // namespace kyoso::ledger
