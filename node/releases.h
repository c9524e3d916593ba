// Published releases (Releases service; docs/flows.md): the request read into a release
// spec over the configured public partitions, the noise added to the bounded figures the
// ledger computes, and a stored release written into the reply.
#pragma once

#include <grpcpp/grpcpp.h>

#include "kyoso/crypto/noise.h"
#include "kyoso/ledger/releases.h"
#include "kyoso/v1/releases.pb.h"
#include "node/config.h"

namespace kyoso::node {

// "2026-03" for the month starting on `day`, and back (nullopt for anything else).
std::string MonthText(int32_t day);
std::optional<int32_t> MonthFromText(std::string_view text);

// INVALID_ARGUMENT naming the field when the request is not a release this node can
// make (a grouping without a configured partition list among them).
grpc::Status ToReleaseSpec(const v1::PublishReleaseRequest& request, const ReleasesConfig& config,
                           ledger::ReleaseSpec* spec);

// The release to publish: every bounded figure with discrete Laplace noise for half of
// `epsilon_milli` on the counts and half on the sums.
ledger::PublishRelease AddNoise(const std::string& id, const ledger::ReleaseSpec& spec,
                                const ledger::BoundedTable& bounded, uint32_t epsilon_milli,
                                uint32_t budget_milli, crypto::UniformSource& uniform);

// The noise's scale on counts or sums, rounded up, for a release spending `epsilon_milli`.
uint64_t NoiseScale(uint64_t sensitivity, uint32_t epsilon_milli);

void ToProto(const ledger::Release& release, v1::Release* out);

}  // namespace kyoso::node
