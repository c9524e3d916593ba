// Unit tests of kyoso_client's pure parts: amounts, durations, transfer ids, exit codes,
// times and the payment-request URI.
#include "wallet-cli/client.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

namespace kyoso::cli {
namespace {

std::string AmountError(std::string_view text, int32_t scale, std::string_view currency = "") {
  std::string error;
  EXPECT_EQ(ParseAmount(text, scale, currency, &error), std::nullopt) << text;
  return error;
}

TEST(ParseAmount, ScaleTwo) {
  EXPECT_EQ(ParseAmount("12.50", 2, "", nullptr), 1250);
  EXPECT_EQ(ParseAmount("12.5", 2, "", nullptr), 1250);
  EXPECT_EQ(ParseAmount("12", 2, "", nullptr), 1200);
  EXPECT_EQ(ParseAmount("0.01", 2, "", nullptr), 1);
  EXPECT_EQ(ParseAmount("0", 2, "", nullptr), 0);
  EXPECT_EQ(ParseAmount("  7.00  ", 2, "", nullptr), 700);
  // Extra zeros change nothing.
  EXPECT_EQ(ParseAmount("12.500", 2, "", nullptr), 1250);
}

TEST(ParseAmount, ScaleZero) {
  EXPECT_EQ(ParseAmount("1000", 0, "", nullptr), 1000);
  EXPECT_EQ(ParseAmount("1000.0", 0, "", nullptr), 1000);
  EXPECT_NE(AmountError("1000.5", 0).find("too many decimals"), std::string::npos);
}

TEST(ParseAmount, CurrencySuffix) {
  EXPECT_EQ(ParseAmount("12.50 BUNJI", 2, "BUNJI", nullptr), 1250);
  EXPECT_EQ(ParseAmount("12.50 bunji", 2, "BUNJI", nullptr), 1250);
  // With no account currency to check against, any well-formed code is accepted.
  EXPECT_EQ(ParseAmount("12.50 BUNJI", 2, "", nullptr), 1250);
  EXPECT_NE(AmountError("12.50 HANA", 2, "BUNJI").find("BUNJI"), std::string::npos);
  EXPECT_NE(AmountError("12.50 B1", 2, "BUNJI").find("not a currency code"), std::string::npos);
}

TEST(ParseAmount, TooManyDecimals) {
  EXPECT_NE(AmountError("12.505", 2).find("too many decimals"), std::string::npos);
  EXPECT_NE(AmountError("0.001", 2).find("too many decimals"), std::string::npos);
}

TEST(ParseAmount, Negative) {
  EXPECT_NE(AmountError("-12.50", 2).find("negative"), std::string::npos);
  EXPECT_NE(AmountError("-1 BUNJI", 2, "BUNJI").find("negative"), std::string::npos);
}

TEST(ParseAmount, Overflow) {
  EXPECT_EQ(ParseAmount("9223372036854775807", 0, "", nullptr),
            std::numeric_limits<int64_t>::max());
  EXPECT_NE(AmountError("9223372036854775808", 0).find("too large"), std::string::npos);
  EXPECT_NE(AmountError("92233720368547758.08", 2).find("too large"), std::string::npos);
  EXPECT_EQ(ParseAmount("92233720368547758.07", 2, "", nullptr),
            std::numeric_limits<int64_t>::max());
  EXPECT_NE(AmountError("99999999999999999999999999", 2).find("too large"), std::string::npos);
}

TEST(ParseAmount, Garbage) {
  for (std::string_view text :
       {"", "   ", "abc", "12,50", "1.2.3", ".5", "5.", "+5", "1e3", "12 .50", "0x10", "१२"}) {
    EXPECT_FALSE(AmountError(text, 2).empty()) << text;
  }
  EXPECT_NE(AmountError("", 2).find("no amount"), std::string::npos);
  EXPECT_FALSE(AmountError("1", -1).empty());
  EXPECT_FALSE(AmountError("1", 19).empty());
}

TEST(FormatAmount, Scales) {
  EXPECT_EQ(FormatAmount(1250, 2, "BUNJI"), "12.50 BUNJI");
  EXPECT_EQ(FormatAmount(-1250, 2, "BUNJI"), "-12.50 BUNJI");
  EXPECT_EQ(FormatAmount(5, 2, "BUNJI"), "0.05 BUNJI");
  EXPECT_EQ(FormatAmount(-5, 2, ""), "-0.05");
  EXPECT_EQ(FormatAmount(0, 2, ""), "0.00");
  EXPECT_EQ(FormatAmount(1000, 0, "WON"), "1000 WON");
  EXPECT_EQ(FormatAmount(std::numeric_limits<int64_t>::min(), 2, ""), "-92233720368547758.08");
  EXPECT_EQ(FormatAmount(std::numeric_limits<int64_t>::max(), 8, ""), "92233720368.54775807");
}

TEST(FormatAmount, RoundTripsThroughParse) {
  for (int64_t minor : {int64_t{0}, int64_t{1}, int64_t{99}, int64_t{100}, int64_t{123456789}}) {
    for (int32_t scale : {0, 2, 8}) {
      EXPECT_EQ(ParseAmount(FormatAmount(minor, scale, "BUNJI"), scale, "BUNJI", nullptr), minor);
    }
  }
}

TEST(ParseDurationMs, Units) {
  EXPECT_EQ(ParseDurationMs("500ms"), 500);
  EXPECT_EQ(ParseDurationMs("90s"), 90'000);
  EXPECT_EQ(ParseDurationMs("15m"), 900'000);
  EXPECT_EQ(ParseDurationMs("2h"), 7'200'000);
  EXPECT_EQ(ParseDurationMs("30d"), 2'592'000'000);
  EXPECT_EQ(ParseDurationMs("0s"), 0);
}

TEST(ParseDurationMs, Rejects) {
  for (std::string_view text :
       {"", "15", "m", "ms", "-5m", "1.5h", "5 m", "5M", "5w", "15mm", "99999999999999999999d"}) {
    EXPECT_EQ(ParseDurationMs(text), std::nullopt) << text;
  }
  EXPECT_EQ(ParseDurationMs("106751991168d"), std::nullopt);  // Overflows int64 ms.
  EXPECT_EQ(ParseDurationMs("106751991167d"), 106751991167 * 86400000);
}

TEST(FormatDurationMs, LargestUnit) {
  EXPECT_EQ(FormatDurationMs(1'800'000), "30m");
  EXPECT_EQ(FormatDurationMs(86'400'000), "1d");
  EXPECT_EQ(FormatDurationMs(1'500), "1500ms");
  EXPECT_EQ(FormatDurationMs(0), "0ms");
  EXPECT_EQ(ParseDurationMs(FormatDurationMs(7'200'000)), 7'200'000);
}

TEST(TransferId, NewIsThirtyTwoLowercaseHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewTransferId();
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(TransferId, Normalize) {
  EXPECT_EQ(NormalizeTransferId("0123456789ABCDEF0123456789abcdef"),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(NormalizeTransferId(std::string(32, '0')), std::nullopt);  // Zero is reserved.
  EXPECT_EQ(NormalizeTransferId("0123"), std::nullopt);
  EXPECT_EQ(NormalizeTransferId("0123456789abcdef0123456789abcdeg"), std::nullopt);
}

TEST(ExitCodeFor, Results) {
  EXPECT_EQ(ExitCodeFor(v1::RESULT_OK), kExitOk);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_INSUFFICIENT_FUNDS), kExitInsufficientFunds);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_CAP_EXCEEDED), kExitCapExceeded);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_PAYEE_NOT_ELIGIBLE), kExitPayeeNotEligible);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_LOT_EXPIRED), kExitLotExpired);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_ACCOUNT_FROZEN), kExitAccountFrozen);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_DUPLICATE_ID_DIFFERENT_BODY), kExitDuplicateId);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_HOLD_NOT_PENDING), kExitHoldState);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_HOLD_EXPIRED), kExitHoldState);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_ACCOUNT_NOT_FOUND), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_TRANSFER_NOT_FOUND), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_INVALID_TRANSFER_ID), kExitInvalid);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_BUDGET_EXHAUSTED), kExitRefused);
  EXPECT_EQ(ExitCodeFor(v1::RESULT_UNSPECIFIED), kExitInternal);
  // A result this release does not know is still a refusal, not a crash.
  EXPECT_EQ(ExitCodeFor(static_cast<v1::Result>(999)), kExitRefused);
}

