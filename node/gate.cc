#include "node/gate.h"

#include <spdlog/fmt/fmt.h>

namespace kyoso::node {
namespace {

bool BetweenNodes(Rpc rpc) {
  return rpc == Rpc::kForwardBatch || rpc == Rpc::kReadIndex || rpc == Rpc::kFetchCheckpoint;
}

}  // namespace

Gate::Gate(const Access* access, const CallTracker* calls, const LimitsConfig& limits)
    : access_(access),
      calls_(calls),
      limits_(limits),
      rates_(limits.calls_per_second, limits.calls_burst) {}

grpc::Status Gate::Admit(const grpc::ServerContextBase& context, Rpc rpc,
                         const google::protobuf::Message& request, Caller* caller) {
  grpc::Status status = CheckLoad();
  if (!status.ok()) return status;
  Caller identified;
  status = access_->Identify(context, &identified);
  if (!status.ok()) return status;
  if (caller != nullptr) *caller = identified;
  return CheckCall(identified, rpc, request);
}

grpc::Status Gate::AdmitCaller(const Caller& caller, Rpc rpc,
                               const google::protobuf::Message& request) {
  grpc::Status status = CheckLoad();
  if (!status.ok()) return status;
  return CheckCall(caller, rpc, request);
}

grpc::Status Gate::AdmitScrape(const Caller& caller) {
  grpc::Status status = CheckLoad();
  if (status.ok()) status = CheckRate(caller);
  if (!status.ok()) return status;
  if (caller.trusted || caller.role == Role::kOperator || caller.role == Role::kAuditor) {
    return grpc::Status::OK;
  }
  return {grpc::StatusCode::PERMISSION_DENIED,
          "role " + std::string(RoleName(caller.role)) +
              " may not read /metrics (operators and auditors may)"};
}

grpc::Status Gate::CheckLoad() const {
  if (int in_flight = calls_->in_flight(); in_flight > limits_.calls_in_flight_max) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            "the node is serving " + std::to_string(in_flight) + " calls, more than its limit of " +
                std::to_string(limits_.calls_in_flight_max) + "; retry shortly"};
  }
  return grpc::Status::OK;
}

grpc::Status Gate::CheckCall(const Caller& caller, Rpc rpc,
                             const google::protobuf::Message& request) {
  if (!BetweenNodes(rpc)) {
    grpc::Status status = CheckRate(caller);
    if (!status.ok()) return status;
    if (auto oversized = OversizedField(request, limits_.field_bytes_max)) {
      return {grpc::StatusCode::INVALID_ARGUMENT, *oversized + "; a field may hold at most " +
                                                      std::to_string(limits_.field_bytes_max) +
                                                      " bytes"};
    }
  }
  return Access::Allow(caller, rpc, request);
}

grpc::Status Gate::CheckRate(const Caller& caller) {
  // A node without TLS cannot tell its callers apart (and serves loopback only).
  if (caller.trusted || limits_.calls_per_second <= 0) return grpc::Status::OK;
  std::string key = std::string(RoleName(caller.role)) + "/" + caller.identity;
  int64_t wait_ms = rates_.Take(key);
  if (wait_ms == 0) return grpc::Status::OK;
  return {grpc::StatusCode::RESOURCE_EXHAUSTED,
          fmt::format("rate limit: the {} certificate {} may make {:g} calls a second (bursts "
                      "of {:g}); retry in {} ms",
                      RoleName(caller.role), caller.identity, limits_.calls_per_second,
                      limits_.calls_burst, wait_ms)};
}

bool Refused(Gate& gate, grpc::CallbackServerContext* context, Rpc rpc,
             const google::protobuf::Message& request, grpc::ServerUnaryReactor* reactor,
             Caller* caller) {
  grpc::Status status = gate.Admit(*context, rpc, request, caller);
  if (status.ok()) return false;
  reactor->Finish(status);
  return true;
}

}  // namespace kyoso::node
