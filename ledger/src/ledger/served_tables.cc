// Flow tables as served (see kyoso/ledger/served_tables.h).
#include "kyoso/ledger/served_tables.h"

#include <algorithm>
#include <limits>
#include <map>

namespace kyoso::ledger {
namespace {

constexpr size_t kGroupByCount = 4;

// The tables of `query`'s family (see ServedFamily): all money, free money, the
// currency's programmes in id order, and `query`'s if not among them, each under the 16
// groupings, payer grouping major.
std::vector<FlowQuery> FamilyOf(const std::vector<ProgramId>& programs, const FlowQuery& query) {
  std::vector<std::optional<ProgramId>> monies{std::nullopt, ProgramId()};
  monies.insert(monies.end(), programs.begin(), programs.end());
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

std::vector<ProgramId> ProgramsOf(const Ledger& ledger, const CurrencyCode& currency) {
  std::vector<ProgramId> programs;
  for (const auto& [id, program] : ledger.programs()) {
    if (program.currency == currency) programs.push_back(id);
  }
  return programs;
}

// Each table of `query`'s family, protected on its own.
StatusOr<std::vector<ProtectedTable>> ProtectedEach(const FlowSnapshot& snapshot,
                                                    const FlowQuery& query,
                                                    const DisclosureRules& rules) {
  auto records = snapshot.records.find({query.flow_class, query.period});
  if (records == snapshot.records.end()) {
    return Status::FailedPrecondition("the flow snapshot holds no records of " +
                                      std::string(PeriodKindName(query.period.kind)) + " " +
                                      DayText(query.period.start_day));
  }
  std::vector<ProtectedTable> tables;
  for (const FlowTable& table : GroupFlows(*records->second, FamilyOf(snapshot.programs, query))) {
    tables.push_back(Protect(table, rules));
  }
  return tables;
}

// The classes of accounts paying and paid in each money of `query`'s family (FamilyOf's
// order), from the snapshot's records of its period (none if it holds none).
std::vector<MoneyClasses> ClassesOf(const FlowSnapshot& snapshot, const FlowQuery& query) {
  auto records = snapshot.records.find({query.flow_class, query.period});
  if (records == snapshot.records.end()) return {};
  const FlowRecords& of = *records->second;
  // The parties' classes, numbered.
  std::map<AccountClass, uint32_t> numbers;
  std::vector<const AccountClass*> named;  // By number.
  std::vector<uint32_t> class_of_party;
  for (const FlowRecords::Party& p : of.parties) {
    auto [it, added] = numbers.try_emplace({p.kind, p.sector, p.district}, named.size());
    if (added) named.push_back(&it->first);
    class_of_party.push_back(it->second);
  }
  // Which classes pay and are paid in all money (0) and in each programme's (1 + its
  // number), from one walk over the records.
  std::vector<std::vector<bool>> payers(of.programs.size() + 1, std::vector<bool>(named.size()));
  std::vector<std::vector<bool>> payees = payers;
  for (const FlowRecords::Pair& pair : of.pairs) {
    for (size_t money : {size_t{0}, size_t{pair.program} + 1}) {
      payers[money][class_of_party[pair.payer]] = true;
      payees[money][class_of_party[pair.payee]] = true;
    }
  }
  const std::vector<FlowQuery> family = FamilyOf(snapshot.programs, query);
  std::vector<MoneyClasses> classes;
  for (size_t t = 0; t < family.size(); t += kGroupByCount * kGroupByCount) {
    MoneyClasses& its = classes.emplace_back();
    const std::optional<ProgramId>& money = family[t].program;
    auto program =
        money ? std::find(of.programs.begin(), of.programs.end(), *money) : of.programs.end();
    if (money && program == of.programs.end()) continue;  // No records in that money.
    const size_t number = money ? 1 + static_cast<size_t>(program - of.programs.begin()) : 0;
    for (size_t c = 0; c < named.size(); ++c) {
      if (payers[number][c]) its.payers.insert(*named[c]);
      if (payees[number][c]) its.payees.insert(*named[c]);
    }
  }
  return classes;
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
                 const std::vector<std::vector<MoneyClasses>>& classes, DaysByTable* days) {
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
      const bool hid = ProtectFamily(&day, &classes[d]);
      for (size_t t = 0; t < day.size(); ++t) {
        if (hid && HiddenFigures(day[t]) != before[t]) table_changed[t] = again = true;
        (*days)[t][d] = std::move(day[t]);
      }
    }
  }
}

// The start of the cache key of a running period's family, before its day (DayText:
// "2026-03-14", so that keys of days compare as the days do).
constexpr std::string_view kRunningKey = "running ";
constexpr size_t kDayTextSize = 10;

// The day a snapshot serves running periods as of: served up to its start, they stay the
// same until it changes. The first of the ledger's month (kEndedMonths), else the
// ledger's day.
int32_t ServedAsOf(const FlowSnapshot& snapshot) {
  return snapshot.running == RunningPeriods::kEndedMonths
             ? PeriodOfDay(PeriodKind::kMonth, snapshot.today).start_day
             : snapshot.today;
}

// What a cache keeps `query`'s period's family under: nothing (empty) while the month
// (or a week's months) holding it may still change, or for a family with a programme
// the currency does not have. Served up to the end of the last ended day (or month), a
// family holding today changes only when that day (or month) ends: it is kept under the
// first day not served too, first (kRunningKey), so that ServedCache can tell the days
// apart.
std::string CacheKey(const FlowSnapshot& snapshot, const FlowQuery& query) {
  const int32_t last_day = PeriodEndDay(query.period) - 1;
  const Period last_month = PeriodOfDay(PeriodKind::kMonth, last_day);
  const bool running = PeriodEndDay(last_month) > snapshot.today;
  if (running && snapshot.running == RunningPeriods::kLive) return {};
  FlowQuery all = query;
  all.program.reset();
  const std::vector<FlowQuery> family = FamilyOf(snapshot.programs, all);
  if (FamilyOf(snapshot.programs, query).size() != family.size()) return {};
  std::string key = running ? std::string(kRunningKey) + DayText(ServedAsOf(snapshot)) + '\0' : "";
  key += query.currency + '\0' + std::string(FlowClassName(query.flow_class)) + '\0' +
         std::string(PeriodKindName(query.period.kind)) + '\0' + DayText(query.period.start_day);
  // The monies: a programme created since makes another family.
  for (size_t t = 0; t < family.size(); t += kGroupByCount * kGroupByCount) {
    key.append(1, '\0').append(family[t].program ? *family[t].program : "*");
  }
  return key;
}

// The family kept under `key`: in the snapshot, else in `cache`; null if neither keeps it.
ServedCache::Kept KeptFamily(const FlowSnapshot& snapshot, const ServedCache* cache,
                             const std::string& key) {
  if (key.empty()) return nullptr;
  if (auto kept = snapshot.kept.find(key); kept != snapshot.kept.end()) return kept->second;
  return cache != nullptr ? cache->Find(key) : nullptr;
}

StatusOr<DaysByTable> ServedDays(const FlowSnapshot& snapshot, const FlowQuery& query,
                                 const Period& month, const DisclosureRules& rules,
                                 ServedCache* cache) {
  FlowQuery asked = query;
  asked.period = month;
  StatusOr<std::vector<ProtectedTable>> whole = ServedFamily(snapshot, asked, rules, cache);
  if (!whole.ok()) return whole.status();
  DaysByTable days(whole->size());
  std::vector<int32_t> weeks;  // Each day's, by its first day.
  std::vector<std::vector<MoneyClasses>> classes;
  for (int32_t d = month.start_day; d < PeriodEndDay(month); ++d) {
    asked.period = {PeriodKind::kDay, d};
    StatusOr<std::vector<ProtectedTable>> day = ProtectedEach(snapshot, asked, rules);
    if (!day.ok()) return day.status();
    classes.push_back(ClassesOf(snapshot, asked));
    if (day->size() != days.size()) return Status::FailedPrecondition("families differ in size");
    for (size_t t = 0; t < day->size(); ++t) days[t].push_back(std::move((*day)[t]));
    weeks.push_back(PeriodOfDay(PeriodKind::kWeek, d).start_day);
  }
  ProtectDays(*whole, weeks, classes, &days);
  for (int32_t d = month.start_day; cache != nullptr && d < PeriodEndDay(month); ++d) {
    asked.period = {PeriodKind::kDay, d};
    std::string key = CacheKey(snapshot, asked);
    if (key.empty()) break;
    std::vector<ProtectedTable> family;
    for (const auto& table : days)
      family.push_back(table[static_cast<size_t>(d - month.start_day)]);
    cache->Keep(std::move(key), std::move(family));
  }
  return days;
}

// A week's family against its seven days as they are served (a week may span two months).
StatusOr<std::vector<ProtectedTable>> ServedWeek(const FlowSnapshot& snapshot,
                                                 const FlowQuery& query,
                                                 const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<std::vector<ProtectedTable>> week = ProtectedEach(snapshot, query, rules);
  if (!week.ok()) return week;
  DaysByTable week_days(week->size());
  StatusOr<DaysByTable> days = DaysByTable{};
  Period month{PeriodKind::kMonth, INT32_MIN};  // Of `days`.
  for (int32_t d = query.period.start_day; d < PeriodEndDay(query.period); ++d) {
    FlowQuery day = query;
    day.period = {PeriodKind::kDay, d};
    const ServedCache::Kept kept = KeptFamily(snapshot, cache, CacheKey(snapshot, day));
    if (kept == nullptr && !(PeriodOfDay(PeriodKind::kMonth, d) == month)) {
      month = PeriodOfDay(PeriodKind::kMonth, d);
      days = ServedDays(snapshot, query, month, rules, cache);
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
  const std::vector<MoneyClasses> classes = ClassesOf(snapshot, query);
  ProtectFamily(&*week, &classes);
  return week;
}

}  // namespace

ServedCache::Kept ServedCache::Find(const std::string& key) const {
  auto it = families_.find(key);
  return it == families_.end() ? nullptr : it->second;
}

void ServedCache::DropEarlierDays(const std::string& key) {
  const std::string_view day = std::string_view(key).substr(kRunningKey.size(), kDayTextSize);
  for (auto it = families_.lower_bound(std::string(kRunningKey));
       it != families_.end() && it->first.starts_with(kRunningKey);) {
    if (std::string_view(it->first).substr(kRunningKey.size(), kDayTextSize) >= day) {
      ++it;
      continue;
    }
    order_.erase(std::find(order_.begin(), order_.end(), it->first));
    it = families_.erase(it);
  }
}

void ServedCache::Keep(std::string key, std::vector<ProtectedTable> family) {
  if (families_max_ == 0 || families_.contains(key)) return;
  if (key.starts_with(kRunningKey)) DropEarlierDays(key);
  if (order_.size() == families_max_) {
    families_.erase(order_.front());
    order_.pop_front();
  }
  families_.emplace(key, std::make_shared<const std::vector<ProtectedTable>>(std::move(family)));
  order_.push_back(std::move(key));
}

namespace {

StatusOr<std::vector<ProtectedTable>> ComputeFamily(const FlowSnapshot& snapshot,
                                                    const FlowQuery& query,
                                                    const DisclosureRules& rules,
                                                    ServedCache* cache) {
  switch (query.period.kind) {
    case PeriodKind::kMonth: {
      StatusOr<std::vector<ProtectedTable>> month = ProtectedEach(snapshot, query, rules);
      const std::vector<MoneyClasses> classes = ClassesOf(snapshot, query);
      if (month.ok()) ProtectFamily(&*month, &classes);
      return month;
    }
    case PeriodKind::kWeek:
      return ServedWeek(snapshot, query, rules, cache);
    case PeriodKind::kDay:
      break;
  }
  const Period month = PeriodOfDay(PeriodKind::kMonth, query.period.start_day);
  StatusOr<DaysByTable> days = ServedDays(snapshot, query, month, rules, cache);
  if (!days.ok()) return days.status();
  std::vector<ProtectedTable> tables;
  const auto day = static_cast<size_t>(query.period.start_day - month.start_day);
  for (auto& table : *days) tables.push_back(std::move(table[day]));
  return tables;
}

}  // namespace

namespace {

// Takes into a snapshot what serving a family needs, as ComputeFamily will ask for it:
// the families a cache keeps, else the records of their periods.
class SnapshotTaker {
 public:
  SnapshotTaker(const Ledger& ledger, const ServedCache* cache, FlowSnapshot* snapshot)
      : ledger_(ledger), cache_(cache), snapshot_(*snapshot) {}

  Status TakeFamily(const FlowQuery& query) {
    if (Kept(query)) return Status::Ok();
    switch (query.period.kind) {
      case PeriodKind::kMonth:
        return TakeRecords(query.flow_class, query.period);
      case PeriodKind::kWeek:
        return TakeWeek(query);
      case PeriodKind::kDay:
        break;
    }
    return TakeDays(query, PeriodOfDay(PeriodKind::kMonth, query.period.start_day));
  }

 private:
  // Whether the cache keeps `query`'s family (then the snapshot does).
  bool Kept(const FlowQuery& query) {
    const std::string key = cache_ != nullptr ? CacheKey(snapshot_, query) : std::string();
    ServedCache::Kept kept = KeptFamily(snapshot_, cache_, key);
    if (kept != nullptr) snapshot_.kept.emplace(key, std::move(kept));
    return !key.empty() && snapshot_.kept.contains(key);
  }

  Status TakeRecords(FlowClass flow_class, const Period& period) {
    if (snapshot_.records.contains({flow_class, period})) return Status::Ok();
    StatusOr<std::shared_ptr<const FlowRecords>> records = ledger_.FlowRecordsOf(
        snapshot_.currency, period, flow_class, ServedUntil(snapshot_, period));
    if (!records.ok()) return records.status();
    snapshot_.records.emplace(std::pair{flow_class, period}, std::move(*records));
    return Status::Ok();
  }

  // As ServedDays: the month's family, and each day's records.
  Status TakeDays(FlowQuery query, const Period& month) {
    query.period = month;
    KYOSO_RETURN_IF_ERROR(TakeFamily(query));
    for (int32_t d = month.start_day; d < PeriodEndDay(month); ++d) {
      KYOSO_RETURN_IF_ERROR(TakeRecords(query.flow_class, {PeriodKind::kDay, d}));
    }
    return Status::Ok();
  }

  // As ServedWeek: its records, and each day's family unless kept (with its month's days).
  Status TakeWeek(const FlowQuery& query) {
    KYOSO_RETURN_IF_ERROR(TakeRecords(query.flow_class, query.period));
    for (int32_t d = query.period.start_day; d < PeriodEndDay(query.period); ++d) {
      FlowQuery day = query;
      day.period = {PeriodKind::kDay, d};
      if (Kept(day)) continue;
      KYOSO_RETURN_IF_ERROR(TakeDays(day, PeriodOfDay(PeriodKind::kMonth, d)));
    }
    return Status::Ok();
  }

  const Ledger& ledger_;
  const ServedCache* cache_;
  FlowSnapshot& snapshot_;
};

}  // namespace

StatusOr<FlowSnapshot> TakeFlowSnapshot(const Ledger& ledger, const std::vector<FlowQuery>& queries,
                                        RunningPeriods running, const ServedCache* cache) {
  FlowSnapshot snapshot;
  snapshot.running = running;
  snapshot.today = PeriodOf(PeriodKind::kDay, ledger.last_timestamp()).start_day;
  if (queries.empty()) return snapshot;
  snapshot.currency = queries.front().currency;
  snapshot.programs = ProgramsOf(ledger, snapshot.currency);
  SnapshotTaker taker(ledger, cache, &snapshot);
  for (const FlowQuery& query : queries) {
    if (query.currency != snapshot.currency) {
      return Status::InvalidArgument("a flow snapshot is of one currency");
    }
    KYOSO_RETURN_IF_ERROR(taker.TakeFamily(query));
  }
  return snapshot;
}

int32_t ServedUntil(const FlowSnapshot& snapshot, const Period& period) {
  const int32_t end = PeriodEndDay(period);
  switch (snapshot.running) {
    case RunningPeriods::kEndedMonths:  // All of it once its months have ended, else none.
      return end <= ServedAsOf(snapshot) ? end : period.start_day;
    case RunningPeriods::kEndedDays:
      return std::clamp(snapshot.today, period.start_day, end);
    case RunningPeriods::kLive:
      break;
  }
  return std::clamp(snapshot.today + 1, period.start_day, end);
}

StatusOr<std::vector<ProtectedTable>> ServedFamily(const FlowSnapshot& snapshot,
                                                   const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache) {
  const std::string key = CacheKey(snapshot, query);
  if (ServedCache::Kept kept = KeptFamily(snapshot, cache, key)) return *kept;
  StatusOr<std::vector<ProtectedTable>> family = ComputeFamily(snapshot, query, rules, cache);
  if (family.ok() && cache != nullptr && !key.empty()) cache->Keep(key, *family);
  return family;
}

StatusOr<ProtectedTable> ServedFlowTable(const FlowSnapshot& snapshot, const FlowQuery& query,
                                         const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<std::vector<ProtectedTable>> tables = ServedFamily(snapshot, query, rules, cache);
  if (!tables.ok()) return tables.status();
  const std::vector<FlowQuery> family = FamilyOf(snapshot.programs, query);
  for (size_t t = 0; t < family.size(); ++t) {
    const FlowQuery& q = family[t];
    if (q.program == query.program && q.payer_group == query.payer_group &&
        q.payee_group == query.payee_group) {
      return std::move((*tables)[t]);
    }
  }
  return Status::InvalidArgument("no such flow table");  // Family holds every grouping.
}

StatusOr<ProtectedTable> ServedFlowTable(const Ledger& ledger, const FlowQuery& query,
                                         const DisclosureRules& rules, ServedCache* cache) {
  StatusOr<FlowSnapshot> snapshot = TakeFlowSnapshot(ledger, {query}, rules.running_periods, cache);
  if (!snapshot.ok()) return snapshot.status();
  return ServedFlowTable(*snapshot, query, rules, cache);
}

StatusOr<std::vector<ProtectedTable>> ServedFamily(const Ledger& ledger, const FlowQuery& query,
                                                   const DisclosureRules& rules,
                                                   ServedCache* cache) {
  StatusOr<FlowSnapshot> snapshot = TakeFlowSnapshot(ledger, {query}, rules.running_periods, cache);
  if (!snapshot.ok()) return snapshot.status();
  return ServedFamily(*snapshot, query, rules, cache);
}

}  // namespace kyoso::ledger
