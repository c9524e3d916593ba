// WritePath: what every writing RPC does between the wire and the batcher.
//
// It translates the request (refusing malformed ones with INVALID_ARGUMENT), checks that
// the currency named is the payer's, verifies a resident's signature where money leaves
// a resident's account, submits the command to the batcher, and finishes the call from
// the apply callback with the outcome. Nothing here blocks: a call is finished either at
// once (refused) or later on the apply thread.
//
// A refused command finishes with the gRPC code of its meaning (FAILED_PRECONDITION,
// NOT_FOUND, ALREADY_EXISTS, …), the result name as the status message, and the full
// reply, serialised, in the trailing metadata `kyoso-outcome-bin`. An accepted one
// finishes OK with the reply.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include "kyoso/v1/money.pb.h"
#include "kyoso/v1/types.pb.h"
#include "node/batcher.h"
#include "node/call_tracker.h"
#include "node/directory.h"

namespace kyoso::node {

// The trailing metadata key carrying a refused call's reply.
inline constexpr char kOutcomeMetadataKey[] = "kyoso-outcome-bin";
// Items per SubmitBatch call: bounds one call's share of a batch.
inline constexpr int kSubmitBatchItemsMax = 1'000;
// How far a signed consent request's time may be from the node's clock.
inline constexpr int64_t kConsentClockSkewMaxNs = 5LL * 60 * 1'000'000'000;

class WritePath {
 public:
  // `consensus` tells whether this node may be behind (a follower catching up).
  WritePath(Batcher* batcher, const AccountDirectory* directory, const CallTracker* calls,
            const Consensus* consensus);

  // One transfer of `kind`; finishes `reactor` with `reply`.
  void SubmitTransfer(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                      const v1::Transfer& transfer, ledger::TransferKind kind,
                      v1::TransferReply* reply);
  // Many transfers, one outcome each; finishes OK unless the request itself is bad.
  void SubmitBatch(grpc::ServerUnaryReactor* reactor, const v1::SubmitBatchRequest& request,
                   v1::SubmitBatchReply* reply);
  // An administrative command already translated (or the translation's error).
  void SubmitCommand(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                     grpc::Status translated, ledger::Command command, v1::AdminReply* reply);
  // One command, finished through `done` once applied (or by the write path itself if
  // the batcher refuses it).
  void SubmitOne(grpc::ServerUnaryReactor* reactor, ledger::Command command, Batcher::Done done);
  void SetResearchConsent(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                          const v1::SetResearchConsentRequest& request, v1::AdminReply* reply);

 private:
  // Translates and authorises one transfer; the request-level refusal, if any.
  grpc::Status Prepare(const v1::Transfer& transfer, ledger::TransferKind kind,
                       ledger::TransferRequest* out) const;
  grpc::Status CheckPayer(const v1::Transfer& transfer, ledger::TransferKind kind) const;
  // Submits; on a batcher refusal finishes the call itself and returns false.
  bool Submit(grpc::ServerUnaryReactor* reactor, std::vector<ledger::Command> commands,
              Batcher::Done done);

  // NOT_FOUND for an account this node does not know, or UNAVAILABLE on a follower,
  // whose directory may lag the leader's (it may be catching up).
  grpc::Status UnknownAccount(const std::string& id) const;

  Batcher* batcher_;
  const AccountDirectory* directory_;
  const CallTracker* calls_;
  const Consensus* consensus_;
};

// Whether a transfer of `kind` from `from` moves a resident's own money, and so needs
// the resident's signature. Captures and voids of a signed hold do not.
bool NeedsPayerSignature(ledger::TransferKind kind, std::string_view from);

// Finishes a unary call with `outcome`: OK, or the outcome's gRPC code with the reply in
// the trailing metadata.
void FinishWithOutcome(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                       const v1::Outcome& outcome, const google::protobuf::Message& reply);

}  // namespace kyoso::node
