// The ledger's reads (history, past balances, transfers), batches and the chain head,
// reopening, and store failures.
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

// --- Reads. ---

class LedgerReadsTest : public LedgerRulesTest {
 protected:
  // Five entries of alice, one an hour from the opening: +1000, -100, -200, -300, +50.
  void SetUp() override {
    LedgerRulesTest::SetUp();
    ids_.push_back(town.Issue(kAlice, 1'000));
    for (Amount amount : {100, 200, 300}) ids_.push_back(town.Pay(kAlice, kBakery, amount));
    ids_.push_back(town.Issue(kAlice, 50));
    for (size_t i = 0; i < ids_.size(); ++i) {
      town.SetTime(kOpening + static_cast<TimeNs>(i) * kHour);
      ASSERT_EQ(town.Run(ids_[i]).seq, i + 1);
    }
  }
  std::vector<uint64_t> Seqs(const ledger::HistoryPage& page) {
    std::vector<uint64_t> seqs;
    for (const auto& entry : page.entries) seqs.push_back(entry.seq);
    return seqs;
  }
  ledger::HistoryPage Page(const AccountId& account, HistoryQuery query) {
    auto page = town.get().History(account, query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : ledger::HistoryPage{};
  }
  std::vector<TransferRequest> ids_;
};

TEST_F(LedgerReadsTest, HistoryEntriesCarryTheMovement) {
  ledger::HistoryPage page = Page(kAlice, HistoryQuery{});
  ASSERT_EQ(page.entries.size(), 5u);
  EXPECT_EQ(page.next_cursor, 0u);
  const ledger::HistoryEntry& payment = page.entries[3];  // Newest first: seq 2.
  EXPECT_EQ(payment.seq, 2u);
  EXPECT_EQ(payment.account, kAlice);
  EXPECT_EQ(payment.timestamp, kOpening + kHour);
  EXPECT_EQ(payment.transfer, ids_[1].id);
  EXPECT_EQ(payment.kind, TransferKind::kPayment);
  EXPECT_EQ(payment.delta, -100);
  EXPECT_EQ(payment.balance_after, 900);
  std::vector<Amount> balances;
  for (const auto& entry : page.entries) balances.push_back(entry.balance_after);
  EXPECT_THAT(balances, ElementsAre(450, 400, 700, 900, 1'000));
  EXPECT_THAT(Seqs(Page(kBakery, HistoryQuery{})), ElementsAre(4, 3, 2));
}

TEST_F(LedgerReadsTest, HistoryPagesWithACursorBothWays) {
  HistoryQuery query;
  query.limit = 2;
  ledger::HistoryPage page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(5, 4));
  EXPECT_EQ(page.next_cursor, 3u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(3, 2));
  EXPECT_EQ(page.next_cursor, 1u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(1));
  EXPECT_EQ(page.next_cursor, 0u);

  query = HistoryQuery{};
  query.limit = 2;
  query.newest_first = false;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(1, 2));
  EXPECT_EQ(page.next_cursor, 3u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(3, 4));
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(5));
  EXPECT_EQ(page.next_cursor, 0u);
}

TEST_F(LedgerReadsTest, HistoryByTimeWindow) {
  HistoryQuery query;
  query.from = kOpening + kHour;
  query.until = kOpening + 3 * kHour;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(4, 3, 2));
  query.newest_first = false;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(2, 3, 4));
  query.from = kOpening + kHour + 1;
  query.until = kOpening + 3 * kHour - 1;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(3));
  query.from = kOpening + 10 * kHour;
  query.until = INT64_MAX;
  EXPECT_THAT(Seqs(Page(kAlice, query)), IsEmpty());
  query = HistoryQuery{};
  query.until = kOpening - 1;
  EXPECT_THAT(Seqs(Page(kAlice, query)), IsEmpty());

  query = HistoryQuery{};
  query.limit = 0;
  EXPECT_FALSE(town.get().History(kAlice, query).ok());
  query.limit = ledger::kHistoryPageMax + 1;
  EXPECT_FALSE(town.get().History(kAlice, query).ok());
  EXPECT_TRUE(town.get().History("res:nobody", HistoryQuery{}).status().IsNotFound());
}

