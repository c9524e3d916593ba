#include "support/town_client.h"

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "kyoso/crypto/signing.h"

namespace kyoso::testing {
namespace {

std::string RandomId() {
  std::string bytes(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 16) != 1) std::abort();
  return crypto::ToHex(bytes);
}

template <typename Reply>
void TakeOutcome(Call<Reply>& call, const grpc::ClientContext& context) {
  if constexpr (requires { call.reply.outcome(); }) {
    call.outcome = call.reply.outcome();
  }
  if (!call.status.ok()) {
    v1::Outcome from_metadata = OutcomeFromMetadata(context);
    if (from_metadata.result() != v1::RESULT_UNSPECIFIED) call.outcome = from_metadata;
  }
}

}  // namespace

void SetTestDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1);
  grpc::ByteBuffer out;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &in, &out,
                 [&done](grpc::Status status) { done.set_value(status); });
  return done.get_future().get();
}

v1::Outcome OutcomeFromMetadata(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("kyoso-outcome-bin");
  if (it == trailers.end()) return {};
  std::string bytes(it->second.data(), it->second.size());
  v1::TransferReply transfer;
  if (transfer.ParseFromString(bytes) && transfer.has_outcome()) return transfer.outcome();
  v1::AdminReply admin;
  if (admin.ParseFromString(bytes)) return admin.outcome();
  return {};
}

TownClient::TownClient(std::shared_ptr<grpc::Channel> channel)
    : admin_(v1::Admin::NewStub(channel)),
      money_(v1::Money::NewStub(channel)),
      terminal_(v1::Terminal::NewStub(channel)),
      resident_(v1::Resident::NewStub(channel)),
      query_(v1::Query::NewStub(channel)),
      node_(v1::Node::NewStub(channel)) {}

// One call, repeated with the same request while its outcome is unknown (UNAVAILABLE: a
// cluster's leader changed or is being elected), as a wallet does. A create repeated after
// an unknown outcome that finds its object existing means the first attempt landed.
template <typename Reply, typename Attempt>
Call<Reply> WithRetries(Attempt attempt) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Call<Reply> call = attempt();
  while (call.status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    call = attempt();
    const std::string result = call.result();
    if (result.ends_with("_EXISTS")) return Call<Reply>{};
  }
  return call;
}

#define KYOSO_UNARY(stub, method, request, Reply)               \
  WithRetries<Reply>([&] {                                      \
    Call<Reply> call;                                           \
    grpc::ClientContext context;                                \
    SetTestDeadline(&context);                                  \
    call.status = stub->method(&context, request, &call.reply); \
    TakeOutcome(call, context);                                 \
    return call;                                                \
  })

