// kyoso-admin cluster …: membership, leadership and a divergence check across nodes.
#include <iostream>
#include <sstream>

#include "admin-cli/admin.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

// Exit code of `cluster check` when nodes disagree on the chain head.
constexpr int kExitDiverged = 20;

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

json MembersJson(const google::protobuf::RepeatedPtrField<v1::ClusterMember>& members) {
  json out = json::array();
  for (const v1::ClusterMember& m : members) {
    out.push_back({{"id", m.id()},
                   {"raft_address", m.raft_address()},
                   {"api_address", m.api_address()},
                   {"role", m.role()}});
  }
  return out;
}

std::string MembersText(const google::protobuf::RepeatedPtrField<v1::ClusterMember>& members) {
  std::string text;
  for (const v1::ClusterMember& m : members) {
    text += "\n  " + std::to_string(m.id()) + " " + m.role() + " raft " + m.raft_address() +
            (m.api_address().empty() ? "" : ", api " + m.api_address());
  }
  return text;
}

using ChangeCall =
    std::function<grpc::Status(v1::Cluster::Stub&, grpc::ClientContext*, v1::ClusterChangeReply*)>;

int RunChange(AdminTool& tool, const std::string& done, const ChangeCall& call) {
  auto stub = v1::Cluster::NewStub(cli::Connect(tool.options));
  grpc::ClientContext context;
  cli::SetDeadline(&context, tool.options);
  v1::ClusterChangeReply reply;
  grpc::Status status = call(*stub, &context, &reply);
  if (!status.ok()) return tool.Fail(status, context);
  return tool.Print({{"members", MembersJson(reply.members())}},
                    done + MembersText(reply.members()));
}

struct NodeReport {
  std::string address;
  std::optional<v1::NodeStatus> status;
  std::optional<v1::ChainHeadAt> head;
  std::string error;
};

// Calls `rpc` on the node at `address` with the tool's deadline; the reply, or nullopt
// with *error set.
template <typename Request, typename Reply>
std::optional<Reply> CallNode(const AdminTool& tool, const std::string& address,
                              grpc::Status (v1::Node::Stub::*rpc)(grpc::ClientContext*,
                                                                  const Request&, Reply*),
                              const Request& request, std::string* error) {
  cli::ClientOptions options = tool.options;
  options.node = address;
  auto stub = v1::Node::NewStub(cli::Connect(options));
  grpc::ClientContext context;
  cli::SetDeadline(&context, options);
  Reply reply;
  grpc::Status call = ((*stub).*rpc)(&context, request, &reply);
  if (!call.ok()) {
    *error = call.error_message();
    return std::nullopt;
  }
  return reply;
}

std::optional<v1::NodeStatus> FetchStatus(const std::string& address, const AdminTool& tool,
                                          std::string* error) {
  return CallNode(tool, address, &v1::Node::Stub::GetStatus, v1::GetStatusRequest(), error);
}

std::optional<v1::ChainHeadAt> FetchHead(const std::string& address, const AdminTool& tool,
                                         uint64_t index, std::string* error) {
  v1::GetChainHeadRequest request;
  request.set_index(index);
  return CallNode(tool, address, &v1::Node::Stub::GetChainHead, request, error);
}

json ReportJson(const NodeReport& r) {
  json out = {{"address", r.address}};
  if (!r.status) {
    out["error"] = r.error;
    return out;
  }
  const v1::NodeStatus& s = *r.status;
  out.update({{"raft_id", s.raft_id()},
              {"role", s.role()},
              {"term", s.term()},
              {"commit_index", s.commit_index()},
              {"raft_applied_index", s.raft_applied_index()},
              {"applied_index", s.applied_index()},
              {"chain_head", s.chain_head_hex()}});
  if (r.head) out["compared_head"] = r.head->chain_head_hex();
  return out;
}

std::string ReportText(const NodeReport& r) {
  if (!r.status) return r.address + ": unreachable (" + r.error + ")";
  const v1::NodeStatus& s = *r.status;
  return r.address + ": node " + std::to_string(s.raft_id()) + " " + s.role() + ", term " +
         std::to_string(s.term()) + ", commit " + std::to_string(s.commit_index()) + ", applied " +
         std::to_string(s.raft_applied_index()) + ", ledger batch " +
         std::to_string(s.applied_index());
}