TEST_F(LedgerReadsTest, BalancesAndSequenceNumbersInThePast) {
  auto at_seq = [&](const AccountId& account, uint64_t seq) {
    auto balance = town.get().BalanceAtSeq(account, seq);
    EXPECT_TRUE(balance.ok());
    return balance.ok() ? *balance : -1;
  };
  EXPECT_EQ(at_seq(kAlice, 0), 0);
  EXPECT_EQ(at_seq(kAlice, 1), 1'000);
  EXPECT_EQ(at_seq(kAlice, 3), 700);
  EXPECT_EQ(at_seq(kAlice, 5), 450);
  EXPECT_EQ(at_seq(kAlice, UINT64_MAX), 450);
  EXPECT_EQ(at_seq(kBakery, 1), 0);
  EXPECT_EQ(at_seq(kBakery, 3), 300);
  EXPECT_TRUE(town.get().BalanceAtSeq("res:nobody", 1).status().IsNotFound());

  auto last_seq_at = [&](TimeNs at) {
    auto seq = town.get().LastSeqAt(at);
    EXPECT_TRUE(seq.ok());
    return seq.ok() ? *seq : UINT64_MAX;
  };
  EXPECT_EQ(last_seq_at(kOpening - 1), 0u);
  EXPECT_EQ(last_seq_at(kOpening), 1u);
  EXPECT_EQ(last_seq_at(kOpening + 90 * 60 * kSecond), 2u);
  EXPECT_EQ(last_seq_at(kOpening + 4 * kHour), 5u);
  EXPECT_EQ(last_seq_at(INT64_MAX), 5u);

  auto at_time = [&](TimeNs at) {
    auto balance = town.get().BalanceAtTime(kAlice, at);
    EXPECT_TRUE(balance.ok());
    return balance.ok() ? *balance : -1;
  };
  EXPECT_EQ(at_time(kOpening - 1), 0);
  EXPECT_EQ(at_time(kOpening + 2 * kHour - 1), 900);
  EXPECT_EQ(at_time(kOpening + 2 * kHour), 700);
  EXPECT_EQ(at_time(kOpening + 100 * kHour), 450);
}

TEST_F(LedgerReadsTest, FindTransfer) {
  auto found = town.get().FindTransfer(ids_[2].id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const ledger::TransferRecord& record = **found;
  EXPECT_EQ(record.request, ids_[2]);
  EXPECT_EQ(record.result, ResultCode::kOk);
  EXPECT_EQ(record.seq, 3u);
  EXPECT_EQ(record.timestamp, kOpening + 2 * kHour);
  EXPECT_EQ(record.currency, kBunji);
  EXPECT_THAT(record.lots, ElementsAre(Free(200)));
  auto missing = town.get().FindTransfer(TransferId{9, 9});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// --- The journal. ---

std::vector<ledger::JournalEntry> WholeJournal(const ledger::Ledger& ledger) {
  auto entries = ledger.Journal(0, 1'000);
  EXPECT_TRUE(entries.ok()) << entries.status().ToString();
  return entries.ok() ? *entries : std::vector<ledger::JournalEntry>{};
}

// nullopt when every entry verifies, else the first complaint.
std::optional<std::string> FirstBreak(const std::vector<ledger::JournalEntry>& entries) {
  ledger::JournalVerifier verifier;
  for (const auto& entry : entries) {
    if (auto wrong = verifier.Add(entry)) return wrong;
  }
  return std::nullopt;
}

TEST_F(LedgerReadsTest, TheJournalRecomputesToTheLedgersChainHead) {
  std::vector<ledger::JournalEntry> entries = WholeJournal(town.get());
  ASSERT_EQ(entries.size(), town.get().applied_index());
  ledger::JournalVerifier verifier;
  for (const auto& entry : entries) EXPECT_EQ(verifier.Add(entry), std::nullopt) << entry.index;
  EXPECT_EQ(verifier.head(), town.get().chain_head());
  EXPECT_EQ(verifier.entries(), entries.size());
  // Pages: from an index on, at most `limit`.
  auto page = town.get().Journal(entries[2].index, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].index, entries[2].index);
  EXPECT_EQ((*page)[1].chain_head, entries[3].chain_head);
}

TEST_F(LedgerReadsTest, AVerifierNamesTheFirstBatchWhereTheJournalBreaks) {
  std::vector<ledger::JournalEntry> entries = WholeJournal(town.get());
  ASSERT_GE(entries.size(), 5u);
  uint64_t third = entries[2].index;
  auto says = [](const std::optional<std::string>& wrong, const std::string& part) {
    return wrong.has_value() && wrong->find(part) != std::string::npos;
  };

  auto altered = entries;  // A transfer's amount changed after the fact.
  ledger::StatusOr<ledger::Batch> batch = ledger::DecodeBatch(altered[2].batch);
  ASSERT_TRUE(batch.ok());
  std::get<TransferRequest>(batch->commands.at(0)).amount += 1;
  altered[2].batch.clear();
  ledger::EncodeBatch(*batch, &altered[2].batch);
  EXPECT_TRUE(says(FirstBreak(altered), "batch " + std::to_string(third) + ": the recorded head"))
      << FirstBreak(altered).value_or("verified");

  auto rehashed = altered;  // ...and its head recomputed: the next batch no longer links.
  rehashed[2].chain_head =
      ledger::NextChainHead(rehashed[1].chain_head, rehashed[2].batch, rehashed[2].results);
  EXPECT_TRUE(says(FirstBreak(rehashed), "batch " + std::to_string(entries[3].index)));

  auto missing = entries;  // A batch left out of the export.
  missing.erase(missing.begin() + 2);
  EXPECT_TRUE(says(FirstBreak(missing), "batch " + std::to_string(entries[3].index)));

  auto refused = entries;  // A result rewritten from ok to refused.
  ledger::StatusOr<std::vector<ledger::CommandResult>> results =
      ledger::DecodeResults(refused[2].results);
  ASSERT_TRUE(results.ok());
  results->at(0).code = ResultCode::kInsufficientFunds;
  refused[2].results.clear();
  ledger::EncodeResults(*results, &refused[2].results);
  EXPECT_TRUE(says(FirstBreak(refused), "batch " + std::to_string(third)));

  auto garbled = entries;
  garbled[2].batch = "not a batch";
  EXPECT_TRUE(says(FirstBreak(garbled), "its batch does not decode"));
  EXPECT_EQ(FirstBreak(entries), std::nullopt);
}

// --- Batches, chain head, reopening. ---

TEST(LedgerBatchTest, StaleOrOversizedBatchesAreRefused) {
  TestLedger town;
  town.SetUpTown();
  ledger::Batch batch;
  batch.index = 1;  // Already applied by the set-up.
  batch.timestamp = kOpening;
  batch.commands = {Tick{}};
  EXPECT_FALSE(town.get().Apply(batch).ok());
  batch.index = 0;
  EXPECT_FALSE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 1u);
  batch.index = 2;
  batch.commands.assign(ledger::kBatchCommandsMax + 1, Tick{});
  EXPECT_FALSE(town.get().Apply(batch).ok());
  batch.commands = {Tick{}};
  EXPECT_TRUE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 2u);
  batch.index = 10;  // Gaps are fine; only order matters.
  EXPECT_TRUE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 10u);
}

