// Translation between the wire contract (kyoso.v1) and the ledger's types: the one place
// that converts proto messages to ledger commands and back, and ledger results and
// statuses to gRPC statuses.
//
// Request translation validates what can be checked without the ledger's state (id
// formats, lengths, UTF-8, enum ranges) and answers INVALID_ARGUMENT with a message
// naming the field, so a malformed request is refused before it is batched and changes
// nothing. Pure functions; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include "kyoso/ledger/ledger.h"
#include "kyoso/v1/admin.pb.h"
#include "kyoso/v1/query.pb.h"
#include "kyoso/v1/types.pb.h"

namespace kyoso::node {

// Longest string field the node accepts at all: longer ones are refused before any other
// check, so a hostile request cannot make the node copy megabytes around.
inline constexpr size_t kStringFieldMax = 1'024;

// A ledger::StatusOr-like pair for translation results: a value or a gRPC status.
template <typename T>
struct Translated {
  grpc::Status status;
  T value{};
  bool ok() const { return status.ok(); }
};

// Kinds.
std::optional<ledger::TransferKind> ToLedgerKind(v1::TransferKind kind);
v1::TransferKind ToProtoKind(ledger::TransferKind kind);
v1::AccountKind ToProtoAccountKind(ledger::AccountKind kind);
v1::Result ToProtoResult(ledger::ResultCode code);

// The gRPC code that says what a refused command means (FAILED_PRECONDITION for a rule,
// ALREADY_EXISTS for a duplicate id with another body, …); OK for kOk.
grpc::StatusCode GrpcCodeFor(ledger::ResultCode code);
// A ledger::Status (the store or the consensus failed) as a gRPC status.
grpc::Status ToGrpcStatus(const ledger::Status& status);
// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool ValidUtf8(std::string_view text);
// The message of an INVALID_ARGUMENT naming `field`.
grpc::Status InvalidField(std::string_view field, std::string_view why);
// NOT_FOUND: "<what> does not exist".
grpc::Status NotFound(std::string what);

// Requests.
Translated<ledger::TransferRequest> ToTransferRequest(const v1::Transfer& transfer,
                                                      ledger::TransferKind kind);
Translated<ledger::Command> ToCommand(const v1::CreateCurrencyRequest& request);
Translated<ledger::Command> ToCommand(const v1::CreateAccountRequest& request);
Translated<ledger::Command> ToCommand(const v1::SetAccountStatusRequest& request);
Translated<ledger::Command> ToCommand(const v1::RotateOwnerKeyRequest& request);
Translated<ledger::Command> ToCommand(const v1::CreateProgramRequest& request);
Translated<ledger::Command> ToCommand(const v1::SetProgramRulesRequest& request);
Translated<ledger::Command> ToCommand(const v1::SetExchangeRateRequest& request);
Translated<ledger::TransferId> ToTransferId(std::string_view field, std::string_view hex);

// Results and reads.
v1::Outcome ToOutcome(const ledger::CommandResult& result);
void ToProto(const ledger::Account& account, v1::Account* out);
void ToProto(const ledger::TransferRecord& record, v1::TransferRecord* out);
void ToProto(const ledger::HistoryEntry& entry, v1::HistoryEntry* out);
void ToProto(const ledger::Program& program, v1::Program* out);
void ToProto(const ledger::Currency& currency, v1::Currency* out);
void ToProto(const ledger::Lot& lot, v1::Lot* out);

}  // namespace kyoso::node
