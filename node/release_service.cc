#include "node/release_service.h"

#include "node/releases.h"
#include "node/translate.h"

namespace kyoso::node {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

template <typename Request>
ServerUnaryReactor* ReleaseService::Read(CallbackServerContext* c, Rpc rpc, const Request& q,
                                         ReadFn read) {
  return ServeRead(*calls_, *gate_, *consensus_, c, rpc, q, std::move(read));
}

ServerUnaryReactor* ReleaseService::Publish(CallbackServerContext* c,
                                            const v1::PublishReleaseRequest* q, v1::Release* r) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, Rpc::kPublishRelease, *q, reactor)) return reactor;
  ledger::ReleaseSpec spec;
  if (grpc::Status valid = ToReleaseSpec(*q, config_, &spec); !valid.ok()) {
    reactor->Finish(valid);
    return reactor;
  }
  consensus_->Read(false, [this, reactor, spec, q, r](const ledger::Status& status,
                                                      const ledger::Ledger* ledger) {
    if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
    PublishOn(*ledger, reactor, spec, *q, r);
  });
  return reactor;
}

void ReleaseService::PublishOn(const ledger::Ledger& ledger, ServerUnaryReactor* reactor,
                               const ledger::ReleaseSpec& spec, const v1::PublishReleaseRequest& q,
                               v1::Release* reply) {
  auto seen = ledger.FindRelease(q.id());
  if (!seen.ok()) return reactor->Finish(ToGrpcStatus(seen.status()));
  if (seen->has_value()) {  // Published before: the same request gets the same release.
    const ledger::PublishRelease& made = (*seen)->release;
    if (!(made.spec == spec) || made.epsilon_milli != q.epsilon_milli()) {
      return reactor->Finish({grpc::StatusCode::ALREADY_EXISTS,
                              "release " + q.id() + " was published with another request"});
    }
    ToProto(**seen, reply);
    return reactor->Finish(grpc::Status::OK);
  }
  auto bounded = ledger.BoundFlows(spec);
  if (!bounded.ok()) return reactor->Finish(ToGrpcStatus(bounded.status()));
  ledger::PublishRelease release =
      AddNoise(q.id(), spec, *bounded, q.epsilon_milli(), config_.budget_milli_per_month, uniform_);
  std::string id = q.id();
  writes_->SubmitOne(
      reactor, std::move(release),
      [this, reactor, id, reply](const ledger::Status& status,
                                 const std::vector<ledger::CommandResult>& results) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        ledger::ResultCode code = results[0].code;
        if (code != ledger::ResultCode::kOk) {
          return reactor->Finish({GrpcCodeFor(code), std::string(ledger::ResultCodeName(code))});
        }
        ReplyWithStored(reactor, id, reply);
      });
}

void ReleaseService::ReplyWithStored(ServerUnaryReactor* reactor, const std::string& id,
                                     v1::Release* reply) {
  consensus_->Read(
      false, [reactor, id, reply](const ledger::Status& status, const ledger::Ledger* ledger) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        auto stored = ledger->FindRelease(id);
        if (!stored.ok()) return reactor->Finish(ToGrpcStatus(stored.status()));
        if (!stored->has_value())
          return reactor->Finish({grpc::StatusCode::INTERNAL, "release lost"});
        ToProto(**stored, reply);
        reactor->Finish(grpc::Status::OK);
      });
}

grpc::Status ReadRelease(const ledger::Ledger& ledger, const v1::GetReleaseRequest& q,
                         v1::Release* r) {
  auto stored = ledger.FindRelease(q.id());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  if (!stored->has_value()) return NotFound("release " + q.id());
  ToProto(**stored, r);
  return grpc::Status::OK;
}

grpc::Status ReadReleaseList(const ledger::Ledger& ledger, v1::ReleaseList* r) {
  return ToGrpcStatus(ledger.ForEachRelease([r](const ledger::Release& release) {
    ToProto(release, r->add_releases());
    return true;
  }));
}

