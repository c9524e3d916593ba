// Ledger::TransfersBetween: the transfers of a stretch of ledger time, read back a page
// at a time from the batches column and the journal (the research export's source).
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

using ledger::TransferScan;
using ledger::TransferScanPage;

class TransferScanTest : public LedgerRulesTest {
 protected:
  // Three batches an hour apart: issues to alice and bob; two payments, a failed one
  // and a replay of the first issue; a payment by bob.
  void SetUp() override {
    LedgerRulesTest::SetUp();
    start_ = town.time();
    issue_alice_ = town.Issue(kAlice, 1'000);
    issue_bob_ = town.Issue(kBob, 500);
    town.Apply({issue_alice_, issue_bob_});
    town.Advance(kHour);
    pay_1_ = town.Pay(kAlice, kBakery, 100);
    pay_2_ = town.Pay(kAlice, kBakery, 200);
    std::vector<CommandResult> second =
        town.Apply({pay_1_, town.Pay(kAlice, kBakery, 1'000'000), issue_alice_, pay_2_});
    ASSERT_EQ(second[1].code, ResultCode::kInsufficientFunds);
    ASSERT_TRUE(second[2].duplicate);
    town.Advance(kHour);
    pay_bob_ = town.Pay(kBob, kBakery, 50);
    town.Apply({pay_bob_});
  }

  TransferScanPage Scan(TransferScan scan) {
    auto page = town.get().TransfersBetween(scan);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : TransferScanPage{};
  }
  static std::vector<TransferId> Ids(const TransferScanPage& page) {
    std::vector<TransferId> ids;
    for (const ledger::TransferRecord& record : page.records) ids.push_back(record.request.id);
    return ids;
  }

  TimeNs start_ = 0;
  TransferRequest issue_alice_, issue_bob_, pay_1_, pay_2_, pay_bob_;
};

TEST_F(TransferScanTest, EveryTransferThatTookEffectOnceInOrder) {
  TransferScanPage page = Scan({start_, start_ + 3 * kHour, {}, 1'000});
  EXPECT_THAT(Ids(page),
              ElementsAre(issue_alice_.id, issue_bob_.id, pay_1_.id, pay_2_.id, pay_bob_.id));
  EXPECT_FALSE(page.next.has_value());
  const ledger::TransferRecord& payment = page.records[2];
  EXPECT_EQ(payment.request, pay_1_);
  EXPECT_EQ(payment.seq, 3u);
  EXPECT_EQ(payment.timestamp, start_ + kHour);
  ASSERT_EQ(payment.lots.size(), 1u);
  EXPECT_EQ(payment.lots[0].amount, 100);
}

TEST_F(TransferScanTest, OnlyTheStretchAsked) {
  EXPECT_THAT(Ids(Scan({start_ + kHour, start_ + 2 * kHour, {}, 1'000})),
              ElementsAre(pay_1_.id, pay_2_.id));
  // Entries of a batch are stamped a nanosecond apart: the second issue is in the batch
  // of the first but after `from`, the second payment after `until`.
  EXPECT_THAT(Ids(Scan({start_ + 1, start_ + kHour + 1, {}, 1'000})),
              ElementsAre(issue_bob_.id, pay_1_.id));
  EXPECT_TRUE(Scan({start_ + 3 * kHour, start_ + 4 * kHour, {}, 1'000}).records.empty());
  EXPECT_FALSE(town.get().TransfersBetween({start_ + kHour, start_ + kHour, {}, 1'000}).ok());
  EXPECT_FALSE(town.get().TransfersBetween({start_, start_ + kHour, {}, 0}).ok());
}

TEST_F(TransferScanTest, PagesEndAtABatchsEnd) {
  TransferScan scan{start_, start_ + 3 * kHour, {}, 1};
  TransferScanPage page = Scan(scan);
  EXPECT_THAT(Ids(page), ElementsAre(issue_alice_.id, issue_bob_.id));
  ASSERT_TRUE(page.next.has_value());
  scan.resume_at = page.next;
  page = Scan(scan);
  EXPECT_THAT(Ids(page), ElementsAre(pay_1_.id, pay_2_.id));
  scan.resume_at = page.next;
  page = Scan(scan);
  EXPECT_THAT(Ids(page), ElementsAre(pay_bob_.id));
  EXPECT_FALSE(page.next.has_value());
}

TEST_F(TransferScanTest, ABatchRecordedWithoutItsIndexIsRefused) {
  // Batches records as written before the ledger kept the journal index.
  auto forget_index = [&](bool all) {
    ledger::WriteBatch write;
    ASSERT_TRUE(town.store()
                    .Scan(ledger::Column::kBatches, "", "", false,
                          [&](std::string_view key, std::string_view value) {
                            write.Put(ledger::Column::kBatches, key, value.substr(0, 16));
                            return all;
                          })
                    .ok());
    ASSERT_TRUE(town.store().Write(write).ok());
  };
  forget_index(false);  // The first batch only: stretches after it still read.
  // From just after the first batch's two entries: the scan starts at that batch, skips it.
  EXPECT_THAT(Ids(Scan({start_ + 2, start_ + 3 * kHour, {}, 1'000})),
              ElementsAre(pay_1_.id, pay_2_.id, pay_bob_.id));
  auto page = town.get().TransfersBetween({start_, start_ + 3 * kHour, {}, 1'000});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), ledger::Status::Code::kFailedPrecondition);
  forget_index(true);
  EXPECT_FALSE(town.get().TransfersBetween({start_ + kHour, start_ + 3 * kHour, {}, 1'000}).ok());
  // The older records still map a time to a sequence number.
  auto seq = town.get().LastSeqAt(start_ + kHour + 1);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 4u);
}

}  // namespace
}  // namespace kyoso::unit
