// Limits: how much and how often one caller may ask of a node. The gate (gate.h) applies
// them to every call before any work: the node's calls in flight, a token bucket per
// identified caller, and the size of every text and byte field of the request. The
// message size and the streams per connection are gRPC's own settings, taken from here.
// Past a limit a call gets RESOURCE_EXHAUSTED (load, rate) or INVALID_ARGUMENT (size),
// with a sentence naming the limit. docs/security.md lists them with their defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace google::protobuf {
class Message;
}

namespace kyoso::node {

struct LimitsConfig {
  // Calls per second each identified caller (one certificate) may make, on average, and
  // how many it may make at once after a quiet spell. 0 turns the rate limit off. Nodes
  // forwarding their clients' calls are not limited (their clients were, at the door).
  double calls_per_second = 200;
  double calls_burst = 400;
  // Calls the node serves at once, from all callers together.
  int calls_in_flight_max = 4'096;
  // HTTP/2 streams (concurrent calls) one connection may hold open.
  int streams_per_connection_max = 256;
  // Any single text or byte field of a request, in bytes (the ledger's own limits on
  // ids, memos and names are shorter and give per-item results).
  size_t field_bytes_max = 1'024;
};

// A token bucket per key. Each key starts full (`burst` tokens) and refills at
// `per_second`; a call takes one token.
// Thread-safety: Take may be called from any thread.
class RateLimiter {
 public:
  // Monotonic nanoseconds; steady_clock unless a test supplies its own.
  using Clock = std::function<int64_t()>;
  RateLimiter(double per_second, double burst, Clock clock = {});

  // 0 when `key` may call now (a token is taken), otherwise the milliseconds (≥ 1) until
  // its next token.
  int64_t Take(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ns = 0;
  };
  void ForgetFullBuckets(int64_t now_ns);

  double per_second_;
  double burst_;
  Clock clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// The first string or bytes field of `message` (nested messages and repeated fields
// included) longer than `max_bytes`, as "transfer.memo is 2000 bytes"; nullopt if none.
std::optional<std::string> OversizedField(const google::protobuf::Message& message,
                                          size_t max_bytes);

}  // namespace kyoso::node
