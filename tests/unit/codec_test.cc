// Durable encodings: round trips of every value, refusal of malformed input, key order.
#include "kyoso/ledger/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

#include "ledger_test_util.h"

namespace kyoso::ledger {
namespace {

using unit::kDay;
using unit::kMarch1;

ProgramRules SampleRules() {
  ProgramRules rules;
  rules.effective_at = kMarch1 + 5 * kDay;
  rules.bonus_bps = 1'000;
  rules.cashback_bps = 250;
  rules.resident_monthly_cap = 50'000;
  rules.payee_kinds = unit::kBusinesses;
  rules.payee_sectors = {"food", "crafts"};
  rules.payee_districts = {"north"};
  rules.redeemer_kinds = KindBit(AccountKind::kMerchant);
  rules.lot_validity_ns = 90 * kDay;
  rules.cash_out_allowed = true;
  return rules;
}

TransferRequest SampleRequest() {
  TransferRequest request;
  request.id = TransferId{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  request.kind = TransferKind::kPost;
  request.from = "res:alice";
  request.to = "mch:bakery";
  request.amount = -42;  // Encodings carry any int64; validity is the ledger's business.
  request.program = "fresh-food";
  request.ref = TransferId{7, 9};
  request.hold_timeout_ns = 3'600'000'000'000;
  request.linked = true;
  request.memo = "bread \xe2\x82\xa9";
  request.terminal = "pos-7";
  return request;
}

PublishRelease SampleRelease() {
  PublishRelease release;
  release.id = "2026-03-payments";
  release.spec = ReleaseSpec{"BUNJI",
                             20'513,
                             FlowClass::kPayment,
                             GroupBy::kDistrict,
                             GroupBy::kProgram,
                             {"north", "south"},
                             {"free", "fresh-food"},
                             ReleaseBounds{3, 20, 90'000}};
  release.epsilon_milli = 250;
  release.budget_milli = 1'000;
  release.count_margin = 181;
  release.sum_margin = 814'000;
  release.cells = {{12, -4}, {0, 7'000}, {-3, 100}, {99, 123'456}};
  release.contributors = {"res:alice", "res:bob"};
  return release;
}

std::vector<Command> EveryCommand() {
  CreateCurrency currency = unit::BunjiCurrency();
  currency.scale = 2;
  currency.demurrage_rate = Rational{1, 100};
  currency.demurrage_period_ns = 30 * kDay;
  currency.default_lot_validity_ns = 365 * kDay;
  CreateAccount account = unit::NewAccount("res:alice", "BUNJI", "", "north");
  account.balance_max = 1'000'000;
  account.credit_limit = 5;
  account.monthly_spend_cap = 200'000;
  account.owner_key = std::string(32, '\x07');
  account.research_consent = true;
  CreateProgram program = unit::NewProgram("fresh-food", 1'000'000, SampleRules());
  program.valid_from = kMarch1;
  program.valid_until = kMarch1 + 365 * kDay;
  return {currency,
          account,
          SetAccountStatus{"res:alice", AccountStatus::kFrozen},
          SetResearchConsent{"res:alice", true},
          program,
          SetProgramRules{"fresh-food", SampleRules()},
          SetExchangeRate{ExchangeRate{"BUNJI", "HANA", kMarch1, Rational{3, 2}, 100}},
          SampleRequest(),
          Tick{},
          RotateOwnerKey{"res:alice", std::string(32, '\x09')},
          SampleRelease()};
}

template <typename T, typename Encode, typename Decode>
void ExpectRoundTrip(const T& value, Encode encode, Decode decode) {
  std::string bytes;
  encode(value, &bytes);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kFormatVersion);
  StatusOr<T> decoded = decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(*decoded == value);
}

TEST(CodecTest, EveryCommandKindRoundTrips) {
  std::vector<Command> commands = EveryCommand();
  ASSERT_EQ(commands.size(), std::variant_size_v<Command>);
  for (size_t i = 0; i < commands.size(); ++i) {
    ASSERT_EQ(commands[i].index(), i);
    SCOPED_TRACE(i);
    ExpectRoundTrip(commands[i], EncodeCommand, DecodeCommand);
  }
}

TEST(CodecTest, BatchRoundTrips) {
  Batch batch{77, kMarch1 + 123, EveryCommand()};
  std::string bytes;
  EncodeBatch(batch, &bytes);
  StatusOr<Batch> decoded = DecodeBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->index, 77u);
  EXPECT_EQ(decoded->timestamp, kMarch1 + 123);
  EXPECT_TRUE(decoded->commands == batch.commands);
  // A negative batch time survives too (zig-zag).
  Batch early{1, -5, {}};
  bytes.clear();
  EncodeBatch(early, &bytes);
  decoded = DecodeBatch(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->timestamp, -5);
  EXPECT_TRUE(decoded->commands.empty());
}

TEST(CodecTest, ResultsRoundTrip) {
  std::vector<CommandResult> results = {
      CommandResult{ResultCode::kOk, 12, kMarch1, 3, 4, 5, 6, false},
      CommandResult{ResultCode::kLinkedEventFailed, 0, 0, 0, 0, 0, 0, true}};
  ExpectRoundTrip(results, EncodeResults, DecodeResults);
}

TEST(CodecTest, RecordsRoundTrip) {
  TransferRecord record;
  record.request = SampleRequest();
  record.result = ResultCode::kCapExceeded;
  record.seq = 1ULL << 40;
  record.timestamp = kMarch1 + 17;
  record.currency = "BUNJI";
  record.lots = {Lot{"fresh-food", kMarch1 + 91 * kDay, 10'000}, Lot{"", kNever, -300}};
  record.fee = 2;
  record.incentive = 10'000;
  record.settled = 54'000;
  record.credited = 1'485;
  record.refunded = 1'500;
  record.hold_state = HoldState::kExpired;
  record.posted = 2'000;
  record.hold_expires_at = kMarch1 + 3'600;
  ExpectRoundTrip(record, EncodeTransferRecord, DecodeTransferRecord);

  Account account;
  account.id = "mch:bakery";
  account.kind = AccountKind::kMerchant;
  account.currency = "BUNJI";
  account.district = "north";
  account.sector = "food";
  account.status = AccountStatus::kClosed;
  account.balance_max = 1;
  account.credit_limit = 2;
  account.monthly_spend_cap = 3;
  account.owner_key = std::string(32, '\0');
  account.research_consent = true;
  account.lots = record.lots;
  account.spend_month = 674;
  account.spent_in_month = INT64_MAX;
  account.usage = {ProgramUsage{"fresh-food", 674, 1, 2, 3}};
  ExpectRoundTrip(account, EncodeAccount, DecodeAccount);

  Program program;
  program.id = "fresh-food";
  program.name = "Fresh food";
  program.currency = "BUNJI";
  program.budget = 1'000'000;
  program.valid_from = -1;
  program.valid_until = kNever;
  program.versions = {SampleRules(), ProgramRules{}};
  program.paid_out = Wide(INT64_MAX) * 3;  // Wide totals beyond int64.
  program.returned = Wide(-7);
  ExpectRoundTrip(program, EncodeProgram, DecodeProgram);

  Currency currency;
  currency.code = "BUNJI";
  currency.name = "Bunji";
  currency.scale = 8;
  currency.issuer_account = "iss:bunji";
  currency.fee_account = "fee:bunji";
  currency.backing = "KRW";
  currency.redemption_fee_bps = 250;
  currency.demurrage_rate = Rational{1, 100};
  currency.demurrage_period_ns = 30 * kDay;
  currency.default_lot_validity_ns = kDay;
  currency.issued = (Wide(1) << 100) + 5;
  currency.burned = Wide(INT64_MAX) + 1;
  currency.held = -Wide(INT64_MAX) - 10;
  currency.reserve = 0;
  currency.demurrage_next_at = kMarch1;
  ExpectRoundTrip(currency, EncodeCurrency, DecodeCurrency);

  std::vector<ExchangeRate> rates = {ExchangeRate{"BUNJI", "HANA", 1, Rational{3, 2}, 100},
                                     ExchangeRate{"BUNJI", "HANA", 2, Rational{1, 2}, 0}};
  ExpectRoundTrip(rates, EncodeRates, DecodeRates);
}

TEST(CodecTest, AStoredReleaseRoundTrips) {
  ExpectRoundTrip(Release{SampleRelease(), kMarch1 + 40 * kDay, 750}, EncodeRelease, DecodeRelease);
}

TEST(CodecTest, HistoryValueLeavesAccountAndSeqToTheKey) {
  HistoryEntry entry{"res:alice", 99, kMarch1, TransferId{1, 2}, TransferKind::kRefund, -5, 20};
  std::string bytes;
  EncodeHistoryValue(entry, &bytes);
  StatusOr<HistoryEntry> decoded = DecodeHistoryValue(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->account, "");
  EXPECT_EQ(decoded->seq, 0u);
  decoded->account = entry.account;
  decoded->seq = entry.seq;
  EXPECT_EQ(*decoded, entry);
}

// Every valid encoding that decoding must refuse after damage.
std::vector<std::string> ValidEncodings() {
  std::vector<std::string> out;
  for (const Command& command : EveryCommand()) {
    out.emplace_back();
    EncodeCommand(command, &out.back());
  }
  out.emplace_back();
  EncodeBatch(Batch{3, kMarch1, EveryCommand()}, &out.back());
  return out;
}

TEST(CodecTest, WrongVersionByteIsRefused) {
  for (std::string bytes : ValidEncodings()) {
    bytes[0] = static_cast<char>(kFormatVersion + 1);
    EXPECT_FALSE(DecodeCommand(bytes).ok());
    EXPECT_FALSE(DecodeBatch(bytes).ok());
  }
  EXPECT_FALSE(DecodeCommand("").ok());
  std::string account;
  EncodeAccount(Account{}, &account);
  account[0] = 0;
  EXPECT_FALSE(DecodeAccount(account).ok());
}

TEST(CodecTest, EveryTruncationIsRefused) {
  std::vector<std::string> encodings = ValidEncodings();
  for (size_t e = 0; e < encodings.size(); ++e) {
    const std::string& bytes = encodings[e];
    bool is_batch = e + 1 == encodings.size();
    for (size_t size = 0; size < bytes.size(); ++size) {
      std::string_view prefix(bytes.data(), size);
      if (is_batch) {
        EXPECT_FALSE(DecodeBatch(prefix).ok()) << "batch prefix " << size;
      } else {
        EXPECT_FALSE(DecodeCommand(prefix).ok()) << "command " << e << " prefix " << size;
      }
    }
  }
  TransferRecord record;
  record.request = SampleRequest();
  record.lots = {Lot{"p", 1, 2}};
  std::string bytes;
  EncodeTransferRecord(record, &bytes);
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(DecodeTransferRecord(std::string_view(bytes.data(), size)).ok()) << size;
  }
}

TEST(CodecTest, TrailingBytesAreRefused) {
  for (std::string bytes : ValidEncodings()) {
    bytes.push_back('\0');
    EXPECT_FALSE(DecodeCommand(bytes).ok());
    EXPECT_FALSE(DecodeBatch(bytes).ok());
  }
}

TEST(CodecTest, OutOfRangeEnumsAreRefused) {
  // SetAccountStatus{"res:a", kActive}: version, tag 2, length 5, "res:a", status.
  std::string bytes;
  EncodeCommand(SetAccountStatus{"res:a", AccountStatus::kActive}, &bytes);
  ASSERT_EQ(bytes, std::string("\x01\x02\x05res:a\x00", 9));
  bytes.back() = 2;
  EXPECT_TRUE(DecodeCommand(bytes).ok());
  bytes.back() = 3;  // One past kClosed.
  EXPECT_FALSE(DecodeCommand(bytes).ok());

  // The command tag itself.
  bytes = std::string("\x01\x08", 2);  // Tick.
  EXPECT_TRUE(DecodeCommand(bytes).ok());
  bytes[1] = static_cast<char>(std::variant_size_v<Command>);
  EXPECT_FALSE(DecodeCommand(bytes).ok());

  // A transfer kind: version, tag 7, 16 id bytes, then the kind.
  TransferRequest request = SampleRequest();
  bytes.clear();
  EncodeCommand(request, &bytes);
  ASSERT_EQ(static_cast<uint8_t>(bytes[18]), static_cast<uint8_t>(TransferKind::kPost));
  bytes[18] = static_cast<char>(kTransferKindCount - 1);
  EXPECT_TRUE(DecodeCommand(bytes).ok());
  bytes[18] = static_cast<char>(kTransferKindCount);
  EXPECT_FALSE(DecodeCommand(bytes).ok());

  // A result code: version, count 1, then the code.
  bytes.clear();
  EncodeResults({CommandResult{}}, &bytes);
  ASSERT_EQ(bytes[2], '\0');
  bytes[2] = static_cast<char>(kResultCodeCount - 1);
  EXPECT_TRUE(DecodeResults(bytes).ok());
  bytes[2] = static_cast<char>(kResultCodeCount);
  EXPECT_FALSE(DecodeResults(bytes).ok());

  // A bool is 0 or 1: SetResearchConsent{"res:a", true} ends with its flag.
  bytes.clear();
  EncodeCommand(SetResearchConsent{"res:a", true}, &bytes);
  ASSERT_EQ(bytes.back(), '\x01');
  bytes.back() = 2;
  EXPECT_FALSE(DecodeCommand(bytes).ok());
}

TEST(CodecTest, AbsurdLengthsAreRefused) {
  // Batch{1, 0, {}}: version, index 1, timestamp 0, zero commands.
  std::string bytes;
  EncodeBatch(Batch{1, 0, {}}, &bytes);
  ASSERT_EQ(bytes, std::string("\x01\x01\x00\x00", 4));
  bytes.pop_back();
  bytes.append("\x80\x80\x80\x80\x80\x20");  // 2^40 commands in a few bytes.
  EXPECT_FALSE(DecodeBatch(bytes).ok());
  bytes.resize(3);
  bytes.append("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");  // 2^64 - 1.
  EXPECT_FALSE(DecodeBatch(bytes).ok());
  bytes.resize(3);
  bytes.append("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");  // A varint too long.
  EXPECT_FALSE(DecodeBatch(bytes).ok());

  // A string longer than the input: SetResearchConsent with a name of length 100.
  bytes = std::string("\x01\x03\x64res:a\x01", 9);
  EXPECT_FALSE(DecodeCommand(bytes).ok());
  // A results list claiming more entries than bytes.
  bytes = std::string("\x01\x05\x00", 3);
  EXPECT_FALSE(DecodeResults(bytes).ok());
}

TEST(KeysTest, HistoryKeysOrderBySequenceNumber) {
  std::vector<uint64_t> seqs = {0, 1, 255, 256, 65'535, 65'536, 1ULL << 40, UINT64_MAX};
  for (size_t i = 0; i + 1 < seqs.size(); ++i) {
    EXPECT_LT(keys::History("res:a", seqs[i]), keys::History("res:a", seqs[i + 1])) << seqs[i];
  }
  for (uint64_t seq : seqs) {
    StatusOr<uint64_t> parsed = keys::ParseHistorySeq(keys::History("res:alice", seq));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, seq);
  }
  // One account's keys sort together, before any longer id that extends it.
  EXPECT_LT(keys::History("res:a", UINT64_MAX), keys::History("res:a.b", 0));
  EXPECT_LT(keys::History("res:a", UINT64_MAX), keys::History("res:a-b", 0));
  EXPECT_FALSE(keys::ParseHistorySeq("short").ok());
  std::string bad = keys::History("res:a", 5);
  bad[bad.size() - 9] = 'x';
  EXPECT_FALSE(keys::ParseHistorySeq(bad).ok());
}

TEST(KeysTest, HoldKeysRoundTripAndOrderByTimeIncludingNegative) {
  TransferId id{0xdeadbeefULL, 42};
  std::vector<TimeNs> times = {INT64_MIN, -kDay, -1, 0, 1, kMarch1, kNever};
  for (size_t i = 0; i < times.size(); ++i) {
    std::string key = keys::Hold(times[i], id);
    StatusOr<std::pair<TimeNs, TransferId>> parsed = keys::ParseHold(key);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->first, times[i]);
    EXPECT_EQ(parsed->second, id);
    if (i + 1 < times.size()) {
      EXPECT_LT(key, keys::Hold(times[i + 1], TransferId{0, 1}));
    }
  }
  EXPECT_LT(keys::Hold(5, TransferId{0, 1}), keys::Hold(5, TransferId{0, 2}));
  EXPECT_FALSE(keys::ParseHold("too short").ok());
  EXPECT_FALSE(keys::ParseHold(keys::Hold(1, id) + "x").ok());
}

TEST(KeysTest, BatchStartsAndNumbersRoundTrip) {
  for (TimeNs t : {INT64_MIN, TimeNs{-3}, TimeNs{0}, kMarch1, INT64_MAX}) {
    StatusOr<TimeNs> parsed = keys::ParseBatchStart(keys::BatchStart(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_LT(keys::BatchStart(-3), keys::BatchStart(0));
  EXPECT_LT(keys::BatchStart(0), keys::BatchStart(kMarch1));
  EXPECT_EQ(keys::U64(0x0102030405060708ULL), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_EQ(*keys::ParseU64(keys::U64(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(keys::ParseU64("1234567").ok());
  TransferId id{1, 2};
  EXPECT_EQ(*keys::ParseTransfer(keys::Transfer(id)), id);
  EXPECT_FALSE(keys::ParseTransfer("0123456789abcde").ok());
  EXPECT_LT(keys::Transfer(TransferId{0, UINT64_MAX}), keys::Transfer(TransferId{1, 0}));
}

TEST(TransferIdTest, HexRoundTrip) {
  TransferId id{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(id.ToHex(), "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(TransferId::FromHex(id.ToHex()), id);
  EXPECT_EQ(TransferId::FromHex("0123456789ABCDEFFEDCBA9876543210"), id);
  EXPECT_EQ(TransferId::FromHex("0123"), std::nullopt);
  EXPECT_EQ(TransferId::FromHex("g123456789abcdeffedcba9876543210"), std::nullopt);
  EXPECT_TRUE(TransferId{}.is_zero());
}

TEST(NamesTest, EveryResultCodeAndKindHasADistinctName) {
  std::set<std::string_view> names;
  for (int i = 0; i < kResultCodeCount; ++i) {
    std::string_view name = ResultCodeName(static_cast<ResultCode>(i));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(ResultCodeName(ResultCode::kInsufficientFunds), "insufficient_funds");
  EXPECT_EQ(ResultCodeName(ResultCode::kLinkedEventFailed), "linked_event_failed");
  for (int i = 0; i < kAccountKindCount; ++i) {
    auto kind = static_cast<AccountKind>(i);
    EXPECT_EQ(AccountKindFromPrefix(AccountKindPrefix(kind)), kind);
  }
  EXPECT_EQ(AccountKindFromPrefix("xyz"), std::nullopt);
  EXPECT_EQ(TransferKindName(TransferKind::kHoldExpiry), "hold_expiry");
}

}  // namespace
}  // namespace kyoso::ledger
