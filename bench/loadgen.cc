// kyoso-loadgen: concurrent clients sending transfers to a running kyoso-node for a
// fixed time, then one JSON line with throughput and latency.
//
//   kyoso-loadgen --node 127.0.0.1:7400 --clients 64 --per-call 1 --duration 10s
//   kyoso-loadgen --clients 4 --per-call 1000            (batched: SubmitBatch)
//   kyoso-loadgen --clients 64 --signed                  (resident payments, Ed25519)
//
// It sets up its own currency (LOADn, a fresh code per run) and accounts through the
// API, so it can run against any node, including the quickstart's. Business purchases
// need no signature (the terminals' and businesses' path); --signed sends resident
// payments signed ahead of the timed phase, so client-side signing does not compete with
// the node for the CPU while it is measured.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <thread>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/signing.h"
#include "kyoso/v1/admin.grpc.pb.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "wallet-cli/client.h"

namespace kyoso::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string node = "127.0.0.1:7400";
  int clients = 8;
  int per_call = 1;
  std::string duration = "10s";
  bool is_signed = false;
  int presigned_per_client = 20'000;
};

struct ClientResult {
  std::vector<double> latencies_ms;
  int64_t transfers = 0;
  int64_t refused = 0;
  int64_t errors = 0;
};

std::shared_ptr<grpc::Channel> Channel(const Options& o) {
  grpc::ChannelArguments args;
  // One connection per client, as separate terminals would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(o.node, grpc::InsecureChannelCredentials(), args);
}

void Deadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

bool Admin(const grpc::Status& status, const char* what) {
  if (!status.ok())
    std::fprintf(stderr, "kyoso-loadgen: %s: %s\n", what, status.error_message().c_str());
  return status.ok();
}

// The run's currency, payers (one per client) and payee.
struct Town {
  std::string currency;
  std::vector<std::string> payers;
  std::vector<std::string> keys;  // Private keys when signed.
  std::string payee;
};

bool SetUp(const Options& o, Town* town) {
  auto channel = Channel(o);
  auto admin = v1::Admin::NewStub(channel);
  auto money = v1::Money::NewStub(channel);
  town->currency =
      "LOAD" +
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 9'000 + 1'000);
  for (char& ch : town->currency)
    if (ch >= '0' && ch <= '9') ch = static_cast<char>('A' + (ch - '0'));
  std::string lower = town->currency;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(ch));
  v1::CreateCurrencyRequest currency;
  currency.set_code(town->currency);
  currency.set_name("Load test");
  currency.set_issuer_account("iss:" + lower);
  currency.set_fee_account("fee:" + lower);
  currency.set_backing("KRW");
  v1::AdminReply reply;
  grpc::ClientContext c1;
  Deadline(&c1);
  if (!Admin(admin->CreateCurrency(&c1, currency, &reply), "create currency")) return false;
  town->payee = "mch:" + lower + "-shop";
  auto open = [&](const std::string& id, const std::string& key) {
    v1::CreateAccountRequest account;
    account.set_id(id);
    account.set_currency(town->currency);
    account.set_owner_public_key(key);
    grpc::ClientContext c;
    Deadline(&c);
    return Admin(admin->CreateAccount(&c, account, &reply), "create account");
  };
  if (!open(town->payee, "")) return false;
  for (int i = 0; i < o.clients; ++i) {
    std::string kind = o.is_signed ? "res:" : "mch:";
    town->payers.push_back(kind + lower + "-" + std::to_string(i));
    std::string key;
    if (o.is_signed) {
      std::optional<crypto::KeyPair> pair = crypto::GenerateKeyPair();
      town->keys.push_back(pair->private_key);
      key = pair->public_key;
    }
    if (!open(town->payers.back(), key)) return false;
    v1::TransferRequest top_up;
    v1::Transfer* t = top_up.mutable_transfer();
    t->set_id(cli::NewTransferId());
    t->set_from("iss:" + lower);
    t->set_to(town->payers.back());
    t->set_amount_minor(1'000'000'000'000);
    t->set_currency(town->currency);
    v1::TransferReply done;
    grpc::ClientContext c;
    Deadline(&c);
    if (!Admin(money->TopUp(&c, top_up, &done), "top up")) return false;
  }
  return true;
}

v1::Transfer NewTransfer(const Town& town, int client) {
  v1::Transfer t;
  t.set_id(cli::NewTransferId());
  t.set_from(town.payers[static_cast<size_t>(client)]);
  t.set_to(town.payee);
  t.set_amount_minor(1);
  t.set_currency(town.currency);
  return t;
}

std::vector<v1::TransferRequest> Presign(const Options& o, const Town& town, int client) {
  std::vector<v1::TransferRequest> out(static_cast<size_t>(o.presigned_per_client));
  for (v1::TransferRequest& request : out) {
    v1::Transfer t = NewTransfer(town, client);
    crypto::SignedTransfer s{
        "payment", t.id(), t.from(), t.to(), t.amount_minor(), t.currency(), "", "", "", "", 0};
    t.set_signature(
        *crypto::Sign(town.keys[static_cast<size_t>(client)], crypto::TransferSigningPayload(s)));
    *request.mutable_transfer() = std::move(t);
  }
  return out;
}

// One client: its own connection and one call at a time, each sent from the completion
// of the one before (gRPC's callback API), so that the generator spends its share of the
// machine in gRPC rather than in a thread per client: the node is what is measured.
class Client {
 public:
  Client(const Options& o, const Town& town, int index, std::vector<v1::TransferRequest> presigned,
         const std::atomic<bool>& stop, std::latch& running)
      : o_(o),
        town_(town),
        index_(index),
        presigned_(std::move(presigned)),
        stop_(stop),
        running_(running),
        money_(v1::Money::NewStub(Channel(o))) {}

