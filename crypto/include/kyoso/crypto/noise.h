// Integer noise for differentially private releases: the discrete Laplace distribution,
// sampled exactly with integer arithmetic only (Canonne, Kamath and Steinke, "The
// Discrete Gaussian for Differential Privacy", 2020, algorithms 1 and 2), from uniform
// integers drawn from OpenSSL's generator. No floating point touches a sample: only the
// published 95% interval is computed in floating point.
#pragma once

#include <cstdint>

namespace kyoso::crypto {

// Where uniform integers come from.
class UniformSource {
 public:
  virtual ~UniformSource() = default;
  // A uniform integer in [0, n), n > 0.
  virtual uint64_t Below(uint64_t n) = 0;
};

// OpenSSL's RAND_bytes (a CSPRNG), with rejection so every value is equally likely.
// Aborts if the generator fails: noise must never silently weaken.
class OpenSslUniform final : public UniformSource {
 public:
  uint64_t Below(uint64_t n) override;
};

// The discrete Laplace distribution with scale t/s: P(x) is proportional to
// exp(-|x| s / t) for every integer x. s, t > 0 and below kNoiseParameterMax.
inline constexpr uint64_t kNoiseParameterMax = uint64_t{1} << 40;
int64_t SampleDiscreteLaplace(UniformSource& uniform, uint64_t s, uint64_t t);

// The smallest k with P(|X| > k) <= 5% for X of that distribution: the half-width of a
// 95% interval around a noisy value.
uint64_t DiscreteLaplaceMargin95(uint64_t s, uint64_t t);

// True with probability exp(-n/d), n >= 0, d > 0, both below kNoiseParameterMax (exact).
bool BernoulliExpMinus(UniformSource& uniform, uint64_t n, uint64_t d);

}  // namespace kyoso::crypto