// Asks every node for its status, then for its chain head at the lowest raft index all
// have applied, and reports whether they agree.
int Check(AdminTool& tool, const std::string& list) {
  std::vector<NodeReport> reports;
  uint64_t lowest = UINT64_MAX;
  for (const std::string& address : SplitList(list)) {
    NodeReport report{address, std::nullopt, std::nullopt, ""};
    report.status = FetchStatus(address, tool, &report.error);
    if (report.status) lowest = std::min(lowest, report.status->raft_applied_index());
    reports.push_back(std::move(report));
  }
  std::set<std::pair<uint64_t, std::string>> heads;
  for (NodeReport& report : reports) {
    if (!report.status) continue;
    report.head = FetchHead(report.address, tool, lowest, &report.error);
    if (report.head) heads.emplace(report.head->index(), report.head->chain_head_hex());
  }
  bool consistent = heads.size() <= 1;
  json nodes = json::array();
  std::string text;
  for (const NodeReport& report : reports) {
    nodes.push_back(ReportJson(report));
    text += ReportText(report) + "\n";
  }
  if (heads.empty()) {
    text += "no node could be compared";
  } else if (consistent) {
    text += "consistent: every node reached has chain head " + heads.begin()->second.substr(0, 16) +
            "… at raft index " + std::to_string(heads.begin()->first);
  } else {
    text +=
        "DIVERGED: the nodes hold different chain heads at raft index " + std::to_string(lowest);
  }
  tool.Print({{"nodes", nodes},
              {"compared_at", lowest == UINT64_MAX ? 0 : lowest},
              {"consistent", consistent && !heads.empty()}},
             text);
  if (heads.empty()) return cli::kExitUnreachable;
  return consistent ? cli::kExitOk : kExitDiverged;
}

}  // namespace

void AddClusterCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* cluster = app.add_subcommand("cluster", "Raft cluster membership and checks");
  cluster->require_subcommand(1);

  auto id = std::make_shared<uint64_t>(0);
  auto address = std::make_shared<std::string>();
  CLI::App* add = cluster->add_subcommand(
      "add", "Add a node: it joins as a non-voter, catches up, and becomes a voter");
  add->add_option("id", *id, "The new node's raft id")->required();
  add->add_option("raft_address", *address, "Its raft transport, host:port")->required();
  add->callback([&tool, id, address] {
    tool.run = [&tool, id, address] {
      return RunChange(tool, "Added node " + std::to_string(*id),
                       [&](v1::Cluster::Stub& stub, grpc::ClientContext* context,
                           v1::ClusterChangeReply* reply) {
                         v1::AddNodeRequest request;
                         request.set_id(*id);
                         request.set_raft_address(*address);
                         return stub.AddNode(context, request, reply);
                       });
    };
  });

  CLI::App* remove = cluster->add_subcommand("remove", "Remove a node from the cluster");
  remove->add_option("id", *id, "The node's raft id")->required();
  remove->callback([&tool, id] {
    tool.run = [&tool, id] {
      return RunChange(tool, "Removed node " + std::to_string(*id),
                       [&](v1::Cluster::Stub& stub, grpc::ClientContext* context,
                           v1::ClusterChangeReply* reply) {
                         v1::RemoveNodeRequest request;
                         request.set_id(*id);
                         return stub.RemoveNode(context, request, reply);
                       });
    };
  });

  CLI::App* transfer =
      cluster->add_subcommand("transfer", "Hand leadership to another voter (maintenance)");
  transfer->add_option("id", *id, "The voter to lead (default: any up-to-date one)");
  transfer->callback([&tool, id] {
    tool.run = [&tool, id] {
      return RunChange(tool, "Leadership transferred",
                       [&](v1::Cluster::Stub& stub, grpc::ClientContext* context,
                           v1::ClusterChangeReply* reply) {
                         v1::TransferLeadershipRequest request;
                         request.set_id(*id);
                         return stub.TransferLeadership(context, request, reply);
                       });
    };
  });

  auto nodes = std::make_shared<std::string>();
  CLI::App* check = cluster->add_subcommand(
      "check", "Each node's indices, and whether all hold the same chain head");
  check->add_option("--nodes", *nodes, "API addresses, comma-separated")->required();
  check->callback([&tool, nodes] { tool.run = [&tool, nodes] { return Check(tool, *nodes); }; });
}

}  // namespace kyoso::admin