bool TownClient::SetUpTown() {
  v1::CreateCurrencyRequest currency;
  currency.set_code(kBunji);
  currency.set_name("Bunji");
  currency.set_scale(2);
  currency.set_issuer_account("iss:bunji");
  currency.set_fee_account("fee:bunji");
  currency.set_backing("KRW");
  currency.set_redemption_fee_bps(200);
  auto created = KYOSO_UNARY(admin_, CreateCurrency, currency, v1::AdminReply);
  EXPECT_TRUE(created.status.ok()) << created.status.error_message();

  v1::CreateProgramRequest program;
  program.set_id(kFreshFood);
  program.set_name("Fresh food");
  program.set_currency(kBunji);
  program.set_budget_minor(1'000'000);
  program.mutable_rules()->set_bonus_bps(1'000);
  program.mutable_rules()->add_payee_kinds(v1::ACCOUNT_KIND_MERCHANT);
  program.mutable_rules()->add_payee_kinds(v1::ACCOUNT_KIND_PRODUCER);
  program.mutable_rules()->add_redeemer_kinds(v1::ACCOUNT_KIND_MERCHANT);
  program.mutable_rules()->set_lot_validity_ms(90LL * 24 * 3600 * 1000);
  auto programmed = KYOSO_UNARY(admin_, CreateProgram, program, v1::AdminReply);
  EXPECT_TRUE(programmed.status.ok()) << programmed.status.error_message();

  bool ok = created.status.ok() && programmed.status.ok();
  for (const char* resident : {"res:alice", "res:bob"}) ok &= AddResident(resident).status.ok();
  for (const char* business : {"mch:bakery", "mch:grocer", "prd:farm"}) {
    ok &= AddAccount(business).status.ok();
  }
  EXPECT_TRUE(ok);
  return ok;
}

Call<v1::AdminReply> TownClient::AddResident(const std::string& id, const std::string& currency,
                                             bool research_consent) {
  std::optional<crypto::KeyPair> keys = crypto::GenerateKeyPair();
  if (!keys) std::abort();
  private_keys_[id] = keys->private_key;
  v1::CreateAccountRequest request;
  request.set_id(id);
  request.set_currency(currency);
  request.set_district("north");
  request.set_owner_public_key(keys->public_key);
  request.set_research_consent(research_consent);
  return KYOSO_UNARY(admin_, CreateAccount, request, v1::AdminReply);
}

Call<v1::AdminReply> TownClient::RotateKey(const std::string& id) {
  std::optional<crypto::KeyPair> keys = crypto::GenerateKeyPair();
  if (!keys) std::abort();
  v1::RotateOwnerKeyRequest request;
  request.set_id(id);
  request.set_owner_public_key(keys->public_key);
  auto rotated = KYOSO_UNARY(admin_, RotateOwnerKey, request, v1::AdminReply);
  if (rotated.status.ok()) private_keys_[id] = keys->private_key;
  return rotated;
}

Call<v1::AdminReply> TownClient::AddAccount(const std::string& id, const std::string& currency,
                                            const std::string& sector) {
  v1::CreateAccountRequest request;
  request.set_id(id);
  request.set_currency(currency);
  request.set_district("north");
  request.set_sector(sector);
  return KYOSO_UNARY(admin_, CreateAccount, request, v1::AdminReply);
}

v1::Transfer TownClient::NewTransfer(const std::string& from, const std::string& to, int64_t amount,
                                     const std::string& currency) {
  v1::Transfer t;
  t.set_id(RandomId());
  t.set_from(from);
  t.set_to(to);
  t.set_amount_minor(amount);
  t.set_currency(currency);
  return t;
}

void TownClient::Sign(v1::Transfer* t, const std::string& kind) {
  crypto::SignedTransfer s{
      kind,         t->id(),  t->from(), t->to(),       t->amount_minor(), t->currency(),
      t->program(), t->ref(), t->memo(), t->terminal(), t->not_after_ns()};
  std::optional<std::string> signature =
      crypto::Sign(private_keys_.at(t->from()), crypto::TransferSigningPayload(s));
  t->set_signature(signature.value());
}

Call<v1::TransferReply> TownClient::Send(Method method, const v1::Transfer& t) {
  v1::TransferRequest request;
  *request.mutable_transfer() = t;
  return WithRetries<v1::TransferReply>([&] {
    Call<v1::TransferReply> call;
    grpc::ClientContext context;
    SetTestDeadline(&context);
    call.status = ((*money_).*method)(&context, request, &call.reply);
    TakeOutcome(call, context);
    return call;
  });
}

Call<v1::TransferReply> TownClient::SendTerminal(
    grpc::Status (v1::Terminal::Stub::*method)(grpc::ClientContext*, const v1::TransferRequest&,
                                               v1::TransferReply*),
    const v1::Transfer& t) {
  v1::TransferRequest request;
  *request.mutable_transfer() = t;
  return WithRetries<v1::TransferReply>([&] {
    Call<v1::TransferReply> call;
    grpc::ClientContext context;
    SetTestDeadline(&context);
    call.status = ((*terminal_).*method)(&context, request, &call.reply);
    TakeOutcome(call, context);
    return call;
  });
}

Call<v1::TransferReply> TownClient::TopUp(const std::string& to, int64_t amount,
                                          const std::string& program) {
  v1::Transfer t = NewTransfer("iss:bunji", to, amount);
  t.set_program(program);
  return Send(&v1::Money::Stub::TopUp, t);
}

Call<v1::TransferReply> TownClient::Issue(const std::string& to, int64_t amount) {
  return Send(&v1::Money::Stub::Issue, NewTransfer("iss:bunji", to, amount));
}

Call<v1::TransferReply> TownClient::Pay(const std::string& from, const std::string& to,
                                        int64_t amount, const std::string& id) {
  v1::Transfer t = NewTransfer(from, to, amount);
  if (!id.empty()) t.set_id(id);
  Sign(&t, "payment");
  return Send(&v1::Money::Stub::Pay, t);
}

Call<v1::Account> TownClient::GetAccount(const std::string& id) {
  v1::GetAccountRequest request;
  request.set_id(id);
  return KYOSO_UNARY(query_, GetAccount, request, v1::Account);
}

int64_t TownClient::Balance(const std::string& id) {
  Call<v1::Account> account = GetAccount(id);
  EXPECT_TRUE(account.status.ok()) << id << ": " << account.status.error_message();
  return account.reply.balance_minor();
}

Call<v1::TransferRecord> TownClient::GetTransfer(const std::string& id) {
  v1::GetTransferRequest request;
  request.set_id(id);
  return KYOSO_UNARY(query_, GetTransfer, request, v1::TransferRecord);
}

Call<v1::NodeStatus> TownClient::Status() {
  return KYOSO_UNARY(node_, GetStatus, v1::GetStatusRequest(), v1::NodeStatus);
}

Call<v1::Currency> TownClient::GetCurrency(const std::string& code) {
  v1::GetCurrencyRequest request;
  request.set_code(code);
  return KYOSO_UNARY(query_, GetCurrency, request, v1::Currency);
}

#undef KYOSO_UNARY

}  // namespace kyoso::testing
