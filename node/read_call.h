// ServeRead: what every reading RPC does between the wire and the applied state. The
// gate first (authorisation, limits); then `read` runs on the consensus's apply thread
// (a stale read where the request allows one), and the call finishes with the status
// `read` returns. Nothing blocks.
#pragma once

#include <functional>

#include "node/call_tracker.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/translate.h"

namespace kyoso::node {

using ReadFn = std::function<grpc::Status(const Caller&, const ledger::Ledger&)>;

template <typename Request>
grpc::ServerUnaryReactor* ServeRead(CallTracker& calls, Gate& gate, Consensus& consensus,
                                    grpc::CallbackServerContext* context, Rpc rpc,
                                    const Request& request, ReadFn read) {
  grpc::ServerUnaryReactor* reactor = calls.NewReactor();
  Caller caller;
  if (Refused(gate, context, rpc, request, reactor, &caller)) return reactor;
  consensus.Read(request.stale_ok(),
                 [reactor, caller, read = std::move(read)](const ledger::Status& status,
                                                           const ledger::Ledger* ledger) {
                   reactor->Finish(status.ok() ? read(caller, *ledger) : ToGrpcStatus(status));
                 });
  return reactor;
}

}  // namespace kyoso::node
