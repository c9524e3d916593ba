// Flow tables for the municipality (Query/GetFlowTable): the request read into a flow
// query, and the table the ledger builds under disclosure control (docs/flows.md) written
// into the reply, suppressed cells and totals without their figures. Programme metrics
// (Query/GetProgramMetrics) likewise.
#pragma once

#include <grpcpp/grpcpp.h>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/served_tables.h"
#include "kyoso/v1/query.pb.h"
#include "node/http_gateway.h"

namespace kyoso::node {

// How the node serves flow tables and metrics: its disclosure rules, and the served
// tables it keeps of ended months (shared by the gRPC and HTTP paths; used only on the
// apply thread, where reads run).
struct FlowServing {
  ledger::DisclosureRules rules;
  std::shared_ptr<ledger::ServedCache> cache = std::make_shared<ledger::ServedCache>();
};

// INVALID_ARGUMENT naming the field when the request is not a valid table.
grpc::Status ToFlowQuery(const v1::FlowTableRequest& request, ledger::FlowQuery* query);

// The table as served (kyoso/ledger/served_tables.h): protected with its period's family
// (other groupings and monies) and, for a day or a week, with its month's days.
// NOT_FOUND for a currency, or a programme of it, the ledger does not know.
grpc::Status ServeFlowTable(const ledger::Ledger& ledger, const ledger::FlowQuery& query,
                            const FlowServing& serving, v1::FlowTable* reply);

// A programme's metrics (kyoso/ledger/metrics.h) under `rules`. INVALID_ARGUMENT naming
// the field for a malformed request; NOT_FOUND for an unknown currency or programme.
grpc::Status ServeProgramMetrics(const ledger::Ledger& ledger, const v1::ProgramMetricsRequest& q,
                                 const FlowServing& serving, v1::ProgramMetrics* reply);

// The HTTP gateway's paths for the same two calls: /v1/flow-table and
// /v1/program-metrics.
std::vector<HttpRoute> FlowRoutes(const FlowServing& serving);

}  // namespace kyoso::node
