#include "node/limits.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace kyoso::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Buckets kept at most; past it, those refilled to full are forgotten (they hold no
// information: a new bucket starts full).
constexpr size_t kBucketsMax = 65'536;

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The path below `message` of its first string or bytes field longer than `max_bytes`,
// with the field's size. Walks the descriptor rather than ListFields, and builds a path
// only on the way out of a find, so a request within the limits costs no allocation.
struct Found {
  std::string path;
  size_t size = 0;
};

std::optional<Found> OversizedIn(const Message& message, size_t max_bytes);

std::optional<Found> OversizedValue(const Message& message, const FieldDescriptor& field, int index,
                                    size_t max_bytes) {
  const Reflection& reflection = *message.GetReflection();
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    const std::string& value =
        index < 0 ? reflection.GetStringReference(message, &field, &scratch)
                  : reflection.GetRepeatedStringReference(message, &field, index, &scratch);
    if (value.size() > max_bytes) return Found{"", value.size()};
    return std::nullopt;
  }
  if (index < 0 && !reflection.HasField(message, &field)) return std::nullopt;
  return OversizedIn(index < 0 ? reflection.GetMessage(message, &field)
                               : reflection.GetRepeatedMessage(message, &field, index),
                     max_bytes);
}

std::optional<Found> OversizedIn(const Message& message, size_t max_bytes) {
  const google::protobuf::Descriptor& descriptor = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor& field = *descriptor.field(i);
    if (field.cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
        field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    int count = field.is_repeated() ? reflection.FieldSize(message, &field) : 1;
    for (int k = 0; k < count; ++k) {
      std::optional<Found> found =
          OversizedValue(message, field, field.is_repeated() ? k : -1, max_bytes);
      if (!found) continue;
      std::string name = field.name();
      if (field.is_repeated()) name += "[" + std::to_string(k) + "]";
      found->path = found->path.empty() ? name : name + "." + found->path;
      return found;
    }
  }
  return std::nullopt;
}

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst, Clock clock)
    : per_second_(per_second),
      burst_(std::max(burst, 1.0)),
      clock_(clock ? std::move(clock) : Clock(SteadyNowNs)) {}

int64_t RateLimiter::Take(const std::string& key) {
  int64_t now = clock_();
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(key);
  if (found == buckets_.end()) {
    if (buckets_.size() >= kBucketsMax) ForgetFullBuckets(now);
    found = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& bucket = found->second;
  double refilled = static_cast<double>(now - bucket.at_ns) * 1e-9 * per_second_;
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(refilled, 0.0));
  bucket.at_ns = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  double wait_ms = (1.0 - bucket.tokens) / per_second_ * 1e3;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_ms)));
}

void RateLimiter::ForgetFullBuckets(int64_t now_ns) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    double refilled = static_cast<double>(now_ns - bucket.at_ns) * 1e-9 * per_second_;
    return bucket.tokens + refilled >= burst_;
  });
  // Everyone busy at once: start over rather than grow without bound.
  if (buckets_.size() >= kBucketsMax) buckets_.clear();
}

std::optional<std::string> OversizedField(const Message& message, size_t max_bytes) {
  std::optional<Found> found = OversizedIn(message, max_bytes);
  if (!found) return std::nullopt;
  return found->path + " is " + std::to_string(found->size) + " bytes";
}

}  // namespace kyoso::node
