// ServeRead: what every reading RPC does between the wire and the applied state. The
// gate first (authorisation, limits); then `read` runs on the consensus's apply thread
// (a stale read where the request allows one), and the call finishes with the status
// `read` returns. Nothing blocks. ServeReadInParts does the same for a read whose
// slow part runs on the node's Worker (worker.h) once it has copied what it needs.
#pragma once

#include <functional>

#include "node/call_tracker.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/translate.h"
#include "node/worker.h"

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

// Takes what the read needs of the ledger on the apply thread; the call finishes with
// its status, or, if it set `rest`, with the status of `rest` run on the worker.
using ReadInPartsFn =
    std::function<grpc::Status(const Caller&, const ledger::Ledger&, ReadRest* rest)>;

template <typename Request>
grpc::ServerUnaryReactor* ServeReadInParts(CallTracker& calls, Gate& gate, Consensus& consensus,
                                           Worker& worker, grpc::CallbackServerContext* context,
                                           Rpc rpc, const Request& request, ReadInPartsFn read) {
  grpc::ServerUnaryReactor* reactor = calls.NewReactor();
  Caller caller;
  if (Refused(gate, context, rpc, request, reactor, &caller)) return reactor;
  consensus.Read(
      request.stale_ok(), [reactor, caller, &worker, read = std::move(read)](
                              const ledger::Status& status, const ledger::Ledger* ledger) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        ReadRest rest;
        grpc::Status taken = read(caller, *ledger, &rest);
        if (!taken.ok() || !rest) return reactor->Finish(taken);
        worker.Post([reactor, rest = std::move(rest)](bool run) {
          reactor->Finish(
              run ? rest()
                  : grpc::Status(grpc::StatusCode::UNAVAILABLE, "the node is stopping: ask again"));
        });
      });
  return reactor;
}

}  // namespace kyoso::node