TEST(ExitCodeFor, EveryResultHasASentence) {
  for (int value = v1::Result_MIN; value <= v1::Result_MAX; ++value) {
    if (!v1::Result_IsValid(value) || value == v1::RESULT_UNSPECIFIED) continue;
    auto result = static_cast<v1::Result>(value);
    std::string sentence = ResultSentence(result);
    EXPECT_EQ(sentence.find("refused: RESULT_"), std::string::npos) << v1::Result_Name(result);
    EXPECT_NE(ExitCodeFor(result), kExitInternal) << v1::Result_Name(result);
  }
  EXPECT_EQ(ResultSentence(v1::RESULT_INSUFFICIENT_FUNDS).rfind("insufficient funds:", 0), 0u);
}

TEST(FormatTime, Utc) {
  EXPECT_EQ(FormatTime(0), "never");
  EXPECT_EQ(FormatTime(1'795'615'387'000'000'000), "2026-11-25 14:03:07");
  EXPECT_EQ(FormatTime(1'795'615'387'999'999'999), "2026-11-25 14:03:07");
  EXPECT_EQ(FormatTime(-1), "1969-12-31 23:59:59");
}

TEST(TransferKindName, WireNames) {
  EXPECT_EQ(TransferKindName(v1::TRANSFER_KIND_PAYMENT), "payment");
  EXPECT_EQ(TransferKindName(v1::TRANSFER_KIND_TOP_UP), "top_up");
  EXPECT_EQ(TransferKindName(v1::TRANSFER_KIND_CASH_OUT), "cash_out");
  EXPECT_EQ(TransferKindName(v1::TRANSFER_KIND_HOLD_EXPIRY), "hold_expiry");
  EXPECT_EQ(TransferKindName(static_cast<v1::TransferKind>(99)), "unknown");
}

