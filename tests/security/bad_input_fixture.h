// BadInputTest: the fixture of the bad-input catalogue (bad_input_test.cc): a real
// kyoso-node serving TLS with the test town, the cases as data, and the two checks a case
// gets: refused at the door with nothing moved, or refused by the ledger with no money
// moved. Not thread-safe: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "support/tls_town.h"

namespace kyoso::testing {

using v1::Money;
using v1::Terminal;

// What a request got: its status and, for refusals decided by the ledger, the result.
struct Answer {
  grpc::Status status;
  std::string result;
};

template <typename Reply>
Answer AnswerOf(const Call<Reply>& call) {
  return {call.status, call.outcome.result_name()};
}

struct Case {
  std::string name;
  std::function<Answer()> send;
  grpc::StatusCode code;
  std::string says;  // A part of the status message (door) or the result name (ledger).
};

// Where the node stands: what a door refusal must leave exactly as it was.
struct Position {
  uint64_t applied_index = 0;
  std::string chain_head;
  bool operator==(const Position&) const = default;
};

// What no refusal may change: every balance and the supply.
struct Books {
  std::vector<int64_t> balances;
  std::string supply;
  std::string held;
  bool operator==(const Books&) const = default;
};

// Ticks only hourly, so nothing but the requests themselves moves the chain; and no rate
// limit, since every case reads the books twice as the issuer (limits_test has its own).
class BadInputTest : public TlsTownTest {
 protected:
  BadInputTest() : TlsTownTest({"--tick-interval-ms", "3600000", "--calls-per-second", "0"}) {}

  void SetUp() override {
    TlsTownTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(town_->TopUp("res:alice", 10'000).status.ok());
    ASSERT_TRUE(town_->Issue("mch:bakery", 5'000).status.ok());
  }

  // A client of `certificate`'s role.
  std::unique_ptr<TownClient> As(const std::string& certificate) {
    return std::make_unique<TownClient>(Channel(certificate));
  }

  Position Where() {
    auto status = town_->Status();
    EXPECT_TRUE(status.status.ok()) << status.status.error_message();
    return {status.reply.applied_index(), status.reply.chain_head_hex()};
  }

  Books ReadBooks() {
    Books books;
    for (const char* id : {"res:alice", "res:bob", "mch:bakery", "mch:grocer", "prd:farm",
                           "iss:bunji", "fee:bunji"}) {
      books.balances.push_back(town_->Balance(id));
    }
    auto currency = town_->GetCurrency(kBunji);
    books.supply = currency.reply.supply_minor();
    books.held = currency.reply.held_minor();
    return books;
  }

  // A payment from alice signed with her key, sent over her wallet's certificate.
  v1::Transfer SignedPayment(int64_t amount, const std::string& to = "mch:bakery") {
    v1::Transfer t = town_->NewTransfer("res:alice", to, amount);
    town_->Sign(&t, "payment");
    return t;
  }
  Answer PayAsAlice(const v1::Transfer& t) {
    return AnswerOf(As("alice")->Send(&Money::Stub::Pay, t));
  }
  Answer PurchaseAsBakery(const v1::Transfer& t) {
    return AnswerOf(As("bakery")->Send(&Money::Stub::Purchase, t));
  }
  v1::Transfer Purchase(int64_t amount) {
    return town_->NewTransfer("mch:bakery", "prd:farm", amount);
  }

  // Sends `bytes` as the request of `method` as it is, bypassing the generated stubs.
  Answer Raw(const std::string& method, const std::string& bytes) {
    return {CallRaw(Channel("bakery"), method, bytes), ""};
  }
  // A purchase whose memo holds `memo_bytes` (not valid UTF-8), written by hand.
  Answer PurchaseWithRawMemo(const std::string& memo_bytes) {
    v1::TransferRequest request;
    *request.mutable_transfer() = Purchase(10);
    request.mutable_transfer()->set_memo(std::string(memo_bytes.size(), '#'));
    std::string bytes = request.SerializeAsString();
    bytes.replace(bytes.find(std::string(memo_bytes.size(), '#')), memo_bytes.size(), memo_bytes);
    return Raw("/kyoso.v1.Money/Purchase", bytes);
  }

  template <typename Request, typename Reply, typename Stub>
  static Answer Unary(Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
                      const Request& request) {
    grpc::ClientContext context;
    SetTestDeadline(&context);
    Reply reply;
    grpc::Status status = (stub.*method)(&context, request, &reply);
    return {status, OutcomeFromMetadata(context).result_name()};
  }

  // Checks each case: its code and message, and that the node did not move.
  void ExpectRefusedAtTheDoor(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      Position before = Where();
      Books books = ReadBooks();
      Answer answer = c.send();
      EXPECT_EQ(answer.status.error_code(), c.code)
          << c.name << ": " << answer.status.error_message();
      EXPECT_NE(answer.status.error_message().find(c.says), std::string::npos)
          << c.name << ": expected \"" << c.says << "\" in \"" << answer.status.error_message()
          << "\"";
      EXPECT_EQ(Where(), before) << c.name << " moved the chain";
      EXPECT_EQ(ReadBooks(), books) << c.name << " moved money";
      ++checked_;
    }
  }
  // Checks each case: its status and ledger result, and that no money moved.
  void ExpectRefusedByTheLedger(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      Books books = ReadBooks();
      Answer answer = c.send();
      EXPECT_EQ(answer.status.error_code(), c.code)
          << c.name << ": " << answer.status.error_message();
      EXPECT_EQ(answer.result, c.says) << c.name << ": " << answer.status.error_message();
      EXPECT_EQ(ReadBooks(), books) << c.name << " moved money";
      ++checked_;
    }
  }

  int checked_ = 0;

  // The door's catalogue, by part: transfers (amounts, currencies, accounts, ids, sizes,
  // encodings, signatures) and roles in bad_input_cases_transfers.cc, the rest in
  // bad_input_cases_requests.cc.
  std::vector<Case> TransferCases();
  std::vector<Case> RoleCases();
  std::vector<Case> BatchAdminAndWireCases();

  // A purchase by the bakery, or a payment signed by alice, changed by `change`.
  std::function<Answer()> PurchaseWith(const std::function<void(v1::Transfer*)>& change) {
    v1::Transfer transfer = Purchase(100);
    change(&transfer);
    return [this, transfer] { return PurchaseAsBakery(transfer); };
  }
  std::function<Answer()> PaymentWith(const std::function<void(v1::Transfer*)>& change) {
    v1::Transfer transfer = SignedPayment(100);
    change(&transfer);
    return [this, transfer] { return PayAsAlice(transfer); };
  }
};

using grpc::StatusCode;

}  // namespace kyoso::testing
