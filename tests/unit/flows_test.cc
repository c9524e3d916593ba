// Flows kept on apply (kyoso/ledger/flows.h): periods, and the flow tables of a small
// town whose figures are computed by hand below.
#include "kyoso/ledger/flows.h"

#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/metrics.h"
#include "kyoso/ledger/served_tables.h"
#include "ledger_rules_fixture.h"

namespace kyoso::ledger {
inline void PrintTo(const FlowCell& c, std::ostream* os) {
  *os << c.payer_group << "->" << c.payee_group << " n=" << c.count << " sum=" << c.sum
      << " payers=" << c.distinct_payers << " payees=" << c.distinct_payees << " top payers "
      << c.top_payers[0] << "," << c.top_payers[1] << " top payees " << c.top_payees[0] << ","
      << c.top_payees[1];
}
}  // namespace kyoso::ledger

namespace kyoso::unit {
namespace {

using ledger::FlowCell;
using ledger::FlowClass;
using ledger::FlowQuery;
using ledger::GroupBy;
using ledger::Period;
using ledger::PeriodKind;
using ::testing::ElementsAreArray;

int32_t Day(const char* text) {
  return *ledger::DayFromText(text);
}

TEST(PeriodTest, DaysIsoWeeksAndMonthsInUtc) {
  // kOpening is Sunday 2026-03-01 09:00 UTC; its ISO week began on Monday 23 February.
  EXPECT_EQ(ledger::DayText(ledger::PeriodOf(PeriodKind::kDay, kOpening).start_day), "2026-03-01");
  EXPECT_EQ(ledger::PeriodOf(PeriodKind::kWeek, kOpening).start_day, Day("2026-02-23"));
  EXPECT_EQ(ledger::PeriodOf(PeriodKind::kWeek, kOpening + kDay).start_day, Day("2026-03-02"));
  EXPECT_EQ(ledger::PeriodOf(PeriodKind::kMonth, kOpening).start_day, Day("2026-03-01"));
  EXPECT_EQ(ledger::PeriodOf(PeriodKind::kMonth, kMarch1 - 1).start_day, Day("2026-02-01"));
  EXPECT_EQ(ledger::PeriodEndDay(Period{PeriodKind::kMonth, Day("2026-02-01")}), Day("2026-03-01"));
  EXPECT_EQ(ledger::PeriodEndDay(Period{PeriodKind::kMonth, Day("2024-02-01")}), Day("2024-03-01"));
  EXPECT_EQ(Day("2024-03-01") - Day("2024-02-01"), 29);  // A leap year.
  EXPECT_EQ(ledger::PeriodEndDay(Period{PeriodKind::kWeek, Day("2026-02-23")}), Day("2026-03-02"));
  EXPECT_EQ(Day("1970-01-01"), 0);
  EXPECT_EQ(ledger::PeriodOf(PeriodKind::kDay, -1).start_day, -1);  // Floors, not truncates.
  static_assert(ledger::SecondsOf(1'999'999'999) == 1);  // Circulation's seconds floor too.
  static_assert(ledger::SecondsOf(-1) == -1);
  static_assert(ledger::SecondsOf(-1'000'000'000) == -1);
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-3-01", "2026-03-01x", ""}) {
    EXPECT_FALSE(ledger::DayFromText(bad).has_value()) << bad;
  }
}

// The town's story. Sunday 1 March: alice gets 1,000 of free money and bob 500 of
// fresh-food money; alice pays the bakery 100 and the cafe 50, bob pays the bakery 200
// (fresh-food). Monday 2 March: alice pays the bakery 30; the bakery buys 120 from the
// farm (restricted money first: fresh-food); the bakery refunds 40 of alice's 100; the
// farm redeems 100 (fresh-food); alice's payment of 5,000 fails and moves nothing.
class FlowsTest : public LedgerRulesTest {
 protected:
  void SetUp() override {
    LedgerRulesTest::SetUp();
    Fund(kAlice, 1'000);
    Fund(kBob, 500, kFreshFood);
    TransferRequest first = town.Pay(kAlice, kBakery, 100);
    for (const TransferRequest& pay :
         {first, town.Pay(kAlice, kCafe, 50), town.Pay(kBob, kBakery, 200)}) {
      ASSERT_TRUE(town.RunOk(pay));
    }
    town.SetTime(kOpening + kDay);
    ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 30)));
    ASSERT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 120)));
    ASSERT_TRUE(town.RunOk(town.Refund(first, 40)));
    ASSERT_TRUE(town.RunOk(town.Redeem(kFarm, 100)));
    ASSERT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 5'000), ResultCode::kInsufficientFunds));
  }

