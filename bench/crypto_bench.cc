// Signature benchmark: what one resident payment costs the node before it is batched
// (an Ed25519 verification over the canonical payload), which bounds signed payments
// per second at about (cores ÷ one verification's time).
//
//   build/release/bin/kyoso-crypto-bench
#include <benchmark/benchmark.h>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/signing.h"

namespace kyoso::bench {
namespace {

std::string Payload() {
  crypto::SignedTransfer t{"payment", std::string(32, 'a'), "res:alice", "mch:bakery", 1'250,
                           "BUNJI",   "fresh-food",         "",          "bread",      "till-1",
                           0};
  return crypto::TransferSigningPayload(t);
}

void BM_VerifyPaymentSignature(benchmark::State& state) {
  crypto::KeyPair keys = crypto::GenerateKeyPair().value();
  std::string payload = Payload();
  std::string signature = crypto::Sign(keys.private_key, payload).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::Verify(keys.public_key, payload, signature));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPaymentSignature);

void BM_SignPayment(benchmark::State& state) {
  crypto::KeyPair keys = crypto::GenerateKeyPair().value();
  std::string payload = Payload();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sign(keys.private_key, payload));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignPayment);

}  // namespace
}  // namespace kyoso::bench

BENCHMARK_MAIN();
