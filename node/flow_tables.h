// Flow tables for the municipality (Query/GetFlowTable): the request read into a flow
// query, and the table the ledger builds under disclosure control (docs/flows.md) written
// into the reply, suppressed cells and totals without their figures. Programme metrics
// (Query/GetProgramMetrics) likewise.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/served_tables.h"
#include "kyoso/v1/query.pb.h"
#include "node/http_gateway.h"
#include "node/worker.h"

namespace kyoso::node {

// The node's kept served tables: a ServedCache the apply thread (taking snapshots) and
// the worker (serving from them) share.
class SharedServedCache : public ledger::ServedCache {
 public:
  Kept Find(const std::string& key) const override;
  void Keep(std::string key, std::vector<ledger::ProtectedTable> family) override;

 private:
  mutable std::mutex mutex_;
};

// How the node serves flow tables and metrics: its disclosure rules, the served tables it
// keeps (ServedCache), and the worker that protects tables off the apply thread (shared
// by the gRPC and HTTP paths).
struct FlowServing {
  ledger::DisclosureRules rules;
  std::shared_ptr<SharedServedCache> cache = std::make_shared<SharedServedCache>();
  Worker* worker = nullptr;
};

// INVALID_ARGUMENT naming the field when the request is not a valid table.
grpc::Status ToFlowQuery(const v1::FlowTableRequest& request, ledger::FlowQuery* query);

// The table as served (kyoso/ledger/served_tables.h): protected with its period's family
// (other groupings and monies) and, for a day or a week, with its month's days. On the
// apply thread this takes what it needs of the ledger and leaves in `rest` the
// protection, which fills `reply` (the caller runs it on the worker). NOT_FOUND for a
// currency, or a programme of it, the ledger does not know.
grpc::Status TakeFlowTable(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                           const FlowServing& serving, v1::FlowTable* reply, ReadRest* rest);

// A programme's metrics (kyoso/ledger/metrics.h) under the node's rules, likewise in two
// parts. INVALID_ARGUMENT naming the field for a malformed request; NOT_FOUND for an
// unknown currency or programme.
grpc::Status TakeProgramMetrics(const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                                const FlowServing& serving, v1::ProgramMetrics* reply,
                                ReadRest* rest);

// The HTTP gateway's paths for the same two calls: /v1/flow-table and
// /v1/program-metrics.
std::vector<HttpRoute> FlowRoutes(const FlowServing& serving);

}  // namespace kyoso::node
