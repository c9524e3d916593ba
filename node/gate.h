// Gate: what every call passes before the node does any work for it, in this order:
// the node's load (calls in flight), the caller's identity (its certificate, Access),
// the caller's rate (a token bucket per certificate), the size of every field of the
// request, and the authorisation table (Access). Each handler asks Refused first.
//
// Calls between nodes (forwarded batches, read-index, checkpoint files) carry their own
// large fields and their clients' calls were already counted, so only the load and the
// authorisation table apply to them.
//
// Thread-safety: Admit and Refused may be called from any number of threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include "node/access.h"
#include "node/call_tracker.h"
#include "node/limits.h"

namespace kyoso::node {

class Gate {
 public:
  // `access` and `calls` must outlive the gate.
  Gate(const Access* access, const CallTracker* calls, const LimitsConfig& limits);

  // OK when the call may go on (and `caller`, if given, says who makes it); otherwise
  // the status to finish it with.
  grpc::Status Admit(const grpc::ServerContextBase& context, Rpc rpc,
                     const google::protobuf::Message& request, Caller* caller = nullptr);
  // The same for a caller identified by other means (the HTTP gateway's certificate).
  grpc::Status AdmitCaller(const Caller& caller, Rpc rpc, const google::protobuf::Message& request);
  // The same for the HTTP gateway's Prometheus scrape, which is no gRPC method: the load,
  // the caller's rate, and its role (operator or auditor; any caller of a node without TLS).
  grpc::Status AdmitScrape(const Caller& caller);

 private:
  grpc::Status CheckLoad() const;
  grpc::Status CheckCall(const Caller& caller, Rpc rpc, const google::protobuf::Message& request);
  grpc::Status CheckRate(const Caller& caller);

  const Access* access_;
  const CallTracker* calls_;
  LimitsConfig limits_;
  RateLimiter rates_;
};

// Finishes `reactor` with the refusal and returns true when the call may not go on;
// returns false (and fills `caller` if given) when it may.
bool Refused(Gate& gate, grpc::CallbackServerContext* context, Rpc rpc,
             const google::protobuf::Message& request, grpc::ServerUnaryReactor* reactor,
             Caller* caller = nullptr);

}  // namespace kyoso::node
