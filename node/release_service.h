// The Releases service (kyoso.v1.Releases; docs/flows.md): publishing differentially
// private releases, reading them back exactly as published, which releases include an
// account, and a month's privacy budget.
//
// Publishing reads the bounded figures on the apply thread, adds noise there, proposes
// a PublishRelease command, and once it is applied answers with the release read back
// from the ledger, as GetRelease will. Nothing blocks.
// Thread-safety: as the other services (services.h).
#pragma once

#include "kyoso/crypto/noise.h"
#include "kyoso/v1/releases.grpc.pb.h"
#include "node/call_tracker.h"
#include "node/config.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/http_gateway.h"
#include "node/read_call.h"
#include "node/write_path.h"

namespace kyoso::node {

class ReleaseService final : public v1::Releases::CallbackService {
 public:
  ReleaseService(CallTracker* calls, Gate* gate, Consensus* consensus, WritePath* writes,
                 ReleasesConfig config)
      : calls_(calls), gate_(gate), consensus_(consensus), writes_(writes), config_(config) {}
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* c,
                                    const v1::PublishReleaseRequest* q, v1::Release* r) override;
  grpc::ServerUnaryReactor* GetRelease(grpc::CallbackServerContext* c,
                                       const v1::GetReleaseRequest* q, v1::Release* r) override;
  grpc::ServerUnaryReactor* ListReleases(grpc::CallbackServerContext* c,
                                         const v1::ListReleasesRequest* q,
                                         v1::ReleaseList* r) override;
  grpc::ServerUnaryReactor* ListAccountReleases(grpc::CallbackServerContext* c,
                                                const v1::ListAccountReleasesRequest* q,
                                                v1::ReleaseIdList* r) override;
  grpc::ServerUnaryReactor* GetPrivacyBudget(grpc::CallbackServerContext* c,
                                             const v1::GetPrivacyBudgetRequest* q,
                                             v1::PrivacyBudget* r) override;

 private:
  template <typename Request>
  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* c, Rpc rpc, const Request& q,
                                 ReadFn read);
  // With the ledger current: the release already made under this id, or a new one.
  void PublishOn(const ledger::Ledger& ledger, grpc::ServerUnaryReactor* reactor,
                 const ledger::ReleaseSpec& spec, const v1::PublishReleaseRequest& q,
                 v1::Release* reply);
  // Answers with the stored release once the command is applied.
  void ReplyWithStored(grpc::ServerUnaryReactor* reactor, const std::string& id,
                       v1::Release* reply);

  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
  WritePath* writes_;
  ReleasesConfig config_;
  crypto::OpenSslUniform uniform_;  // RAND_bytes is thread-safe.
};

// The reads behind GetRelease, ListReleases, ListAccountReleases and GetPrivacyBudget,
// shared by the gRPC calls and the HTTP gateway's paths (ReleaseRoutes: /v1/release,
// /v1/releases, /v1/account-releases, /v1/privacy-budget).
grpc::Status ReadRelease(const ledger::Ledger& ledger, const v1::GetReleaseRequest& q,
                         v1::Release* r);
grpc::Status ReadReleaseList(const ledger::Ledger& ledger, v1::ReleaseList* r);
grpc::Status ReadAccountReleases(const ledger::Ledger& ledger,
                                 const v1::ListAccountReleasesRequest& q, v1::ReleaseIdList* r);
grpc::Status ReadPrivacyBudget(const ledger::Ledger& ledger, const v1::GetPrivacyBudgetRequest& q,
                               uint32_t budget_milli, v1::PrivacyBudget* r);
std::vector<HttpRoute> ReleaseRoutes(const ReleasesConfig& config);

}  // namespace kyoso::node
