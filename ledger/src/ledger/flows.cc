// Flows: periods, the deltas a transfer adds, and flow tables (see kyoso/ledger/flows.h).
#include "kyoso/ledger/flows.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <map>

namespace kyoso::ledger {
namespace {

constexpr std::array<std::string_view, kFlowClassCount> kFlowClassNames = {
    "payment", "refund", "issuance", "redemption", "exchange"};
constexpr std::array<std::string_view, kPeriodKindCount> kPeriodKindNames = {"day", "week",
                                                                             "month"};
constexpr std::array<std::string_view, 4> kGroupByNames = {"kind", "sector", "district", "program"};

template <typename Enum, size_t N>
std::optional<Enum> FromName(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

std::chrono::sys_days Days(int32_t day) {
  return std::chrono::sys_days(std::chrono::days(day));
}

int32_t DayNumber(std::chrono::sys_days days) {
  return static_cast<int32_t>(days.time_since_epoch().count());
}

}  // namespace

std::string_view FlowClassName(FlowClass flow_class) {
  return kFlowClassNames[static_cast<size_t>(flow_class)];
}
std::optional<FlowClass> FlowClassFromName(std::string_view name) {
  return FromName<FlowClass>(kFlowClassNames, name);
}
std::string_view PeriodKindName(PeriodKind kind) {
  return kPeriodKindNames[static_cast<size_t>(kind)];
}
std::optional<PeriodKind> PeriodKindFromName(std::string_view name) {
  return FromName<PeriodKind>(kPeriodKindNames, name);
}
std::string_view GroupByName(GroupBy group_by) {
  return kGroupByNames[static_cast<size_t>(group_by)];
}
std::optional<GroupBy> GroupByFromName(std::string_view name) {
  return FromName<GroupBy>(kGroupByNames, name);
}

Period PeriodOf(PeriodKind kind, TimeNs t) {
  auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::nanoseconds>(std::chrono::nanoseconds(t)));
  switch (kind) {
    case PeriodKind::kDay:
      return {kind, DayNumber(day)};
    case PeriodKind::kWeek: {
      auto since_monday = std::chrono::weekday(day) - std::chrono::Monday;
      return {kind, DayNumber(day - since_monday)};
    }
    case PeriodKind::kMonth: {
      std::chrono::year_month_day date(day);
      return {kind, DayNumber(std::chrono::sys_days(date.year() / date.month() / 1))};
    }
  }
  return {kind, DayNumber(day)};
}

int32_t PeriodEndDay(const Period& period) {
  switch (period.kind) {
    case PeriodKind::kDay:
      return period.start_day + 1;
    case PeriodKind::kWeek:
      return period.start_day + 7;
    case PeriodKind::kMonth: {
      std::chrono::year_month_day first(Days(period.start_day));
      return DayNumber(std::chrono::sys_days(first + std::chrono::months(1)));
    }
  }
  return period.start_day + 1;
}

std::string DayText(int32_t day) {
  std::chrono::year_month_day date(Days(day));
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::optional<int32_t> DayFromText(std::string_view text) {
  int year = 0;
  unsigned month = 0, day = 0;
  char tail = 0;
  std::string copy(text);
  if (text.size() != 10 ||
      std::sscanf(copy.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &tail) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  return DayNumber(std::chrono::sys_days(date));
}

std::optional<FlowClass> FlowClassOf(TransferKind kind) {
  switch (kind) {
    case TransferKind::kPayment:
    case TransferKind::kPurchase:
    case TransferKind::kPost:
      return FlowClass::kPayment;
    case TransferKind::kRefund:
      return FlowClass::kRefund;
    case TransferKind::kIssue:
    case TransferKind::kTopUp:
      return FlowClass::kIssuance;
    case TransferKind::kRedeem:
    case TransferKind::kCashOut:
      return FlowClass::kRedemption;
    case TransferKind::kExchange:
      return FlowClass::kExchange;
    default:
      return std::nullopt;
  }
}

}  // namespace kyoso::ledger
