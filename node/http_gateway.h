// HttpGateway: the node's read-only HTTP/JSON port, for dashboards, notebooks and
// Prometheus (docs/api.md, "HTTP gateway").
//
//   GET /v1/flow-table?currency=BUNJI&period=month&day=2026-03-01&payer_group=kind&...
//   GET /v1/program-metrics?currency=BUNJI&period=month&day=2026-03-01&program=fresh-food
//   GET /v1/releases, /v1/release?id=..., /v1/account-releases?account=...,
//       /v1/privacy-budget?currency=BUNJI&month=2026-03
//   GET /v1/microdata?currency=BUNJI&first_day=...&last_day=...&key=...   (researchers)
//   GET /metrics                     Prometheus text format (operators, auditors)
//
// A /v1 path takes the fields of its gRPC request message as query parameters and answers
// the reply message as JSON, field names as in the proto. It serves what the gRPC call
// serves, to the same roles: with TLS configured the port is HTTPS with client
// certificates required and verified, the caller's role comes from its certificate
// (access.h), and the gate decides (gate.h: the gRPC calls in flight, the certificate's
// rate, field sizes, the access table). /metrics is for operators and auditors. Errors are JSON
// {"code", "message"} with the HTTP status of the gRPC code. Reads run on the consensus's apply
// thread like gRPC reads (flow tables and metrics in two parts: the copy there, the
// protection on the node's worker); the gateway's own thread only accepts, parses and
// writes, so nothing blocks it.
//
// Thread-safety: Start, Stop and the destructor are called from one thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/status.h"
#include "node/access.h"
#include "node/call_tracker.h"
#include "node/config.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/http_query.h"
#include "node/worker.h"

namespace kyoso::node {

// One GET path answered from the applied ledger, as the gRPC call `rpc` answers.
struct HttpRoute {
  std::string path;                               // "/v1/flow-table"
  Rpc rpc;                                        // Its row in the access table.
  const google::protobuf::Message* request_type;  // The default instance of the request.
  const google::protobuf::Message* reply_type;    // And of the reply.
  // Fills `reply` (a new message of reply_type's type) for `request`; or takes what it
  // needs of the ledger and leaves the rest in `rest`, for the node's worker to run.
  using Serve =
      std::function<grpc::Status(const ledger::Ledger&, const google::protobuf::Message& request,
                                 google::protobuf::Message* reply, ReadRest* rest)>;
  Serve serve;
  // Optional: runs on the gateway's thread before the read (to load a key file, say) and
  // may replace the read to run (then `serve` may be empty); a status not OK answers the
  // request instead.
  std::function<grpc::Status(const google::protobuf::Message& request, Serve* read)> prepare;

  // A route from a typed read: serve(ledger, const Request&, Reply*), or with a last
  // ReadRest* for a read in two parts.
  template <typename Request, typename Reply, typename Typed>
  static HttpRoute Of(std::string path, Rpc rpc, Typed serve) {
    return {std::move(path),
            rpc,
            &Request::default_instance(),
            &Reply::default_instance(),
            [serve](const ledger::Ledger& ledger, const google::protobuf::Message& request,
                    google::protobuf::Message* reply, ReadRest* rest) {
              const auto& typed = static_cast<const Request&>(request);
              if constexpr (std::is_invocable_v<Typed, const ledger::Ledger&, const Request&,
                                                Reply*, ReadRest*>) {
                return serve(ledger, typed, static_cast<Reply*>(reply), rest);
              } else {
                return serve(ledger, typed, static_cast<Reply*>(reply));
              }
            },
            nullptr};
  }
};

// What the gateway reads from the rest of the node; all must outlive it.
struct HttpGatewayParts {
  const Access* access = nullptr;  // Who the caller's certificate names.
  Gate* gate = nullptr;            // Load, rate and size limits, then the access table.
  Consensus* consensus = nullptr;
  CallTracker* calls = nullptr;  // Counts each read in flight, for the load limit and the drain.
  Worker* worker = nullptr;      // Runs the rest of reads in two parts.
  int connections_max = 256;     // Open connections at most; more are closed at once.
  std::vector<HttpRoute> routes;
};

class HttpGateway {
 public:
  // Listens on `listen` ("127.0.0.1:0" picks a port): HTTPS when `tls` is enabled,
  // plain HTTP (every caller trusted, as on the gRPC port) when not.
  static ledger::StatusOr<std::unique_ptr<HttpGateway>> Start(const std::string& listen,
                                                              const TlsConfig& tls,
                                                              HttpGatewayParts parts);
  // Destroy it only once the consensus has stopped: a read in flight holds its connection.
  ~HttpGateway();

  // The address listened on, with the port chosen.
  const std::string& address() const;
  // Stops accepting and stops serving; idempotent. Open connections close when the
  // gateway is destroyed. Reads in flight are counted in `calls`: wait for them first.
  void Stop();

  struct Impl;

 private:
  explicit HttpGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kyoso::node
