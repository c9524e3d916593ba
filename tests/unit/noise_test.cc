// The integer noise of published releases (kyoso/crypto/noise.h): its distribution
// against the exact discrete Laplace probabilities (from a seeded source, so the test is
// repeatable), its 95% margin, and OpenSSL's uniform integers.
#include "kyoso/crypto/noise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

namespace kyoso::crypto {
namespace {

class SeededUniform final : public UniformSource {
 public:
  explicit SeededUniform(uint64_t seed) : random_(seed) {}
  uint64_t Below(uint64_t n) override {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(random_);
  }

 private:
  std::mt19937_64 random_;
};

// P(X = x) for the discrete Laplace distribution with scale t/s.
double Probability(int64_t x, double s, double t) {
  double p = std::exp(-s / t);
  return (1 - p) / (1 + p) * std::pow(p, std::abs(static_cast<double>(x)));
}

TEST(NoiseTest, DrawsFollowTheDiscreteLaplaceDistribution) {
  SeededUniform uniform(20261125);
  constexpr int kDraws = 200'000;
  for (auto [s, t] : {std::pair<uint64_t, uint64_t>{1, 3}, {2, 5}, {3, 1}}) {
    std::map<int64_t, int> seen;
    double sum = 0, squares = 0;
    for (int i = 0; i < kDraws; ++i) {
      int64_t x = SampleDiscreteLaplace(uniform, s, t);
      ++seen[x];
      sum += static_cast<double>(x);
      squares += static_cast<double>(x) * static_cast<double>(x);
    }
    for (int64_t x = -8; x <= 8; ++x) {
      double expected = Probability(x, static_cast<double>(s), static_cast<double>(t));
      double observed = static_cast<double>(seen[x]) / kDraws;
      // Five standard errors of a frequency out of 200,000 draws.
      double tolerance = 5 * std::sqrt(expected * (1 - expected) / kDraws) + 1e-5;
      EXPECT_NEAR(observed, expected, tolerance) << "x=" << x << " s=" << s << " t=" << t;
    }
    double p = std::exp(-static_cast<double>(s) / static_cast<double>(t));
    double variance = 2 * p / ((1 - p) * (1 - p));
    EXPECT_NEAR(sum / kDraws, 0.0, 5 * std::sqrt(variance / kDraws));
    EXPECT_NEAR(squares / kDraws, variance, 0.05 * variance);
  }
}

TEST(NoiseTest, BernoulliOfExpMinusIsExact) {
  SeededUniform uniform(7);
  constexpr int kDraws = 100'000;
  for (auto [n, d] : {std::pair<uint64_t, uint64_t>{0, 1}, {1, 2}, {3, 2}, {5, 1}}) {
    int ones = 0;
    for (int i = 0; i < kDraws; ++i) ones += BernoulliExpMinus(uniform, n, d);
    double expected = std::exp(-static_cast<double>(n) / static_cast<double>(d));
    EXPECT_NEAR(static_cast<double>(ones) / kDraws, expected,
                5 * std::sqrt(expected * (1 - expected) / kDraws) + 1e-9)
        << n << "/" << d;
  }
}

TEST(NoiseTest, TheMarginHoldsNinetyFivePercentOfTheNoise) {
  for (auto [s, t] : {std::pair<uint64_t, uint64_t>{1, 3}, {1, 1'000}, {7, 2}, {1, 1}}) {
    uint64_t k = DiscreteLaplaceMargin95(s, t);
    double p = std::exp(-static_cast<double>(s) / static_cast<double>(t));
    auto tail = [&](double k_) { return 2 * std::pow(p, k_ + 1) / (1 + p); };  // P(|X| > k)
    EXPECT_LE(tail(static_cast<double>(k)), 0.05 + 1e-12) << s << "/" << t;
    if (k > 0) {
      EXPECT_GT(tail(static_cast<double>(k - 1)), 0.05) << s << "/" << t;
    }
  }
  // p = exp(-1/3): P(|X| > 9) = 2 p^10 / (1 + p) = 0.042, P(|X| > 8) = 2 p^9 / (1 + p) = 0.058.
  EXPECT_EQ(DiscreteLaplaceMargin95(1, 3), 9u);
  SeededUniform uniform(3);
  int outside = 0;
  for (int i = 0; i < 100'000; ++i) outside += std::abs(SampleDiscreteLaplace(uniform, 1, 3)) > 9;
  EXPECT_LT(outside, 5'000);
  EXPECT_GT(outside, 3'500);  // About 4,200.
}

TEST(NoiseTest, LargeScalesStayExactAndInRange) {
  SeededUniform uniform(11);
  constexpr uint64_t kScale = uint64_t{1} << 39;
  double magnitude = 0;
  for (int i = 0; i < 2'000; ++i) {
    magnitude += std::abs(static_cast<double>(SampleDiscreteLaplace(uniform, 1, kScale)));
  }
  magnitude /= 2'000;  // The mean of |X| is close to the scale.
  EXPECT_GT(magnitude, 0.8 * static_cast<double>(kScale));
  EXPECT_LT(magnitude, 1.2 * static_cast<double>(kScale));
}

TEST(NoiseTest, OpenSslGivesEveryValueInRange) {
  OpenSslUniform uniform;
  EXPECT_EQ(uniform.Below(1), 0u);
  std::set<uint64_t> seen;
  for (int i = 0; i < 2'000; ++i) {
    uint64_t value = uniform.Below(10);
    ASSERT_LT(value, 10u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 10u);
  std::set<int64_t> noise;
  for (int i = 0; i < 50; ++i) noise.insert(SampleDiscreteLaplace(uniform, 1, 100));
  EXPECT_GT(noise.size(), 10u);  // Not a constant.
}

}  // namespace
}  // namespace kyoso::crypto
