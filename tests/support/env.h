// Test knobs from the environment, so ops/test --long can turn the same tests up.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace kyoso::testing {

inline std::optional<uint64_t> EnvNumber(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::stoull(value);
}

inline uint64_t EnvNumberOr(const char* name, uint64_t fallback) {
  return EnvNumber(name).value_or(fallback);
}

}  // namespace kyoso::testing
