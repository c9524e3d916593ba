// Status and StatusOr: operating errors as values.
//
// A Status reports why an operation on the ledger's environment failed (the store could
// not write, a stored record did not decode, a batch arrived out of order). Business
// outcomes of commands (insufficient funds, cap exceeded, ...) are not Statuses: they
// are ResultCodes returned per command (see types.h). Statuses are cheap to copy when
// ok and carry a message otherwise. Not thread-safe to mutate; safe to copy across
// threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace kyoso::ledger {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kNotFound, kInvalidArgument, kCorruption, kIOError, kFailedPrecondition };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status InvalidArgument(std::string message) {
    return {Code::kInvalidArgument, std::move(message)};
  }
  static Status Corruption(std::string message) { return {Code::kCorruption, std::move(message)}; }
  static Status IOError(std::string message) { return {Code::kIOError, std::move(message)}; }
  static Status FailedPrecondition(std::string message) {
    return {Code::kFailedPrecondition, std::move(message)};
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design.
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design.
    assert(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace kyoso::ledger

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define KYOSO_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::kyoso::ledger::Status kyoso_status_ = (expr); \
    if (!kyoso_status_.ok()) return kyoso_status_;  \
  } while (false)
