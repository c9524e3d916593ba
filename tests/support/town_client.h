// TownClient: a test's gRPC client for a real node, with a small demo town set up
// through the API (a backed currency, a programme, residents with wallet keys, merchants
// and a producer) and helpers that build, sign and send transfers.
// Not thread-safe, except Pay, which concurrent load tests call from many threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

#include "kyoso/v1/admin.grpc.pb.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/node.grpc.pb.h"
#include "kyoso/v1/query.grpc.pb.h"

namespace kyoso::testing {

inline constexpr char kBunji[] = "BUNJI";
inline constexpr char kFreshFood[] = "fresh-food";

// A unary call's status, reply, and the outcome a refusal carried in its metadata.
template <typename Reply>
struct Call {
  grpc::Status status;
  Reply reply;
  v1::Outcome outcome;  // From the reply, or from the trailing metadata of a refusal.
  std::string result() const { return outcome.result_name(); }
};

class TownClient {
 public:
  explicit TownClient(std::shared_ptr<grpc::Channel> channel);

  // Creates BUNJI (backed by KRW, scale 2), the fresh-food programme (10% top-up bonus,
  // payable to merchants and producers), residents alice and bob with keys, merchants
  // bakery and grocer, and producer farm. Returns false (with a gtest failure) if any
  // step is refused.
  bool SetUpTown();
  // Registers a resident with a new key (kept for signing).
  Call<v1::AdminReply> AddResident(const std::string& id, const std::string& currency = kBunji,
                                   bool research_consent = false);
  // Registers a new wallet key for a resident (a lost device); signs with it from then on.
  Call<v1::AdminReply> RotateKey(const std::string& id);
  Call<v1::AdminReply> AddAccount(const std::string& id, const std::string& currency = kBunji,
                                  const std::string& sector = "food");

  v1::Transfer NewTransfer(const std::string& from, const std::string& to, int64_t amount,
                           const std::string& currency = kBunji);
  // Signs `t` as `kind` ("payment", "hold", …) with the payer's registered key.
  void Sign(v1::Transfer* t, const std::string& kind);

  using Method = grpc::Status (v1::Money::Stub::*)(grpc::ClientContext*, const v1::TransferRequest&,
                                                   v1::TransferReply*);
  Call<v1::TransferReply> Send(Method method, const v1::Transfer& t);
  Call<v1::TransferReply> SendTerminal(
      grpc::Status (v1::Terminal::Stub::*method)(grpc::ClientContext*, const v1::TransferRequest&,
                                                 v1::TransferReply*),
      const v1::Transfer& t);
  Call<v1::TransferReply> TopUp(const std::string& to, int64_t amount,
                                const std::string& program = "");
  Call<v1::TransferReply> Issue(const std::string& to, int64_t amount);
  // A signed payment.
  Call<v1::TransferReply> Pay(const std::string& from, const std::string& to, int64_t amount,
                              const std::string& id = "");

  Call<v1::Account> GetAccount(const std::string& id);
  int64_t Balance(const std::string& id);
  Call<v1::TransferRecord> GetTransfer(const std::string& id);
  Call<v1::NodeStatus> Status();
  Call<v1::Currency> GetCurrency(const std::string& code);

  v1::Admin::Stub& admin() { return *admin_; }
  v1::Money::Stub& money() { return *money_; }
  v1::Terminal::Stub& terminal() { return *terminal_; }
  v1::Resident::Stub& resident() { return *resident_; }
  v1::Query::Stub& query() { return *query_; }
  const std::string& key_of(const std::string& account) { return private_keys_.at(account); }

 private:
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::Money::Stub> money_;
  std::unique_ptr<v1::Terminal::Stub> terminal_;
  std::unique_ptr<v1::Resident::Stub> resident_;
  std::unique_ptr<v1::Query::Stub> query_;
  std::unique_ptr<v1::Node::Stub> node_;
  std::map<std::string, std::string> private_keys_;  // Written only during set-up.
};

// A deadline for every test call.
void SetTestDeadline(grpc::ClientContext* context);
// Sends `request` as the serialized request of `method` ("/kyoso.v1.Money/Pay") as it is,
// bypassing the generated stubs (hostile or hand-made bytes).
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& request);
// Fills `outcome` from a refusal's trailing metadata.
v1::Outcome OutcomeFromMetadata(const grpc::ClientContext& context);

}  // namespace kyoso::testing
