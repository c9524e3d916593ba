#include "kyoso/ledger/status.h"

#include <cassert>
#include <string_view>

namespace kyoso::ledger {
namespace {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kNotFound:
      return "NotFound";
    case Status::Code::kInvalidArgument:
      return "InvalidArgument";
    case Status::Code::kCorruption:
      return "Corruption";
    case Status::Code::kIOError:
      return "IOError";
    case Status::Code::kFailedPrecondition:
      return "FailedPrecondition";
  }
  // Only reachable with a Code cast from an out-of-range integer.
  assert(false);
  return "Unknown";
}

}  // namespace

std::string Status::ToString() const {
  std::string result(CodeName(code_));
  if (!message_.empty()) {
    result += ": ";
    result += message_;
  }
  return result;
}

}  // namespace kyoso::ledger