grpc::Status ReadAccountReleases(const ledger::Ledger& ledger,
                                 const v1::ListAccountReleasesRequest& q, v1::ReleaseIdList* r) {
  if (ledger.FindAccount(q.account()) == nullptr) return NotFound("account " + q.account());
  auto ids = ledger.ReleasesIncluding(q.account());
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  for (const std::string& id : *ids) r->add_ids(id);
  return grpc::Status::OK;
}

grpc::Status ReadPrivacyBudget(const ledger::Ledger& ledger, const v1::GetPrivacyBudgetRequest& q,
                               uint32_t budget_milli, v1::PrivacyBudget* r) {
  std::optional<int32_t> month = MonthFromText(q.month());
  if (!month) return InvalidField("month", "must be a month like 2026-03");
  r->set_currency(q.currency());
  r->set_month(q.month());
  r->set_spent_milli(ledger.PrivacySpent(q.currency(), *month));
  r->set_budget_milli(budget_milli);
  return grpc::Status::OK;
}

std::vector<HttpRoute> ReleaseRoutes(const ReleasesConfig& config) {
  uint32_t budget = config.budget_milli_per_month;
  return {
      HttpRoute::Of<v1::ListReleasesRequest, v1::ReleaseList>(
          "/v1/releases", Rpc::kListReleases,
          [](const ledger::Ledger& ledger, const v1::ListReleasesRequest&, v1::ReleaseList* r) {
            return ReadReleaseList(ledger, r);
          }),
      HttpRoute::Of<v1::GetReleaseRequest, v1::Release>("/v1/release", Rpc::kGetRelease,
                                                        ReadRelease),
      HttpRoute::Of<v1::ListAccountReleasesRequest, v1::ReleaseIdList>(
          "/v1/account-releases", Rpc::kListAccountReleases, ReadAccountReleases),
      HttpRoute::Of<v1::GetPrivacyBudgetRequest, v1::PrivacyBudget>(
          "/v1/privacy-budget", Rpc::kGetPrivacyBudget,
          [budget](const ledger::Ledger& ledger, const v1::GetPrivacyBudgetRequest& q,
                   v1::PrivacyBudget* r) { return ReadPrivacyBudget(ledger, q, budget, r); }),
  };
}

ServerUnaryReactor* ReleaseService::GetRelease(CallbackServerContext* c,
                                               const v1::GetReleaseRequest* q, v1::Release* r) {
  return Read(c, Rpc::kGetRelease, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    return ReadRelease(ledger, *q, r);
  });
}

ServerUnaryReactor* ReleaseService::ListReleases(CallbackServerContext* c,
                                                 const v1::ListReleasesRequest* q,
                                                 v1::ReleaseList* r) {
  return Read(c, Rpc::kListReleases, *q, [r](const Caller&, const ledger::Ledger& ledger) {
    return ReadReleaseList(ledger, r);
  });
}

ServerUnaryReactor* ReleaseService::ListAccountReleases(CallbackServerContext* c,
                                                        const v1::ListAccountReleasesRequest* q,
                                                        v1::ReleaseIdList* r) {
  return Read(c, Rpc::kListAccountReleases, *q,
              [q, r](const Caller&, const ledger::Ledger& ledger) {
                return ReadAccountReleases(ledger, *q, r);
              });
}

ServerUnaryReactor* ReleaseService::GetPrivacyBudget(CallbackServerContext* c,
                                                     const v1::GetPrivacyBudgetRequest* q,
                                                     v1::PrivacyBudget* r) {
  uint32_t budget = config_.budget_milli_per_month;
  return Read(c, Rpc::kGetPrivacyBudget, *q,
              [q, r, budget](const Caller&, const ledger::Ledger& ledger) {
                return ReadPrivacyBudget(ledger, *q, budget, r);
              });
}

}  // namespace kyoso::node
