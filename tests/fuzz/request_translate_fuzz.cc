// Fuzz target: a request as the node receives it, from the wire to a ledger command.
// The first byte picks the request type (and, for transfers, the kind), the rest is
// parsed as that protobuf message; then the node's door checks run (field sizes, shape,
// translation). Nothing may crash; a request the door accepts must become a command the
// ledger can encode and decode back unchanged (what a raft entry carries).
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/validation.h"
#include "kyoso/v1/money.pb.h"
#include "node/limits.h"
#include "node/translate.h"

namespace {

using namespace kyoso;

void CheckEncodable(const ledger::Command& command) {
  std::string bytes;
  ledger::EncodeCommand(command, &bytes);
  ledger::StatusOr<ledger::Command> decoded = ledger::DecodeCommand(bytes);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(*decoded == command);
}

void CheckTransfer(uint8_t kind_byte, std::string_view bytes) {
  v1::TransferRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  (void)node::OversizedField(request, 1'024);
  auto kind = node::ToLedgerKind(static_cast<v1::TransferKind>(kind_byte % 16));
  if (!kind) return;
  node::Translated<ledger::TransferRequest> translated =
      node::ToTransferRequest(request.transfer(), *kind);
  if (!translated.ok()) return;
  FUZZ_CHECK(ledger::ValidateTransferShape(translated.value) == ledger::ResultCode::kOk);
  CheckEncodable(ledger::Command(translated.value));
}

template <typename Request>
void CheckAdmin(std::string_view bytes) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  (void)node::OversizedField(request, 1'024);
  node::Translated<ledger::Command> translated = node::ToCommand(request);
  if (translated.ok()) CheckEncodable(translated.value);
}

void CheckBatch(std::string_view bytes) {
  v1::SubmitBatchRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  (void)node::OversizedField(request, 1'024);
  for (const v1::SubmitBatchRequest::Item& item : request.items()) {
    auto kind = node::ToLedgerKind(item.kind());
    if (!kind) continue;
    node::Translated<ledger::TransferRequest> translated =
        node::ToTransferRequest(item.transfer(), *kind);
    if (translated.ok()) CheckEncodable(ledger::Command(translated.value));
  }
}

}  // namespace

// Protobuf logs every string that is not UTF-8; the fuzzer makes millions.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      return CheckTransfer(static_cast<uint8_t>(data[0] / 9), rest), 0;
    case 1:
      return CheckAdmin<v1::CreateCurrencyRequest>(rest), 0;
    case 2:
      return CheckAdmin<v1::CreateAccountRequest>(rest), 0;
    case 3:
      return CheckAdmin<v1::SetAccountStatusRequest>(rest), 0;
    case 4:
      return CheckAdmin<v1::RotateOwnerKeyRequest>(rest), 0;
    case 5:
      return CheckAdmin<v1::CreateProgramRequest>(rest), 0;
    case 6:
      return CheckAdmin<v1::SetProgramRulesRequest>(rest), 0;
    case 7:
      return CheckAdmin<v1::SetExchangeRateRequest>(rest), 0;
    default:
      return CheckBatch(rest), 0;
  }
}
