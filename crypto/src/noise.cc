#include "kyoso/crypto/noise.h"

#include <openssl/rand.h>

#include <cmath>
#include <cstdlib>

namespace kyoso::crypto {
namespace {

// True with probability n/d.
bool Bernoulli(UniformSource& uniform, uint64_t n, uint64_t d) {
  return uniform.Below(d) < n;
}

// True with probability exp(-n/d) for 0 <= n/d <= 1: K is the first k with a failed
// Bernoulli(n/(d k)); the result is K odd.
bool BernoulliExpMinusAtMostOne(UniformSource& uniform, uint64_t n, uint64_t d) {
  uint64_t k = 1;
  while (Bernoulli(uniform, n, d * k)) ++k;  // d < 2^40 and k stays small: no overflow.
  return k % 2 == 1;
}

}  // namespace

uint64_t OpenSslUniform::Below(uint64_t n) {
  // Reject the top partial range so that the remainder is uniform.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t value = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1) std::abort();
    if (value < limit) return value % n;
  }
}

bool BernoulliExpMinus(UniformSource& uniform, uint64_t n, uint64_t d) {
  for (uint64_t whole = n / d; whole > 0; --whole) {
    if (!BernoulliExpMinusAtMostOne(uniform, 1, 1)) return false;
  }
  return BernoulliExpMinusAtMostOne(uniform, n % d, d);
}

int64_t SampleDiscreteLaplace(UniformSource& uniform, uint64_t s, uint64_t t) {
  for (;;) {
    uint64_t u = uniform.Below(t);
    if (!BernoulliExpMinus(uniform, u, t)) continue;
    uint64_t v = 0;
    while (BernoulliExpMinus(uniform, 1, 1)) ++v;
    uint64_t x = u + t * v;  // Geometric with parameter 1 - exp(-1/t).
    auto y = static_cast<int64_t>(x / s);
    bool negative = Bernoulli(uniform, 1, 2);
    if (negative && y == 0) continue;  // Zero would otherwise come twice as often.
    return negative ? -y : y;
  }
}

uint64_t DiscreteLaplaceMargin95(uint64_t s, uint64_t t) {
  // P(|X| > k) = 2 p^(k+1) / (1 + p) with p = exp(-s/t).
  long double ln_p = -static_cast<long double>(s) / static_cast<long double>(t);
  long double p = std::exp(ln_p);
  long double k = std::log(0.05L * (1 + p) / 2) / ln_p - 1;
  return k <= 0 ? 0 : static_cast<uint64_t>(std::ceil(k));
}

}  // namespace kyoso::crypto
