// The gRPC services of kyoso.v1, on the callback API: handlers never block. Writes go
// through the WritePath (and the batcher); reads run on the consensus's apply thread
// through Consensus::Read and finish from there.
//
// Thread-safety: gRPC calls these from its threads; every member they use is
// thread-safe.
#pragma once

#include "kyoso/ledger/disclosure.h"
#include "kyoso/v1/admin.grpc.pb.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/query.grpc.pb.h"
#include "node/call_tracker.h"
#include "node/consensus.h"
#include "node/flow_tables.h"
#include "node/gate.h"
#include "node/read_call.h"
#include "node/write_path.h"

namespace kyoso::node {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class AdminService final : public v1::Admin::CallbackService {
 public:
  AdminService(CallTracker* calls, Gate* gate, WritePath* writes)
      : calls_(calls), gate_(gate), writes_(writes) {}
  ServerUnaryReactor* CreateCurrency(CallbackServerContext* context,
                                     const v1::CreateCurrencyRequest* request,
                                     v1::AdminReply* reply) override;
  ServerUnaryReactor* CreateAccount(CallbackServerContext* context,
                                    const v1::CreateAccountRequest* request,
                                    v1::AdminReply* reply) override;
  ServerUnaryReactor* SetAccountStatus(CallbackServerContext* context,
                                       const v1::SetAccountStatusRequest* request,
                                       v1::AdminReply* reply) override;
  ServerUnaryReactor* RotateOwnerKey(CallbackServerContext* context,
                                     const v1::RotateOwnerKeyRequest* request,
                                     v1::AdminReply* reply) override;
  ServerUnaryReactor* CreateProgram(CallbackServerContext* context,
                                    const v1::CreateProgramRequest* request,
                                    v1::AdminReply* reply) override;
  ServerUnaryReactor* SetProgramRules(CallbackServerContext* context,
                                      const v1::SetProgramRulesRequest* request,
                                      v1::AdminReply* reply) override;
  ServerUnaryReactor* SetExchangeRate(CallbackServerContext* context,
                                      const v1::SetExchangeRateRequest* request,
                                      v1::AdminReply* reply) override;

 private:
  template <typename Request>
  ServerUnaryReactor* Run(CallbackServerContext* context, Rpc rpc, const Request& request,
                          v1::AdminReply* reply);
  CallTracker* calls_;
  Gate* gate_;
  WritePath* writes_;
};

class MoneyService final : public v1::Money::CallbackService {
 public:
  MoneyService(CallTracker* calls, Gate* gate, WritePath* writes)
      : calls_(calls), gate_(gate), writes_(writes) {}
  ServerUnaryReactor* Issue(CallbackServerContext* c, const v1::TransferRequest* q,
                            v1::TransferReply* r) override;
  ServerUnaryReactor* TopUp(CallbackServerContext* c, const v1::TransferRequest* q,
                            v1::TransferReply* r) override;
  ServerUnaryReactor* Pay(CallbackServerContext* c, const v1::TransferRequest* q,
                          v1::TransferReply* r) override;
  ServerUnaryReactor* Purchase(CallbackServerContext* c, const v1::TransferRequest* q,
                               v1::TransferReply* r) override;
  ServerUnaryReactor* Redeem(CallbackServerContext* c, const v1::TransferRequest* q,
                             v1::TransferReply* r) override;
  ServerUnaryReactor* CashOut(CallbackServerContext* c, const v1::TransferRequest* q,
                              v1::TransferReply* r) override;
  ServerUnaryReactor* Exchange(CallbackServerContext* c, const v1::TransferRequest* q,
                               v1::TransferReply* r) override;
  ServerUnaryReactor* Correct(CallbackServerContext* c, const v1::TransferRequest* q,
                              v1::TransferReply* r) override;
  ServerUnaryReactor* SubmitBatch(CallbackServerContext* c, const v1::SubmitBatchRequest* q,
                                  v1::SubmitBatchReply* r) override;

