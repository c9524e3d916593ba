// The Research service (kyoso.v1.Research; docs/flows.md, "Research microdata"): a
// period's transfers as pseudonymised rows for the accredited lab (researcher role),
// under a key the data custodian placed in the node's [research] keys_dir.
//
// The key file is read on the gRPC thread; the page is read on the apply thread (a
// bounded number of transfers, microdata.h) and the call finishes there. Nothing blocks.
// Thread-safety: as the other services (services.h).
#pragma once

#include "kyoso/v1/research.grpc.pb.h"
#include "node/call_tracker.h"
#include "node/config.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/http_gateway.h"

namespace kyoso::node {

class ResearchService final : public v1::Research::CallbackService {
 public:
  ResearchService(CallTracker* calls, Gate* gate, Consensus* consensus, ResearchConfig config)
      : calls_(calls), gate_(gate), consensus_(consensus), config_(std::move(config)) {}
  grpc::ServerUnaryReactor* ExportMicrodata(grpc::CallbackServerContext* c,
                                            const v1::ExportMicrodataRequest* q,
                                            v1::MicrodataPage* r) override;

 private:
  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
  ResearchConfig config_;
};

// The HTTP gateway's /v1/microdata: the same pages as ExportMicrodata, the key loaded on
// the gateway's thread.
HttpRoute MicrodataRoute(const ResearchConfig& config);

}  // namespace kyoso::node
