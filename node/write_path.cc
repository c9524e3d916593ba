#include "node/write_path.h"

#include <chrono>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/signing.h"
#include "kyoso/ledger/validation.h"
#include "node/translate.h"

namespace kyoso::node {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

crypto::SignedTransfer ToSigned(const v1::Transfer& t, ledger::TransferKind kind) {
  crypto::SignedTransfer s;
  s.kind = std::string(ledger::TransferKindName(kind));
  s.transfer_id = t.id();
  s.from = t.from();
  s.to = t.to();
  s.amount_minor = t.amount_minor();
  s.currency = t.currency();
  s.program = t.program();
  s.ref = t.ref();
  s.memo = t.memo();
  s.terminal = t.terminal();
  s.not_after_ns = t.not_after_ns();
  return s;
}

grpc::Status Unavailable(Batcher::SubmitError error) {
  switch (error) {
    case Batcher::SubmitError::kQueueFull:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the node's write queue is full; retry with the same transfer id"};
    case Batcher::SubmitError::kTooLarge:
      return {grpc::StatusCode::INVALID_ARGUMENT, "too many commands in one call"};
    default:
      return {grpc::StatusCode::UNAVAILABLE,
              "the node is shutting down; retry with the same transfer id"};
  }
}

}  // namespace

bool NeedsPayerSignature(ledger::TransferKind kind, std::string_view from) {
  if (kind == ledger::TransferKind::kPost || kind == ledger::TransferKind::kVoid) return false;
  return ledger::KindOfAccountId(from) == ledger::AccountKind::kResident;
}

void FinishWithOutcome(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                       const v1::Outcome& outcome, const google::protobuf::Message& reply) {
  auto code = static_cast<ledger::ResultCode>(static_cast<int>(outcome.result()) - 1);
  grpc::StatusCode status = GrpcCodeFor(code);
  if (status == grpc::StatusCode::OK) {
    reactor->Finish(grpc::Status::OK);
    return;
  }
  context->AddTrailingMetadata(kOutcomeMetadataKey, reply.SerializeAsString());
  reactor->Finish(grpc::Status(status, outcome.result_name()));
}

WritePath::WritePath(Batcher* batcher, const AccountDirectory* directory, const CallTracker* calls,
                     const Consensus* consensus)
    : batcher_(batcher), directory_(directory), calls_(calls), consensus_(consensus) {}

grpc::Status WritePath::UnknownAccount(const std::string& id) const {
  RoleInfo role = consensus_->Role();
  if (role.role == "follower" || role.role == "candidate") {
    return {grpc::StatusCode::UNAVAILABLE,
            "account " + id +
                " is not known to this node yet (it may be catching up with the cluster); "
                "retry with the same transfer id" +
                (role.leader_address.empty() ? "" : ", or at the leader " + role.leader_address)};
  }
  return {grpc::StatusCode::NOT_FOUND, "account " + id + " does not exist"};
}

grpc::Status WritePath::CheckPayer(const v1::Transfer& transfer, ledger::TransferKind kind) const {
  std::optional<AccountFacts> payer = directory_->Find(transfer.from());
  if (!payer) return UnknownAccount(transfer.from());
  if (payer->currency != transfer.currency()) {
    return InvalidField("transfer.currency", "is " + transfer.currency() + " but account " +
                                                 transfer.from() + " holds " + payer->currency);
  }
  if (transfer.not_after_ns() != 0 && NowNs() > transfer.not_after_ns()) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "the payment request has expired"};
  }
  if (!NeedsPayerSignature(kind, transfer.from())) return grpc::Status::OK;
  if (transfer.signature().empty()) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "moving money from " + transfer.from() + " needs the resident's wallet signature"};
  }
  std::string payload = crypto::TransferSigningPayload(ToSigned(transfer, kind));
  if (payer->owner_key.empty() ||
      !crypto::Verify(payer->owner_key, payload, transfer.signature())) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "the signature is not by the key registered for " + transfer.from()};
  }
  return grpc::Status::OK;
}

grpc::Status WritePath::Prepare(const v1::Transfer& transfer, ledger::TransferKind kind,
                                ledger::TransferRequest* out) const {
  Translated<ledger::TransferRequest> request = ToTransferRequest(transfer, kind);
  if (!request.ok()) return request.status;
  if (grpc::Status payer = CheckPayer(transfer, kind); !payer.ok()) return payer;
  *out = std::move(request.value);
  return grpc::Status::OK;
}

bool WritePath::Submit(grpc::ServerUnaryReactor* reactor, std::vector<ledger::Command> commands,
                       Batcher::Done done) {
  Batcher::SubmitError error = calls_->draining()
                                   ? Batcher::SubmitError::kStopped
                                   : batcher_->Submit(std::move(commands), std::move(done));
  if (error == Batcher::SubmitError::kNone) return true;
  reactor->Finish(Unavailable(error));
  return false;
}