  std::vector<FlowCell> Table(PeriodKind kind, TimeNs at, FlowClass flow_class, GroupBy payer,
                              GroupBy payee, std::optional<ProgramId> program = std::nullopt) {
    FlowQuery query{kBunji, ledger::PeriodOf(kind, at), flow_class, payer, payee, program};
    auto table = town.get().Flows(query);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? table->cells : std::vector<FlowCell>{};
  }

  // A programme's metrics under rules that hold nothing back: the figures themselves, a
  // running period's as the ledger stands (live).
  ledger::ProgramMetrics Metrics(PeriodKind kind, TimeNs at, const ProgramId& program,
                                 ledger::RunningPeriods running = ledger::RunningPeriods::kLive) {
    const ledger::DisclosureRules open{1, 1, 100, running};
    auto computed = ledger::ComputeProgramMetrics(town.get(), kBunji, ledger::PeriodOf(kind, at),
                                                  program, open);
    EXPECT_TRUE(computed.ok()) << computed.status().ToString();
    return computed.ok() ? *computed : ledger::ProgramMetrics{};
  }
};

FlowCell Cell(std::string payer, std::string payee, uint64_t count, Wide sum, uint64_t payers,
              uint64_t payees, std::array<Wide, 2> top_payers, std::array<Wide, 2> top_payees) {
  return FlowCell{std::move(payer),
                  std::move(payee),
                  count,
                  sum,
                  payers,
                  payees,
                  {top_payers[0], top_payers[1]},
                  {top_payees[0], top_payees[1]}};
}

TEST_F(FlowsTest, AMonthOfPaymentsByKindAndSector) {
  // Residents to food: alice→bakery 100 + 30, alice→cafe 50, bob→bakery 200: 4 payments,
  // 380; alice paid 180, bob 200; the bakery got 330, the cafe 50. The bakery to food:
  // its 120 to the farm. Refunds, redemptions and the failed payment are not payments.
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kSector),
      ElementsAre(Cell("mch", "food", 1, 120, 1, 1, {120, 0}, {120, 0}),
                  Cell("res", "food", 4, 380, 2, 2, {200, 180}, {330, 50})));
}

TEST_F(FlowsTest, DaysAndWeeksSplitWhereTheyShould) {
  // Sunday alone; its ISO week (from Monday 23 February) holds the same.
  std::vector<FlowCell> sunday = {Cell("res", "food", 3, 350, 2, 2, {200, 150}, {300, 50})};
  EXPECT_THAT(
      Table(PeriodKind::kDay, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kSector),
      ElementsAreArray(sunday));
  EXPECT_THAT(
      Table(PeriodKind::kWeek, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kSector),
      ElementsAreArray(sunday));
  // Monday starts a new week.
  EXPECT_THAT(Table(PeriodKind::kWeek, kOpening + kDay, FlowClass::kPayment, GroupBy::kKind,
                    GroupBy::kSector),
              ElementsAre(Cell("mch", "food", 1, 120, 1, 1, {120, 0}, {120, 0}),
                          Cell("res", "food", 1, 30, 1, 1, {30, 0}, {30, 0})));
}

TEST_F(FlowsTest, MoneyRemembersItsProgramme) {
  // Free money: alice's 180 to the bakery and the cafe. Fresh-food money: bob's 200 to
  // the bakery, and the bakery's 120 of it to the farm.
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kProgram, GroupBy::kSector),
      ElementsAre(Cell("free", "food", 3, 180, 1, 2, {180, 0}, {130, 50}),
                  Cell("fresh-food", "food", 2, 320, 2, 2, {200, 120}, {200, 120})));
  // Only fresh-food money, by district: north (bob) to north (bakery), north (bakery) to
  // south (farm).
  EXPECT_THAT(Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kDistrict,
                    GroupBy::kDistrict, kFreshFood),
              ElementsAre(Cell("north", "north", 1, 200, 1, 1, {200, 0}, {200, 0}),
                          Cell("north", "south", 1, 120, 1, 1, {120, 0}, {120, 0})));
}