 private:
  ServerUnaryReactor* Run(CallbackServerContext* c, const v1::TransferRequest* q,
                          v1::TransferReply* r, ledger::TransferKind kind);
  CallTracker* calls_;
  Gate* gate_;
  WritePath* writes_;
};

class TerminalService final : public v1::Terminal::CallbackService {
 public:
  TerminalService(CallTracker* calls, Gate* gate, WritePath* writes,
                  const AccountDirectory* directory)
      : calls_(calls), gate_(gate), writes_(writes), directory_(directory) {}
  ServerUnaryReactor* Authorize(CallbackServerContext* c, const v1::TransferRequest* q,
                                v1::TransferReply* r) override;
  ServerUnaryReactor* Capture(CallbackServerContext* c, const v1::TransferRequest* q,
                              v1::TransferReply* r) override;
  ServerUnaryReactor* Void(CallbackServerContext* c, const v1::TransferRequest* q,
                           v1::TransferReply* r) override;
  ServerUnaryReactor* Refund(CallbackServerContext* c, const v1::TransferRequest* q,
                             v1::TransferReply* r) override;
  ServerUnaryReactor* CreatePaymentRequest(CallbackServerContext* c,
                                           const v1::CreatePaymentRequestRequest* q,
                                           v1::PaymentRequest* r) override;

 private:
  ServerUnaryReactor* Run(CallbackServerContext* c, const v1::TransferRequest* q,
                          v1::TransferReply* r, ledger::TransferKind kind);
  CallTracker* calls_;
  Gate* gate_;
  WritePath* writes_;
  const AccountDirectory* directory_;
};

class ResidentService final : public v1::Resident::CallbackService {
 public:
  ResidentService(CallTracker* calls, Gate* gate, WritePath* writes)
      : calls_(calls), gate_(gate), writes_(writes) {}
  ServerUnaryReactor* SetResearchConsent(CallbackServerContext* c,
                                         const v1::SetResearchConsentRequest* q,
                                         v1::AdminReply* r) override;

 private:
  CallTracker* calls_;
  Gate* gate_;
  WritePath* writes_;
};

class QueryService final : public v1::Query::CallbackService {
 public:
  QueryService(CallTracker* calls, Gate* gate, Consensus* consensus, FlowServing flows)
      : calls_(calls), gate_(gate), consensus_(consensus), flows_(std::move(flows)) {}
  ServerUnaryReactor* GetAccount(CallbackServerContext* c, const v1::GetAccountRequest* q,
                                 v1::Account* r) override;
  ServerUnaryReactor* GetTransfer(CallbackServerContext* c, const v1::GetTransferRequest* q,
                                  v1::TransferRecord* r) override;
  ServerUnaryReactor* ListHistory(CallbackServerContext* c, const v1::ListHistoryRequest* q,
                                  v1::ListHistoryReply* r) override;
  ServerUnaryReactor* GetBalanceAt(CallbackServerContext* c, const v1::GetBalanceAtRequest* q,
                                   v1::BalanceAt* r) override;
  ServerUnaryReactor* GetProgram(CallbackServerContext* c, const v1::GetProgramRequest* q,
                                 v1::Program* r) override;
  ServerUnaryReactor* ListJournal(CallbackServerContext* c, const v1::ListJournalRequest* q,
                                  v1::JournalPage* r) override;
  ServerUnaryReactor* GetCurrency(CallbackServerContext* c, const v1::GetCurrencyRequest* q,
                                  v1::Currency* r) override;
  ServerUnaryReactor* GetFlowTable(CallbackServerContext* c, const v1::FlowTableRequest* q,
                                   v1::FlowTable* r) override;
  ServerUnaryReactor* GetProgramMetrics(CallbackServerContext* c,
                                        const v1::ProgramMetricsRequest* q,
                                        v1::ProgramMetrics* r) override;

 private:
  // Runs `read` on the applied state, for a caller allowed to make the call, and
  // finishes with the status it returns.
  template <typename Request>
  ServerUnaryReactor* Read(CallbackServerContext* c, Rpc rpc, const Request& q, ReadFn read);
  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
  FlowServing flows_;
};

}  // namespace kyoso::node