PaymentRequestUri SampleRequest() {
  PaymentRequestUri r;
  r.transfer_id = "00112233445566778899aabbccddeeff";
  r.merchant = "mch:bakery-12";
  r.amount_minor = 1250;
  r.currency = "BUNJI";
  r.not_after_ns = 1'795'615'387'000'000'000;
  return r;
}

void ExpectSame(const PaymentRequestUri& a, const PaymentRequestUri& b) {
  EXPECT_EQ(a.transfer_id, b.transfer_id);
  EXPECT_EQ(a.merchant, b.merchant);
  EXPECT_EQ(a.amount_minor, b.amount_minor);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.not_after_ns, b.not_after_ns);
  EXPECT_EQ(a.memo, b.memo);
  EXPECT_EQ(a.terminal, b.terminal);
  EXPECT_EQ(a.hold_timeout_ms, b.hold_timeout_ms);
}

TEST(PaymentRequestUri, ParsesTheNodesText) {
  // Exactly as node/services.cc writes it.
  std::optional<PaymentRequestUri> r = ParsePaymentRequestUri(
      "kyoso:pay?id=00112233445566778899AABBCCDDEEFF&to=mch:bakery-12&amount=1250"
      "&currency=BUNJI&not_after=1795615387000000000&memo=Two%20loaves%20%26%20a%20%E2%98%95"
      "&terminal=till%201&hold_ms=1800000");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->transfer_id, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(r->merchant, "mch:bakery-12");
  EXPECT_EQ(r->amount_minor, 1250);
  EXPECT_EQ(r->memo, "Two loaves & a \xE2\x98\x95");
  EXPECT_EQ(r->terminal, "till 1");
  EXPECT_EQ(r->hold_timeout_ms, 1'800'000);
}

TEST(PaymentRequestUri, RoundTrip) {
  PaymentRequestUri plain = SampleRequest();
  std::string text = FormatPaymentRequestUri(plain);
  EXPECT_EQ(text,
            "kyoso:pay?id=00112233445566778899aabbccddeeff&to=mch:bakery-12&amount=1250"
            "&currency=BUNJI&not_after=1795615387000000000");
  std::optional<PaymentRequestUri> parsed = ParsePaymentRequestUri(text);
  ASSERT_TRUE(parsed.has_value());
  ExpectSame(*parsed, plain);

  PaymentRequestUri full = SampleRequest();
  full.memo = "a&b=c %d?+é";
  full.terminal = "till/1";
  full.hold_timeout_ms = 60'000;
  parsed = ParsePaymentRequestUri(FormatPaymentRequestUri(full));
  ASSERT_TRUE(parsed.has_value());
  ExpectSame(*parsed, full);
}

TEST(PaymentRequestUri, Rejects) {
  std::string good = FormatPaymentRequestUri(SampleRequest());
  EXPECT_TRUE(ParsePaymentRequestUri(good).has_value());
  for (const std::string& bad : {
           std::string("https://example.com/?") + good.substr(10),
           good.substr(0, good.find("&currency")),  // Missing fields.
           good + "&amount=5",                      // Repeated.
           good + "&program=fresh-food",            // Unknown.
           good + "&memo=%zz",                      // Bad escape.
           good + "&memo=%4",                       // Cut escape.
           good + "&memo",                          // No '='.
           FormatPaymentRequestUri([] {
             PaymentRequestUri r = SampleRequest();
             r.amount_minor = 0;
             return r;
           }()),
           std::string("kyoso:pay?id=00&to=mch:x&amount=1&currency=BUNJI&not_after=1"),
           std::string("kyoso:pay?id=00112233445566778899aabbccddeeff&to=mch:x&amount=-1"
                       "&currency=BUNJI&not_after=1"),
           std::string("kyoso:pay?id=00112233445566778899aabbccddeeff&to=mch:x&amount=1"
                       "&currency=bunji&not_after=1"),
       }) {
    EXPECT_EQ(ParsePaymentRequestUri(bad), std::nullopt) << bad;
  }
}

TEST(DescribeFailure, ReadsTheOutcomeFromTrailers) {
  // Without a call there are no trailers: the gRPC code decides.
  grpc::ClientContext context;
  Failure failure =
      DescribeFailure(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such account"), context);
  EXPECT_EQ(failure.exit_code, kExitNotFound);
  EXPECT_FALSE(failure.outcome.has_value());
  ClientOptions options;
  options.node = "127.0.0.1:1";
  failure = DescribeFailure(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), context,
      options);
  EXPECT_EQ(failure.exit_code, kExitUnreachable);
  EXPECT_NE(failure.message.find("127.0.0.1:1"), std::string::npos);
  failure =
      DescribeFailure(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad signature"), context);
  EXPECT_EQ(failure.exit_code, kExitUnauthenticated);
}

}  // namespace
}  // namespace kyoso::cli