TEST_F(FlowsTest, IssuanceRefundsAndRedemptionsAreKeptApart) {
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kIssuance, GroupBy::kKind, GroupBy::kKind),
      ElementsAre(Cell("iss", "res", 2, 1'500, 1, 2, {1'500, 0}, {1'000, 500})));
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kRefund, GroupBy::kKind, GroupBy::kKind),
      ElementsAre(Cell("mch", "res", 1, 40, 1, 1, {40, 0}, {40, 0})));
  EXPECT_THAT(Table(PeriodKind::kMonth, kOpening, FlowClass::kRedemption, GroupBy::kKind,
                    GroupBy::kProgram),
              ElementsAre(Cell("prd", "fresh-food", 1, 100, 1, 1, {100, 0}, {100, 0})));
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kExchange, GroupBy::kKind, GroupBy::kKind),
      IsEmpty());
  // Another month holds nothing.
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kMarch1 - 1, FlowClass::kPayment, GroupBy::kKind, GroupBy::kKind),
      IsEmpty());
}

TEST_F(FlowsTest, ACashBackIsIssuanceFromTheIssuerToThePayer) {
  ProgramRules rules = RulesFor(kBusinesses, 30 * kDay);
  rules.cashback_bps = 500;
  ASSERT_TRUE(town.RunOk(NewProgram("cashback", 10'000, rules)));
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 200, "cashback")));  // 10 back to alice.
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kIssuance, GroupBy::kProgram, GroupBy::kKind),
      ElementsAre(Cell("cashback", "res", 1, 10, 1, 1, {10, 0}, {10, 0}),
                  Cell("free", "res", 1, 1'000, 1, 1, {1'000, 0}, {1'000, 0}),
                  Cell("fresh-food", "res", 1, 500, 1, 1, {500, 0}, {500, 0})));
  // The payment itself moved alice's free money: 200 more from res to mch.
  EXPECT_THAT(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kProgram, GroupBy::kKind),
      ElementsAre(Cell("free", "mch", 4, 380, 1, 2, {380, 0}, {330, 50}),
                  Cell("fresh-food", "mch", 1, 200, 1, 1, {200, 0}, {200, 0}),
                  Cell("fresh-food", "prd", 1, 120, 1, 1, {120, 0}, {120, 0})));
}

