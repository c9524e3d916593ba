// Disclosure control of the municipality's flow tables (DESIGN.md §6, tier 1): which
// cells of a flow table (flows.h) may be shown with exact figures, and which must be
// suppressed so that no payer or payee can be singled out.
//
// Primary suppression: a cell is released only with at least `min_payers` distinct
// payers and `min_payees` distinct payees, and when its two largest payers, and its two
// largest payees, make at most `dominance_percent` of its sum. Secondary suppression:
// the table also shows row totals (per payer group), column totals (per payee group)
// and a grand total, so a row or column never keeps exactly one suppressed cell (the
// total would give it away): the smallest released cell beside it is suppressed too,
// until no row or column has exactly one; a total that would still give a cell away is
// suppressed itself. Then the table is checked exactly against its own sums: while they
// still pin a primarily suppressed cell down (it lies on no cycle of hidden figures,
// table_cycles.h), more is suppressed beside it. Across periods, a month's days and its
// weeks are protected against it and each other (ProtectParts, ProtectWholeAgainstParts);
// across groupings, the tables sharing totals against each other (ProtectGroupings).
// Every choice is deterministic (smallest sum, then the tables' order), so the same
// figures give the same pattern. Pure.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kyoso/ledger/flows.h"

namespace kyoso::ledger {

// How tables of a period that has not ended (the current day, week or month) are served.
enum class RunningPeriods : uint8_t {
  // Once all its days are in ended months, nothing of it before: a day, week or month of
  // the current month (a week: or reaching into it) shows nothing until the month ends.
  // What is served never changes, and each month's tables are protected once, from its
  // final figures, together with its days and weeks: no two readings can be subtracted.
  kEndedMonths,
  // Up to the end of the ledger's last ended day, so that they stay the same all day: two
  // readings of one day cannot be subtracted to show what was paid in between (perhaps
  // one payment), but a running month read on two days differs by the day in between, and
  // a day's pattern may change as its month grows (docs/flows.md, Running periods).
  kEndedDays,
  // As the ledger stands at the read: for demonstrations and tests.
  kLive,
};
// "ended-months", "ended-days", "live".
std::string_view RunningPeriodsName(RunningPeriods running);
std::optional<RunningPeriods> RunningPeriodsFromName(std::string_view name);

struct DisclosureRules {
  uint64_t min_payers = 10;
  uint64_t min_payees = 10;
  int dominance_percent = 85;  // Of a cell's sum its two largest payers (or payees) may make.
  RunningPeriods running_periods = RunningPeriods::kEndedMonths;
};

enum class Suppression : uint8_t {
  kReleased = 0,
  kPrimary = 1,    // Too few payers or payees, or dominated by one or two of them.
  kSecondary = 2,  // Hidden so that totals do not give a primary one away.
};
std::string_view SuppressionName(Suppression suppression);

// The sides of a cell the primary rule judges. A side that is always one account (the
// issuer paying money out, or taking it back) singles out no one and is left unjudged.
enum class Sides : uint8_t { kBoth, kPayersOnly, kPayeesOnly };
// Whether `cell` passes the primary rule on `sides`.
bool PassesPrimary(const FlowCell& cell, const DisclosureRules& rules, Sides sides = Sides::kBoth);
// The sides judged in a table of `flow_class`: issuance is always paid by the issuer,
// redemption always paid to it; every other class has accounts on both sides.
Sides SidesJudged(FlowClass flow_class);

struct ProtectedCell {
  FlowCell cell;  // The exact figures: shown only when released.
  Suppression suppression = Suppression::kReleased;
  bool released() const { return suppression == Suppression::kReleased; }
};

// A row or column total (or the grand total): the sum and count over its cells.
struct FlowTotal {
  std::string group;  // Empty for the grand total.
  uint64_t count = 0;
  Wide sum = 0;
  bool released = true;
};

struct ProtectedTable {
  FlowQuery query;
  std::vector<ProtectedCell> cells;     // In the flow table's order.
  std::vector<FlowTotal> payer_totals;  // By payer group, in order.
  std::vector<FlowTotal> payee_totals;  // By payee group, in order.
  FlowTotal total;
};

// How many cells and totals `table` hides. Protection only ever hides more, so a change
// of count is a change of pattern.
size_t HiddenFigures(const ProtectedTable& table);

// Applies primary (on the sides its class has accounts on) and secondary suppression to
// one table, and closes its cycles.
ProtectedTable Protect(const FlowTable& table, const DisclosureRules& rules);

// Suppresses more in `parts` (the tables of the days of the month of `whole`, same query
// otherwise; `weeks`: each day's week, or empty) so that no part gives away what it or
// the whole hides: a cell released in `whole` is never suppressed in exactly one part,
// nor one suppressed in `whole` released in every part; and each primarily suppressed
// cell of a part (or of the whole) lies on a cycle of hidden figures that another part of
// another week hides too, or the whole does (then both can move along it and every
// figure shown stays the same). Every part still satisfies secondary suppression.
// True if it hid any.
bool ProtectParts(const ProtectedTable& whole, std::vector<ProtectedTable>* parts,
                  const std::vector<int32_t>& weeks = {});

// Suppresses more in `tables` (the same currency, period and flow class, each grouped
// otherwise or of other money) so that none gives away a figure another hides. They share
// the grand total, a row total with every table grouping payers the same way, a column
// total with every one grouping payees the same way; a programme group's total is the
// grand total of that programme's money, and a cell of all money with a programme on one
// side the total of the other side's group in that programme's tables. Each hides every
// shared figure one of them hides, on a cycle of hidden figures of its own, until none
// changes. True if it hid any. (That all money is the sum of the programmes' is
// ProtectParts' to keep.)
bool ProtectGroupings(std::vector<ProtectedTable>* tables);

// An account as a reader can tell it from others: its kind, sector and district, as
// flow tables name them ("none" for no sector or district).
struct AccountClass {
  std::string kind;
  std::string sector;
  std::string district;
  friend auto operator<=>(const AccountClass&, const AccountClass&) = default;
};

// The classes of the accounts that pay, and of those paid, in one money of a period.
struct MoneyClasses {
  std::set<AccountClass> payers;
  std::set<AccountClass> payees;
};

// Suppresses more in a period's family (as ProtectFamily's; `classes`: one per money, in
// the family's order) where its groupings nest. In the classes that pay in a money, a
// group of one grouping may be exactly a union of groups of another: the merchants (a
// kind) are the merchants' sectors, the residents are sector "none". Then, under each
// grouping of payees, that kind's row is the sum of those sectors' rows: the rows and
// the row they add up to form a table of their own (its column totals the whole row's
// cells, its grand total the whole row's total), which must hide on cycles of its own
// every figure it hides; so must the tables its figures come from, for what it hid. The
// same for payees. True if it hid any.
bool ProtectNesting(std::vector<ProtectedTable>* family, const std::vector<MoneyClasses>& classes);

// Protects a period's family of tables together (served_tables.h): all money's 16
// groupings first, then each money's (free money, each programme's) 16 in the same order.
// They share figures (ProtectGroupings), all money is the sum of the others' (ProtectParts,
// each money's table a part) and, given each money's classes, groupings nest
// (ProtectNesting): all until none hides more. True if it hid any.
bool ProtectFamily(std::vector<ProtectedTable>* family,
                   const std::vector<MoneyClasses>* classes = nullptr);

// The other way round, for a whole whose parts are served as they are (a week and its
// days, each day already protected against its month): the whole hides every figure
// one of its parts hides, so that the moves that keep the parts' hidden cells free keep
// the whole's figures too; then secondary suppression again.
void ProtectWholeAgainstParts(const std::vector<ProtectedTable>& parts, ProtectedTable* whole);

}  // namespace kyoso::ledger