// Feeds `town` a short fixed story; the transfer ids come from its own counter.
void Story(TestLedger& town, std::vector<ledger::ChainHead>* heads) {
  town.SetUpTown();
  heads->push_back(town.get().chain_head());
  for (int day = 0; day < 3; ++day) {
    town.Apply({town.TopUp(kAlice, 10'000, kFreshFood), town.Pay(kAlice, kBakery, 2'500 + day)});
    heads->push_back(town.get().chain_head());
    town.Advance(kDay);
    town.Apply({Tick{}, town.Redeem(kBakery, 1'000)});
    heads->push_back(town.get().chain_head());
  }
}

TEST(LedgerBatchTest, ChainHeadChangesEveryBatchAndIsDeterministic) {
  TestLedger a;
  TestLedger b;
  EXPECT_EQ(a.get().chain_head(), ledger::ChainHead{});
  std::vector<ledger::ChainHead> heads_a;
  std::vector<ledger::ChainHead> heads_b;
  Story(a, &heads_a);
  Story(b, &heads_b);
  EXPECT_EQ(heads_a, heads_b);
  std::set<ledger::ChainHead> distinct(heads_a.begin(), heads_a.end());
  EXPECT_EQ(distinct.size(), heads_a.size());
  EXPECT_NE(heads_a.front(), ledger::ChainHead{});
  // An empty batch still moves the head: it commits to the index and time.
  a.Apply({});
  EXPECT_NE(a.get().chain_head(), heads_a.back());

  // One different amount gives a different head from then on.
  TestLedger c;
  c.SetUpTown();
  EXPECT_EQ(c.get().chain_head(), heads_a[0]);
  c.Apply({c.TopUp(kAlice, 10'000, kFreshFood), c.Pay(kAlice, kBakery, 2'499)});
  EXPECT_NE(c.get().chain_head(), heads_a[1]);
}

TEST(LedgerBatchTest, ReopeningRestoresTheState) {
  TestLedger town;
  std::vector<ledger::ChainHead> heads;
  Story(town, &heads);
  TransferRequest hold = town.Hold(kAlice, kCafe, 100, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  auto reopened = ledger::Ledger::Open(&town.store());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ledger::Ledger& again = **reopened;
  EXPECT_EQ(again.applied_index(), town.get().applied_index());
  EXPECT_EQ(again.chain_head(), town.get().chain_head());
  EXPECT_EQ(again.last_seq(), town.get().last_seq());
  EXPECT_EQ(again.last_timestamp(), town.get().last_timestamp());
  EXPECT_TRUE(again.currencies() == town.get().currencies());
  EXPECT_TRUE(again.programs() == town.get().programs());
  town.get().ForEachAccount([&](const Account& account) {
    const Account* loaded = again.FindAccount(account.id);
    ASSERT_NE(loaded, nullptr);
    EXPECT_TRUE(*loaded == account) << account.id;
  });
  // The pending hold expires after the reopen too.
  ledger::Batch tick{town.next_index(), town.time() + 2 * kHour, {Tick{}}};
  ASSERT_TRUE(again.Apply(tick).ok());
  EXPECT_EQ(BalanceOf(*again.FindAccount(kAlice)), BalanceOf(town.Account(kAlice)) + 100);
  EXPECT_EQ(again.FindCurrency(kBunji)->held, 0);
}

// A store whose writes or reads can be made to fail.
class FlakyStore final : public ledger::Store {
 public:
  ledger::Status Write(const ledger::WriteBatch& batch) override {
    if (fail_writes) return ledger::Status::IOError("disk full");
    return inner.Write(batch);
  }
  ledger::Status Get(ledger::Column column, std::string_view key,
                     std::string* value) const override {
    if (fail_reads) return ledger::Status::IOError("bad sector");
    return inner.Get(column, key, value);
  }
  ledger::Status Scan(ledger::Column column, std::string_view start, std::string_view end,
                      bool reverse, const ledger::ScanVisitor& visit) const override {
    return inner.Scan(column, start, end, reverse, visit);
  }

  ledger::MemoryStore inner;
  bool fail_writes = false;
  bool fail_reads = false;
};

TEST(LedgerStoreFailureTest, AFailedWriteLeavesTheStoreAtTheLastBatch) {
  FlakyStore store;
  auto opened = ledger::Ledger::Open(&store);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<ledger::Ledger> first = std::move(opened).value();
  TestLedger builder;  // Only for its command builders.
  auto apply = [](ledger::Ledger& target, uint64_t index, std::vector<Command> commands) {
    return target.Apply(ledger::Batch{index, kOpening, std::move(commands)});
  };
  ASSERT_TRUE(
      apply(*first, 1, {BunjiCurrency(), NewAccount(kAlice), NewAccount(kBakery, kBunji, "food")})
          .ok());
  ASSERT_TRUE(apply(*first, 2, {builder.Issue(kAlice, 1'000)}).ok());
  TransferRequest pay = builder.Pay(kAlice, kBakery, 400);

  store.fail_writes = true;
  EXPECT_FALSE(apply(*first, 3, {pay}).ok());
  store.fail_writes = false;
  // The ledger's memory ran ahead of the store: it refuses to go on.
  EXPECT_FALSE(apply(*first, 4, {Tick{}}).ok());

  opened = ledger::Ledger::Open(&store);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<ledger::Ledger> second = std::move(opened).value();
  EXPECT_EQ(second->applied_index(), 2u);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kAlice)), 1'000);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kBakery)), 0);
  auto retried = apply(*second, 3, {pay});
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->results[0].code, ResultCode::kOk);
  EXPECT_FALSE(retried->results[0].duplicate);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kAlice)), 600);

  // A read failure while applying is an error too, never a silent "new transfer".
  store.fail_reads = true;
  EXPECT_FALSE(apply(*second, 4, {pay}).ok());
}

TEST(LedgerStoreFailureTest, AStoreOfANewerFormatIsRefused) {
  ledger::MemoryStore store;
  ledger::WriteBatch batch;
  batch.Put(ledger::Column::kMeta, ledger::keys::kFormat,
            std::string(1, static_cast<char>(ledger::kFormatVersion + 1)));
  ASSERT_TRUE(store.Write(batch).ok());
  EXPECT_FALSE(ledger::Ledger::Open(&store).ok());
}

}  // namespace
}  // namespace kyoso::unit