void WritePath::SubmitTransfer(grpc::CallbackServerContext* context,
                               grpc::ServerUnaryReactor* reactor, const v1::Transfer& transfer,
                               ledger::TransferKind kind, v1::TransferReply* reply) {
  ledger::TransferRequest request;
  if (grpc::Status status = Prepare(transfer, kind, &request); !status.ok()) {
    reactor->Finish(status);
    return;
  }
  request.linked = false;  // A single call is never part of a group.
  reply->set_id(request.id.ToHex());
  std::vector<ledger::Command> commands;
  commands.emplace_back(std::move(request));
  Submit(reactor, std::move(commands),
         [context, reactor, reply](const ledger::Status& status,
                                   const std::vector<ledger::CommandResult>& results) {
           if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
           *reply->mutable_outcome() = ToOutcome(results[0]);
           FinishWithOutcome(context, reactor, reply->outcome(), *reply);
         });
}

void WritePath::SubmitBatch(grpc::ServerUnaryReactor* reactor,
                            const v1::SubmitBatchRequest& request, v1::SubmitBatchReply* reply) {
  int size = request.items_size();
  if (size == 0 || size > kSubmitBatchItemsMax) {
    return reactor->Finish(InvalidField("items", "must hold 1 to 1,000 transfers"));
  }
  if (request.items(size - 1).transfer().linked()) {
    return reactor->Finish(InvalidField("items", "end with a linked item: its group never closes"));
  }
  std::vector<ledger::Command> commands;
  commands.reserve(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    const v1::SubmitBatchRequest::Item& item = request.items(i);
    std::optional<ledger::TransferKind> kind = ToLedgerKind(item.kind());
    ledger::TransferRequest transfer;
    grpc::Status status = kind ? Prepare(item.transfer(), *kind, &transfer)
                               : InvalidField("kind", "is not a transfer kind");
    if (!status.ok()) {
      return reactor->Finish(grpc::Status(
          status.error_code(), "items[" + std::to_string(i) + "]: " + status.error_message()));
    }
    commands.emplace_back(std::move(transfer));
  }
  Submit(reactor, std::move(commands),
         [reactor, reply, &request](const ledger::Status& status,
                                    const std::vector<ledger::CommandResult>& results) {
           if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
           for (size_t i = 0; i < results.size(); ++i) {
             v1::TransferReply* item = reply->add_replies();
             item->set_id(request.items(static_cast<int>(i)).transfer().id());
             *item->mutable_outcome() = ToOutcome(results[i]);
           }
           reactor->Finish(grpc::Status::OK);
         });
}

void WritePath::SubmitCommand(grpc::CallbackServerContext* context,
                              grpc::ServerUnaryReactor* reactor, grpc::Status translated,
                              ledger::Command command, v1::AdminReply* reply) {
  if (!translated.ok()) return reactor->Finish(translated);
  std::vector<ledger::Command> commands;
  commands.push_back(std::move(command));
  Submit(reactor, std::move(commands),
         [context, reactor, reply](const ledger::Status& status,
                                   const std::vector<ledger::CommandResult>& results) {
           if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
           *reply->mutable_outcome() = ToOutcome(results[0]);
           FinishWithOutcome(context, reactor, reply->outcome(), *reply);
         });
}

void WritePath::SubmitOne(grpc::ServerUnaryReactor* reactor, ledger::Command command,
                          Batcher::Done done) {
  std::vector<ledger::Command> commands;
  commands.push_back(std::move(command));
  Submit(reactor, std::move(commands), std::move(done));
}

void WritePath::SetResearchConsent(grpc::CallbackServerContext* context,
                                   grpc::ServerUnaryReactor* reactor,
                                   const v1::SetResearchConsentRequest& request,
                                   v1::AdminReply* reply) {
  std::optional<AccountFacts> account = directory_->Find(request.account());
  if (!account) {
    return reactor->Finish(UnknownAccount(request.account()));
  }
  if (std::llabs(NowNs() - request.issued_at_ns()) > kConsentClockSkewMaxNs) {
    return reactor->Finish(InvalidField("issued_at_ns", "is more than 5 minutes from now"));
  }
  std::string payload =
      crypto::ConsentSigningPayload(request.account(), request.consent(), request.issued_at_ns());
  if (account->owner_key.empty() ||
      !crypto::Verify(account->owner_key, payload, request.signature())) {
    return reactor->Finish({grpc::StatusCode::UNAUTHENTICATED,
                            "the signature is not by the key registered for " + request.account()});
  }
  SubmitCommand(context, reactor, grpc::Status::OK,
                ledger::SetResearchConsent{request.account(), request.consent()}, reply);
}

}  // namespace kyoso::node