  void Start() { Next(); }
  const ClientResult& result() const { return result_; }

 private:
  void Next() {
    if (stop_ || (o_.is_signed && presigned_.empty())) {
      running_.count_down();
      return;
    }
    context_ = std::make_unique<grpc::ClientContext>();
    Deadline(context_.get());
    start_ = Clock::now();
    if (o_.per_call > 1) {
      batch_.Clear();
      for (int i = 0; i < o_.per_call; ++i) {
        v1::SubmitBatchRequest::Item* item = batch_.add_items();
        item->set_kind(v1::TRANSFER_KIND_PURCHASE);
        *item->mutable_transfer() = NewTransfer(town_, index_);
      }
      money_->async()->SubmitBatch(context_.get(), &batch_, &batch_reply_,
                                   [this](grpc::Status status) { Finish(status); });
      return;
    }
    if (o_.is_signed) {
      request_ = std::move(presigned_.back());
      presigned_.pop_back();
      money_->async()->Pay(context_.get(), &request_, &reply_,
                           [this](grpc::Status status) { Finish(status); });
      return;
    }
    *request_.mutable_transfer() = NewTransfer(town_, index_);
    money_->async()->Purchase(context_.get(), &request_, &reply_,
                              [this](grpc::Status status) { Finish(status); });
  }

  // Counts the call in and sends the next. A failed call counts as an error (the run
  // then fails) and the client goes on, as a terminal would; after kErrorsInARowMax
  // failures in a row (the node is gone) it stops.
  void Finish(const grpc::Status& status) {
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
    if (!status.ok()) {
      ++result_.errors;
      if (++errors_in_a_row_ >= kErrorsInARowMax) {
        running_.count_down();
        return;
      }
      Next();
      return;
    }
    errors_in_a_row_ = 0;
    result_.latencies_ms.push_back(ms);
    result_.transfers += o_.per_call;
    for (const v1::TransferReply& r : batch_reply_.replies()) {
      result_.refused += r.outcome().result() != v1::RESULT_OK;
    }
    Next();
  }

  const Options& o_;
  const Town& town_;
  const int index_;
  std::vector<v1::TransferRequest> presigned_;
  const std::atomic<bool>& stop_;
  std::latch& running_;  // Counted down once, when the client stops.
  std::unique_ptr<v1::Money::Stub> money_;
  std::unique_ptr<grpc::ClientContext> context_;
  Clock::time_point start_;
  v1::SubmitBatchRequest batch_;
  v1::SubmitBatchReply batch_reply_;
  v1::TransferRequest request_;
  v1::TransferReply reply_;
  ClientResult result_;
  static constexpr int kErrorsInARowMax = 100;
  int errors_in_a_row_ = 0;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

int Run(const Options& o) {
  std::optional<int64_t> duration_ms = cli::ParseDurationMs(o.duration);
  if (!duration_ms || o.clients < 1 || o.per_call < 1 || o.per_call > 1'000 ||
      (o.is_signed && o.per_call != 1)) {
    std::fprintf(stderr,
                 "kyoso-loadgen: bad options (--per-call 1..1000; --signed needs --per-call 1)\n");
    return 2;
  }
  Town town;
  if (!SetUp(o, &town)) return 3;
  std::vector<std::vector<v1::TransferRequest>> presigned(static_cast<size_t>(o.clients));
  if (o.is_signed) {
    for (int i = 0; i < o.clients; ++i) presigned[static_cast<size_t>(i)] = Presign(o, town, i);
  }
  std::atomic<bool> stop = false;
  std::latch running(o.clients);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < o.clients; ++i) {
    clients.push_back(std::make_unique<Client>(
        o, town, i, std::move(presigned[static_cast<size_t>(i)]), stop, running));
  }
  Clock::time_point start = Clock::now();
  for (auto& client : clients) client->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(*duration_ms));
  stop = true;
  running.wait();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ClientResult all;
  for (const auto& client : clients) {
    const ClientResult& r = client->result();
    all.latencies_ms.insert(all.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    all.transfers += r.transfers;
    all.refused += r.refused;
    all.errors += r.errors;
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  std::printf(
      "{\"mode\":\"%s\",\"clients\":%d,\"per_call\":%d,\"seconds\":%.2f,\"transfers\":%lld,"
      "\"transfers_per_s\":%.0f,\"calls\":%zu,\"refused\":%lld,\"errors\":%lld,"
      "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f}}\n",
      o.is_signed ? "signed_payment" : (o.per_call > 1 ? "batched_purchase" : "purchase"),
      o.clients, o.per_call, seconds, static_cast<long long>(all.transfers),
      static_cast<double>(all.transfers) / seconds, all.latencies_ms.size(),
      static_cast<long long>(all.refused), static_cast<long long>(all.errors),
      Percentile(all.latencies_ms, 0.50), Percentile(all.latencies_ms, 0.99),
      Percentile(all.latencies_ms, 0.999));
  return all.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace kyoso::bench

int main(int argc, char** argv) {
  kyoso::bench::Options o;
  CLI::App app{"kyoso-loadgen: concurrent transfers against a running kyoso-node"};
  app.add_option("--node", o.node, "The node's gRPC address");
  app.add_option("--clients", o.clients, "Concurrent clients (one connection each)");
  app.add_option("--per-call", o.per_call,
                 "Transfers per call (1: Purchase or Pay; more: SubmitBatch)");
  app.add_option("--duration", o.duration, "How long to send, e.g. 10s");
  app.add_flag("--signed", o.is_signed, "Signed resident payments instead of business purchases");
  app.add_option("--presigned", o.presigned_per_client, "Signed payments prepared per client");
  CLI11_PARSE(app, argc, argv);
  return kyoso::bench::Run(o);
}
