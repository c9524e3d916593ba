// Published releases (kyoso/ledger/releases.h): each payer's contribution bounded by
// hand-computed figures, and the privacy budget a release spends, refused past it,
// kept across a reopen; a release is stored and read back unchanged.
#include "kyoso/ledger/releases.h"

#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

using ledger::BoundedCell;
using ledger::FlowClass;
using ledger::GroupBy;
using ledger::PublishRelease;
using ledger::ReleaseBounds;
using ledger::ReleaseSpec;

// In March alice (north) pays the bakery (food) 100, 200 and 300, the cafe (food) 50 and
// the hardware shop (tools) 500; bob (north) pays the bakery 1,000 and the cafe 20. Both
// have consented to research use.
class ReleasesTest : public LedgerRulesTest {
 protected:
  void SetUp() override {
    LedgerRulesTest::SetUp();
    for (const char* resident : {kAlice, kBob}) {
      ASSERT_EQ(town.Run(ledger::SetResearchConsent{resident, true}).code, ResultCode::kOk);
    }
    Fund(kAlice, 10'000);
    Fund(kBob, 10'000);
    for (auto [payer, payee, amount] : {std::tuple{kAlice, kBakery, 100},
                                        {kAlice, kBakery, 200},
                                        {kAlice, kBakery, 300},
                                        {kAlice, kCafe, 50},
                                        {kAlice, kHardware, 500},
                                        {kBob, kBakery, 1'000},
                                        {kBob, kCafe, 20}}) {
      ASSERT_TRUE(town.RunOk(town.Pay(payer, payee, amount)));
    }
  }

  static ReleaseSpec Spec() {
    return ReleaseSpec{kBunji,
                       ledger::PeriodOf(ledger::PeriodKind::kMonth, kMarch1).start_day,
                       FlowClass::kPayment,
                       GroupBy::kDistrict,
                       GroupBy::kSector,
                       {"north", "east"},
                       {"food", "tools"},
                       ReleaseBounds{1, 2, 400}};
  }

  // A release of Spec() as a node would publish it (the figures need not be the truth).
  static PublishRelease Release(std::string id, uint32_t epsilon_milli) {
    PublishRelease release;
    release.id = std::move(id);
    release.spec = Spec();
    release.epsilon_milli = epsilon_milli;
    release.budget_milli = 1'000;
    release.count_margin = 10;
    release.sum_margin = 2'000;
    release.cells = {{5, 801}, {-1, 3}, {0, -40}, {2, 17}};
    release.contributors = {kAlice, kBob};
    return release;
  }
};

TEST_F(ReleasesTest, EachPayerAddsItsLargestCellsCutToTheBounds) {
  auto bounded = town.get().BoundFlows(Spec());
  ASSERT_TRUE(bounded.ok()) << bounded.status().ToString();
  // alice's food cell (4 payments, 650) outweighs her tools cell (500): with one cell
  // each, she adds 2 payments and 400 to food; bob (2 payments, 1,020) the same.
  EXPECT_THAT(bounded->cells, ElementsAre(BoundedCell{4, 800}, BoundedCell{0, 0}, BoundedCell{0, 0},
                                          BoundedCell{0, 0}));
  EXPECT_THAT(bounded->contributors, ElementsAre(kAlice, kBob));

  ReleaseSpec wider = Spec();
  wider.bounds = ReleaseBounds{2, 10, 10'000};  // Nothing cut.
  bounded = town.get().BoundFlows(wider);
  ASSERT_TRUE(bounded.ok());
  EXPECT_THAT(bounded->cells, ElementsAre(BoundedCell{6, 1'670}, BoundedCell{1, 500},
                                          BoundedCell{0, 0}, BoundedCell{0, 0}));
}

TEST_F(ReleasesTest, PartitionsComeFromTheSpecNeverFromTheData) {
  ReleaseSpec spec = Spec();
  spec.payer_partitions = {"south"};  // No payer lives there: alice and bob are left out.
  auto bounded = town.get().BoundFlows(spec);
  ASSERT_TRUE(bounded.ok());
  EXPECT_THAT(bounded->cells, ElementsAre(BoundedCell{0, 0}, BoundedCell{0, 0}));
  EXPECT_THAT(bounded->contributors, IsEmpty());
}

TEST_F(ReleasesTest, AResidentWhoWithdrewConsentIsLeftOut) {
  ASSERT_EQ(town.Run(ledger::SetResearchConsent{kBob, false}).code, ResultCode::kOk);
  auto bounded = town.get().BoundFlows(Spec());
  ASSERT_TRUE(bounded.ok());
  EXPECT_THAT(bounded->cells, ElementsAre(BoundedCell{2, 400}, BoundedCell{0, 0}, BoundedCell{0, 0},
                                          BoundedCell{0, 0}));
  EXPECT_THAT(bounded->contributors, ElementsAre(kAlice));
}

TEST_F(ReleasesTest, OnlyAnEndedMonthIsPublished) {
  EXPECT_EQ(town.Run(Release("march-1", 400)).code, ResultCode::kPeriodNotClosed);
  town.SetTime(kMarch1 + 31 * kDay);
  EXPECT_EQ(town.Run(Release("march-1", 400)).code, ResultCode::kOk);
}

TEST_F(ReleasesTest, TheBudgetIsSpentAndARefusedReleaseChangesNothing) {
  town.SetTime(kMarch1 + 32 * kDay);
  int32_t march = Spec().month;
  ASSERT_EQ(town.Run(Release("march-a", 600)).code, ResultCode::kOk);
  EXPECT_EQ(town.get().PrivacySpent(kBunji, march), 600u);
  Snapshot before = town.Snap();
  EXPECT_EQ(town.Run(Release("march-b", 500)).code, ResultCode::kPrivacyBudgetExceeded);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");
  EXPECT_EQ(town.get().PrivacySpent(kBunji, march), 600u);
  EXPECT_FALSE(town.get().FindRelease("march-b")->has_value());
  EXPECT_EQ(town.Run(Release("march-c", 400)).code, ResultCode::kOk);  // Exactly the budget.
  EXPECT_EQ(town.get().PrivacySpent(kBunji, march), 1'000u);
  EXPECT_EQ(town.Run(Release("march-d", 1)).code, ResultCode::kPrivacyBudgetExceeded);
  EXPECT_EQ(town.get().PrivacySpent(kBunji, march + 31), 0u);  // April's is untouched.

  auto reopened = ledger::Ledger::Open(&town.store());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->PrivacySpent(kBunji, march), 1'000u);
}

TEST_F(ReleasesTest, AReleaseIsReadBackUnchangedAndNamesWhomItIncludes) {
  town.SetTime(kMarch1 + 32 * kDay);
  PublishRelease release = Release("march-a", 250);
  CommandResult first = town.Run(release);
  ASSERT_EQ(first.code, ResultCode::kOk);
  auto stored = town.get().FindRelease("march-a");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->release, release);
  EXPECT_EQ((*stored)->published_at, first.timestamp);
  EXPECT_EQ((*stored)->spent_after_milli, 250u);

  CommandResult again = town.Run(release);  // The same release: its first result.
  EXPECT_EQ(again.code, ResultCode::kOk);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.timestamp, first.timestamp);
  EXPECT_EQ(town.get().PrivacySpent(kBunji, Spec().month), 250u);
  PublishRelease changed = release;
  changed.cells[0].count += 1;
  EXPECT_EQ(town.Run(changed).code, ResultCode::kDuplicateIdDifferentBody);

  EXPECT_THAT(*town.get().ReleasesIncluding(kAlice), ElementsAre("march-a"));
  EXPECT_THAT(*town.get().ReleasesIncluding(kCafe), IsEmpty());
  std::vector<std::string> ids;
  ASSERT_TRUE(town.get()
                  .ForEachRelease([&](const ledger::Release& r) {
                    ids.push_back(r.release.id);
                    return true;
                  })
                  .ok());
  EXPECT_THAT(ids, ElementsAre("march-a"));
}

TEST_F(ReleasesTest, AMalformedReleaseIsRefused) {
  town.SetTime(kMarch1 + 32 * kDay);
  std::vector<PublishRelease> bad(8, Release("march-x", 100));
  bad[0].id = "";
  bad[1].cells.pop_back();
  bad[2].spec.payer_partitions = {"north", "north"};
  bad[3].spec.payee_partitions = {};
  bad[4].spec.bounds.max_cells = 0;
  bad[5].epsilon_milli = 0;
  bad[6].spec.month += 1;  // Not the first of a month.
  bad[7].contributors = {kBob, kAlice};
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(town.Run(bad[i]).code, ResultCode::kInvalidRelease) << i;
  }
  EXPECT_EQ(town.get().PrivacySpent(kBunji, Spec().month), 0u);
  EXPECT_FALSE(town.get().FindRelease("march-x")->has_value());
}

}  // namespace
}  // namespace kyoso::unit