TEST_F(FlowsTest, ProgrammeMetricsFromTheTownComputedByHand) {
  // March, fresh-food: R1 = bob's 500; R2 = bob's 200 at the bakery; R3 = the bakery's 120
  // at the farm; X = the farm's 100. LM3 = 820 / 500, spend-through 200 / 500, leakage
  // 100 / 500, rounds (200 + 120) / 100.
  ledger::ProgramMetrics fresh = Metrics(PeriodKind::kMonth, kOpening, kFreshFood);
  EXPECT_EQ(fresh.paid_out, Wide(500));
  EXPECT_EQ(fresh.spent, Wide(200));
  EXPECT_EQ(fresh.respent, Wide(120));
  EXPECT_EQ(fresh.redeemed, Wide(100));
  EXPECT_EQ(fresh.lm3_milli, Wide(1'640));
  EXPECT_EQ(fresh.spend_through_milli, Wide(400));
  EXPECT_EQ(fresh.leakage_milli, Wide(200));
  EXPECT_EQ(fresh.rounds_milli, Wide(3'200));
  // Free money: alice's 1,000, of which 180 spent (100 + 50 + 30; the refund is not
  // subtracted), none re-spent or redeemed: no rounds.
  ledger::ProgramMetrics free = Metrics(PeriodKind::kMonth, kOpening, "");
  EXPECT_EQ(free.paid_out, Wide(1'000));
  EXPECT_EQ(free.spent, Wide(180));
  EXPECT_EQ(free.lm3_milli, Wide(1'180));
  EXPECT_EQ(free.spend_through_milli, Wide(180));
  EXPECT_EQ(free.leakage_milli, Wide(0));
  EXPECT_FALSE(free.rounds_milli.has_value());
  // Monday's week: nothing paid out, so no ratio over R1; rounds 120 / 100 = 1.2.
  ledger::ProgramMetrics monday = Metrics(PeriodKind::kWeek, kOpening + kDay, kFreshFood);
  EXPECT_EQ(monday.paid_out, Wide(0));
  EXPECT_EQ(monday.respent, Wide(120));
  EXPECT_FALSE(monday.lm3_milli.has_value());
  EXPECT_FALSE(monday.spend_through_milli.has_value());
  EXPECT_EQ(monday.rounds_milli, Wide(1'200));
}

TEST_F(FlowsTest, VelocityAndHoldingPeriodFromTheMoneyInCirculation) {
  // The ledger's time is Monday 09:00, 33 hours (118,800 s) into March. Fresh-food money
  // in circulation: 500 from Sunday 09:00 (bob's), 400 from Monday 09:00 (the farm
  // redeemed 100): 500 × 86,400 = 43,200,000 unit-seconds so far. M = 43,200,000 ÷
  // 118,800 = 363.6; velocity = (200 + 120) ÷ M = 0.880; holding = M × 1.375 days ÷ 320
  // = 1.5625 days, half to even 1.562.
  ledger::ProgramMetrics fresh = Metrics(PeriodKind::kMonth, kOpening, kFreshFood);
  EXPECT_EQ(fresh.average_stock, Wide(364));
  EXPECT_EQ(fresh.velocity_milli, Wide(880));
  EXPECT_EQ(fresh.holding_days_milli, Wide(1'562));
  // Free money: alice's 1,000 from Sunday 09:00, all of it still held by residents and
  // merchants: 86,400,000 unit-seconds; M = 727.3; velocity 180 ÷ M = 0.2475, half to
  // even 0.248; holding 86,400,000 ÷ (180 × 86,400) = 5.556 days.
  ledger::ProgramMetrics free = Metrics(PeriodKind::kMonth, kOpening, "");
  EXPECT_EQ(free.average_stock, Wide(727));
  EXPECT_EQ(free.velocity_milli, Wide(248));
  EXPECT_EQ(free.holding_days_milli, Wide(5'556));
  // Sunday, a day that is over: 500 for 15 of its 24 hours, M = 312.5 (half to even
  // 312); bob's 200 make a velocity of 0.640 and a holding period of 1.5625 days.
  ledger::ProgramMetrics sunday = Metrics(PeriodKind::kDay, kOpening, kFreshFood);
  EXPECT_EQ(sunday.average_stock, Wide(312));
  EXPECT_EQ(sunday.velocity_milli, Wide(640));
  EXPECT_EQ(sunday.holding_days_milli, Wide(1'562));
  // February had no money yet, April has not begun: nothing to average.
  for (TimeNs at : {kMarch1 - kDay, kMarch1 + 31 * kDay}) {
    ledger::ProgramMetrics none = Metrics(PeriodKind::kMonth, at, kFreshFood);
    EXPECT_FALSE(none.average_stock.has_value());
    EXPECT_FALSE(none.velocity_milli.has_value());
    EXPECT_FALSE(none.holding_days_milli.has_value());
  }
  EXPECT_EQ(town.get().MoneyInCirculation(kBunji, kFreshFood).value(), Wide(400));
  EXPECT_EQ(town.get().MoneyInCirculation(kBunji, "").value(), Wide(1'000));
}

TEST_F(FlowsTest, ARunningMonthsMetricsCoverItsEndedDaysOnly) {
  // Served up to the last ended day, March is taken, on Monday at 09:00, up to the end of
  // Sunday: fresh-food's
  // R1 (bob's 500) and R2 (his 200) were Sunday's; the bakery's purchase and the farm's
  // redemption, Monday's, are not yet counted. The circulation is Sunday's too: 500 for
  // 15 of its 24 hours, M = 312.5 (half to even 312), velocity 200 / M = 0.640, as for
  // Sunday alone.
  ledger::ProgramMetrics fresh =
      Metrics(PeriodKind::kMonth, kOpening, kFreshFood, ledger::RunningPeriods::kEndedDays);
  EXPECT_EQ(fresh.paid_out, Wide(500));
  EXPECT_EQ(fresh.spent, Wide(200));
  EXPECT_EQ(fresh.respent, Wide(0));
  EXPECT_EQ(fresh.redeemed, Wide(0));
  EXPECT_EQ(fresh.average_stock, Wide(312));
  EXPECT_EQ(fresh.velocity_milli, Wide(640));
  // Monday's own metrics wait for Monday to end.
  ledger::ProgramMetrics monday =
      Metrics(PeriodKind::kDay, kOpening + kDay, kFreshFood, ledger::RunningPeriods::kEndedDays);
  EXPECT_EQ(monday.respent, Wide(0));
  EXPECT_FALSE(monday.average_stock.has_value());
}

TEST_F(FlowsTest, ByDefaultARunningMonthsMetricsWaitForItsEnd) {
  // Served over ended months only (the default), March on Monday morning covers no day:
  // no payout, no spending, no circulation.
  ledger::ProgramMetrics fresh =
      Metrics(PeriodKind::kMonth, kOpening, kFreshFood, ledger::DisclosureRules{}.running_periods);
  EXPECT_EQ(fresh.paid_out, Wide(0));
  EXPECT_EQ(fresh.spent, Wide(0));
  EXPECT_FALSE(fresh.average_stock.has_value());
  EXPECT_FALSE(fresh.velocity_milli.has_value());
}

TEST_F(FlowsTest, CirculationGoesOnFromWhereAReopenedLedgerLeftIt) {
  // Reopened on Monday at 21:00, the farm redeems another 20: fresh-food held 400 for the
  // 12 hours since 09:00, so March's integral grows by 400 × 43,200 s.
  town.Reopen();
  const TimeNs evening = kOpening + kDay + 12 * kHour;
  town.SetTime(evening);
  ASSERT_TRUE(town.RunOk(town.Redeem(kFarm, 20)));
  const int64_t seconds = evening / kSecond;
  EXPECT_EQ(town.get().CirculationIntegral(kBunji, kFreshFood, seconds).value(),
            Wide(500 * 86'400 + 400 * 43'200));
  EXPECT_EQ(town.get().CirculationIntegral(kBunji, kFreshFood, seconds + 10).value(),
            Wide(500 * 86'400 + 400 * 43'200 + 380 * 10));
  EXPECT_EQ(town.get().MoneyInCirculation(kBunji, kFreshFood).value(), Wide(380));
}

// Opening `store` without its meta record `marker` is refused, saying `why` and what to do.
void ExpectRefusedWithout(ledger::Store& store, std::string_view marker, std::string_view why) {
  ledger::WriteBatch older;
  older.Delete(ledger::Column::kMeta, marker);
  ASSERT_TRUE(store.Write(older).ok());
  auto reopened = ledger::Ledger::Open(&store);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), ledger::Status::Code::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find(why), std::string::npos);
  EXPECT_NE(reopened.status().message().find("new data directory"), std::string::npos);
}

TEST_F(FlowsTest, AStoreThatDidNotKeepTheCirculationIsRefused) {
  // As written by a Kyoso before the circulation book: its figures could not be rebuilt
  // alike on every replica, so the ledger will not open it.
  ExpectRefusedWithout(town.store(), ledger::keys::kCirculation, "circulation");
  ledger::MemoryStore fresh;  // A new store has nothing to refuse.
  EXPECT_TRUE(ledger::Ledger::Open(&fresh).ok());
}

TEST_F(FlowsTest, AnEndedMonthReadsBackFromItsChunksOrNotAtAll) {
  std::vector<FlowCell> march =
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kSector);
  town.SetTime(kMarch1 + 62 * kDay);  // In May, March is neither current nor last month.
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 1)));
  EXPECT_EQ(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kSector),
      march);
  // March's payment chunk cut short: the table is refused, not misread.
  std::string prefix = std::string(kBunji) + '\0' + '\2';
  std::string key;
  std::string value;
  ASSERT_TRUE(town.store()
                  .Scan(ledger::Column::kFlows, prefix, "", false,
                        [&](std::string_view k, std::string_view v) {
                          key = k;
                          value = v;
                          return false;
                        })
                  .ok());
  ASSERT_GT(value.size(), 20u);
  ledger::WriteBatch cut;
  cut.Put(ledger::Column::kFlows, key, value.substr(0, value.size() - 3));
  ASSERT_TRUE(town.store().Write(cut).ok());
  town.Reopen();  // What the old ledger kept goes with it.
  FlowQuery query{kBunji,
                  ledger::PeriodOf(PeriodKind::kMonth, kOpening),
                  FlowClass::kPayment,
                  GroupBy::kKind,
                  GroupBy::kSector,
                  std::nullopt};
  auto table = town.get().Flows(query);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ledger::Status::Code::kCorruption);
}

TEST_F(FlowsTest, ProgrammeMetricsHoldBackWhatCouldSingleSomeoneOut) {
  // Two payers at most anywhere in the town: with a minimum of 2 payers and payees, R1
  // (bob alone received fresh-food money), R2 (bob alone spent it) and R3 (the bakery
  // alone) are held back, and every ratio with them; X's payer side is the farm alone.
  const ledger::DisclosureRules two{2, 2, 100, ledger::RunningPeriods::kLive};
  auto fresh = ledger::ComputeProgramMetrics(
      town.get(), kBunji, ledger::PeriodOf(PeriodKind::kMonth, kOpening), kFreshFood, two);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*fresh, ledger::ProgramMetrics{});
  // With ten payers and one payee at least: R1 is judged on its payees only (alice), so it
  // is shown although its one payer is the issuer; R2, alice's payments, is held back.
  const ledger::DisclosureRules payees_only{10, 1, 100, ledger::RunningPeriods::kLive};
  auto free = ledger::ComputeProgramMetrics(
      town.get(), kBunji, ledger::PeriodOf(PeriodKind::kMonth, kOpening), "", payees_only);
  ASSERT_TRUE(free.ok());
  EXPECT_EQ(free->paid_out, Wide(1'000));  // The issuer is not counted as a payer.
  EXPECT_FALSE(free->spent.has_value());   // Alice alone spent it.
  EXPECT_FALSE(free->lm3_milli.has_value());
  EXPECT_EQ(free->leakage_milli, Wide(0));  // Nothing redeemed: no payer to protect.
}

TEST_F(FlowsTest, ProgrammeMetricsShowNothingTheFlowTablesHide) {
  // The cafe spends 40 of alice's free money at the farm: one payee, held back under a
  // minimum of two. Residents' 180 (alice at two merchants) passes on its own, but the
  // free-money table by payer kind hides it too, beside the cafe's 40 (a figure hidden to
  // protect another, shown elsewhere, gives that one away). So R2 is held back with it.
  ASSERT_TRUE(town.RunOk(town.Purchase(kCafe, kFarm, 40)));
  const ledger::DisclosureRules two_payees{1, 2, 100, ledger::RunningPeriods::kLive};
  const Period march = ledger::PeriodOf(PeriodKind::kMonth, kOpening);
  FlowQuery query{kBunji, march, FlowClass::kPayment, GroupBy::kKind, GroupBy::kProgram, ""};
  auto table = ledger::ServedFlowTable(town.get(), query, two_payees);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->cells.size(), 2u);
  EXPECT_EQ(table->cells[0].suppression, ledger::Suppression::kPrimary);    // mch -> free.
  EXPECT_EQ(table->cells[1].suppression, ledger::Suppression::kSecondary);  // res -> free.
  ASSERT_EQ(table->payer_totals.size(), 2u);
  EXPECT_FALSE(table->payer_totals[1].released) << table->payer_totals[1].group;

  auto free = ledger::ComputeProgramMetrics(town.get(), kBunji, march, "", two_payees);
  ASSERT_TRUE(free.ok());
  EXPECT_FALSE(free->spent.has_value());
  EXPECT_FALSE(free->respent.has_value());
}

// March's payments by kind of payer and payee, as `ledger` tables them.
std::vector<FlowCell> MarchByKind(const ledger::Ledger& ledger) {
  FlowQuery query{kBunji,
                  ledger::PeriodOf(PeriodKind::kMonth, kOpening),
                  FlowClass::kPayment,
                  GroupBy::kKind,
                  GroupBy::kKind,
                  std::nullopt};
  auto table = ledger.Flows(query);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return table.ok() ? table->cells : std::vector<FlowCell>{};
}

TEST_F(FlowsTest, AReopenedLedgerGoesOnAddingToTheSameRecords) {
  auto reopened = ledger::Ledger::Open(&town.store());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ledger::Batch batch{town.next_index(), town.time() + kHour, {town.Pay(kAlice, kBakery, 7)}};
  auto applied = (*reopened)->Apply(batch);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->results[0].code, ResultCode::kOk);
  EXPECT_THAT(MarchByKind(**reopened),
              ElementsAre(Cell("mch", "prd", 1, 120, 1, 1, {120, 0}, {120, 0}),
                          Cell("res", "mch", 5, 387, 2, 2, {200, 187}, {337, 50})));
}

TEST_F(FlowsTest, ABatchWritesItsDaysFlowsAsOneValue) {
  // Three pairs that never met today, in one batch: one value of the day's log, not a
  // key per pair.
  const size_t before = town.store().CountKeys(ledger::Column::kFlows);
  std::vector<CommandResult> results = town.Apply(
      {town.Pay(kBob, kCafe, 1), town.Pay(kAlice, kCafe, 2), town.Purchase(kCafe, kFarm, 3)});
  for (const CommandResult& result : results) ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(town.store().CountKeys(ledger::Column::kFlows), before + 1);
}

// The keys of the flows' day logs in the store.
std::vector<std::string> DayLogKeys(const ledger::Store& store) {
  std::vector<std::string> keys;
  const std::string log("\0log", 4);
  EXPECT_TRUE(store
                  .Scan(ledger::Column::kFlows, log, "\x01", false,
                        [&](std::string_view key, std::string_view) {
                          if (key.starts_with(log)) keys.emplace_back(key);
                          return true;
                        })
                  .ok());
  return keys;
}

TEST_F(FlowsTest, AnEndedDayReadsBackFromItsChunksAndLeavesNoLog) {
  std::vector<FlowCell> monday = Table(PeriodKind::kDay, kOpening + kDay, FlowClass::kPayment,
                                       GroupBy::kKind, GroupBy::kSector);
  ASSERT_FALSE(monday.empty());
  EXPECT_EQ(DayLogKeys(town.store()).size(), 4u);  // Monday's four batches with flows.
  town.SetTime(kOpening + 2 * kDay);
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kCafe, 5)));
  EXPECT_EQ(DayLogKeys(town.store()).size(), 1u);  // Tuesday's only.
  town.Reopen();                                   // Nothing the old ledger kept in memory.
  EXPECT_EQ(Table(PeriodKind::kDay, kOpening + kDay, FlowClass::kPayment, GroupBy::kKind,
                  GroupBy::kSector),
            monday);
  // Tuesday, rebuilt from its log, and Monday, from its chunks, make the week.
  EXPECT_THAT(Table(PeriodKind::kWeek, kOpening + kDay, FlowClass::kPayment, GroupBy::kKind,
                    GroupBy::kSector),
              ElementsAre(Cell("mch", "food", 1, 120, 1, 1, {120, 0}, {120, 0}),
                          Cell("res", "food", 2, 35, 1, 2, {35, 0}, {30, 5})));
}

TEST_F(FlowsTest, ADayLogThatCannotBeReadIsRefusedAtOpen) {
  std::vector<std::string> logs = DayLogKeys(town.store());
  ASSERT_FALSE(logs.empty());
  ledger::WriteBatch cut;
  cut.Put(ledger::Column::kFlows, logs.back(), "\x03BUN");  // A currency cut short.
  ASSERT_TRUE(town.store().Write(cut).ok());
  auto reopened = ledger::Ledger::Open(&town.store());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), ledger::Status::Code::kCorruption);
}

TEST_F(FlowsTest, AStoreThatKeptTheDaysRecordsOneKeyEachIsRefused) {
  // As written by a Kyoso before the day's log: today's records would not be read.
  ExpectRefusedWithout(town.store(), ledger::keys::kFlowDayLog, "one key each");
}

TEST_F(LedgerRulesTest, ADaysLogIsFoundAfterTimeMovedOnWithoutAFlow) {
  // The town was set up without a flow, so its book has not yet written its day.
  town.Reopen();
  Fund(kAlice, 1'000);
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 100)));
  // The next day passes without a flow, and the ledger reopens on it.
  town.Advance(kDay);
  ASSERT_TRUE(town.RunOk(NewAccount("res:carol")));
  town.Reopen();
  EXPECT_THAT(MarchByKind(town.get()),
              ElementsAre(Cell("res", "mch", 1, 100, 1, 1, {100, 0}, {100, 0})));
}

TEST_F(FlowsTest, ALinkedGroupThatFailsLeavesNoFlow) {
  std::vector<FlowCell> before =
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kKind);
  TransferRequest fits = town.Pay(kAlice, kBakery, 10);
  TransferRequest too_much = town.Pay(kAlice, kCafe, 5'000);
  fits.linked = true;  // Linked with the next one.
  std::vector<CommandResult> results = town.Apply({fits, too_much});
  EXPECT_NE(results[0].code, ResultCode::kOk);
  EXPECT_EQ(
      Table(PeriodKind::kMonth, kOpening, FlowClass::kPayment, GroupBy::kKind, GroupBy::kKind),
      before);
}

}  // namespace
}  // namespace kyoso::unit
