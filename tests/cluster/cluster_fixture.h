// The three-node cluster the cluster tests run (tests/cluster/): real kyoso-node
// processes on loopback, mutual TLS on every port (the raft peers' too), with clients
// for each node (payers, the issuer's town, operators and auditors) and the checks the
// tests share (every acknowledged payment on every node, money adding up, equal chain
// heads), and a node's rejoining after its data is lost.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "support/certificates.h"
#include "support/env.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {

using namespace std::chrono_literals;

constexpr int kNodes = 3;
constexpr int kPayers = 6;
constexpr int64_t kStartBalance = 10'000'000;

struct Acknowledged {
  std::string id;
  uint64_t seq;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { StartCluster(512, 1'024); }

  // libraft 0.22.1 crashes a follower that is sent a snapshot while it writes one of its
  // own (docs/operations.md): keeping more log than the snapshot interval makes a node
  // that was down for a few seconds catch up from the log instead.
  void StartCluster(int threshold, int trailing) {
    threshold_ = threshold;
    trailing_ = trailing;
    ASSERT_TRUE(certificates_.ok()) << certificates_.error();
    for (int p = 0; p < kPayers; ++p) {
      ASSERT_TRUE(certificates_.AddClient("resident", "payer-" + std::to_string(p), Payer(p)))
          << certificates_.error();
    }
    std::string peers;
    for (int i = 0; i < kNodes; ++i) {
      api_ports_[i] = FreePort();
      raft_ports_[i] = FreePort();
      peers +=
          (i ? "," : "") + std::to_string(i + 1) + "@127.0.0.1:" + std::to_string(raft_ports_[i]);
    }
    for (int i = 0; i < kNodes; ++i) {
      nodes_[i] = std::make_unique<NodeProcess>(temp_.path() / ("node-" + std::to_string(i + 1)),
                                                NodeArgs(i, peers, threshold, trailing));
      ASSERT_TRUE(nodes_[i]->Start()) << nodes_[i]->log();
      operators_[i] = Channel(i, "operator");
      auditors_[i] = Channel(i, "auditor");
      for (int p = 0; p < kPayers; ++p) payers_[p][i] = Channel(i, "payer-" + std::to_string(p));
    }
    ASSERT_TRUE(WaitForLeader());
    SetUpTown();
  }

  // A channel to node i presenting certificate `name`. Nodes come and go: it reconnects
  // quickly rather than back off for minutes.
  std::shared_ptr<grpc::Channel> Channel(int i, const std::string& name) const {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    return grpc::CreateCustomChannel(Address(i), certificates_.Credentials(name), arguments);
  }

  void SetUpTown() {
    // Set up through node 2: a follower forwards, or the leader applies, either works.
    town_ = std::make_unique<TownClient>(Channel(1, "issuer"));
    ASSERT_TRUE(town_->SetUpTown());
    for (int p = 0; p < kPayers; ++p) {
      auto added = town_->AddResident(Payer(p));
      ASSERT_TRUE(added.status.ok()) << added.status.error_message();
      auto issued = town_->Issue(Payer(p), kStartBalance);
      ASSERT_TRUE(issued.status.ok()) << issued.status.error_message();
    }
  }

  // Node i's flags; `peers` only for the founding start. Snapshots every `threshold`
  // entries, keeping `trailing` entries of log after each. No rate limit: the checks at
  // the end read every acknowledged payment from every node as one auditor.
  std::vector<std::string> NodeArgs(int i, const std::string& peers, int threshold = 512,
                                    int trailing = 1'024) const {
    std::vector<std::string> args = {"--listen",
                                     Address(i),
                                     "--node-id",
                                     "node-" + std::to_string(i + 1),
                                     "--raft-id",
                                     std::to_string(i + 1),
                                     "--raft-listen",
                                     "127.0.0.1:" + std::to_string(raft_ports_[i]),
                                     "--election-timeout-ms",
                                     "600",
                                     "--snapshot-threshold",
                                     std::to_string(threshold),
                                     "--snapshot-trailing",
                                     std::to_string(trailing)};
    if (!peers.empty()) args.insert(args.end(), {"--peers", peers});
    std::vector<std::string> tls = certificates_.NodeFlags("node-" + std::to_string(i + 1));
    args.insert(args.end(), tls.begin(), tls.end());
    args.insert(args.end(), {"--calls-per-second", "0"});
    return args;
  }

  std::string Address(int i) const { return "127.0.0.1:" + std::to_string(api_ports_[i]); }
  static std::string Payer(int p) { return "res:payer" + std::to_string(p); }

  std::optional<v1::NodeStatus> Status(int i) {
    auto stub = v1::Node::NewStub(operators_[i]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 2s);
    v1::NodeStatus status;
    grpc::Status call = stub->GetStatus(&context, v1::GetStatusRequest(), &status);
    if (!call.ok()) return std::nullopt;
    return status;
  }

  // Waits until every node knows the same leader's address.
  bool WaitForLeader() {
    for (int attempt = 0; attempt < 200; ++attempt) {
      std::set<std::string> leaders;
      for (int i = 0; i < kNodes; ++i) {
        std::optional<v1::NodeStatus> status = Status(i);
        leaders.insert(status ? status->leader_address() : "");
      }
      if (leaders.size() == 1 && !leaders.begin()->empty()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // The node currently leading, or -1.
  int Leader() {
    for (int i = 0; i < kNodes; ++i) {
      std::optional<v1::NodeStatus> status = Status(i);
      if (status && status->role() == "leader") return i;
    }
    return -1;
  }

  // A node whose data is lost rejoins as docs/operations.md says: removed from the
  // configuration, emptied, started without founding peers, and added again, so that the
  // leader forgets what it knew of the old log (raft assumes a log never goes back) and
  // sends it everything anew: its log, or a snapshot when the log was compacted.
  void WipeAndRejoin(int i) {
    ASSERT_EQ(nodes_[i]->Stop(), 0) << nodes_[i]->log();
    std::filesystem::remove_all(nodes_[i]->data_dir());
    ASSERT_TRUE(ChangeMembership(i, false)) << "node " << i + 1 << " was not removed";
    nodes_[i] = std::make_unique<NodeProcess>(nodes_[i]->data_dir(),
                                              NodeArgs(i, "", threshold_, trailing_));
    ASSERT_TRUE(nodes_[i]->Start()) << nodes_[i]->log();
    ASSERT_TRUE(ChangeMembership(i, true)) << "node " << i + 1 << " was not added\n"
                                           << nodes_[i]->log();
  }

  // Asks the leader to add node i (at its raft address) or to remove it; retries while
  // leadership settles.
  bool ChangeMembership(int i, bool add) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      int leader = Leader();
      if (leader >= 0 && leader != i) {
        auto stub = v1::Cluster::NewStub(operators_[leader]);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 60s);
        v1::ClusterChangeReply reply;
        grpc::Status changed;
        if (add) {
          v1::AddNodeRequest request;
          request.set_id(static_cast<uint64_t>(i + 1));
          request.set_raft_address("127.0.0.1:" + std::to_string(raft_ports_[i]));
          changed = stub->AddNode(&context, request, &reply);
        } else {
          v1::RemoveNodeRequest request;
          request.set_id(static_cast<uint64_t>(i + 1));
          changed = stub->RemoveNode(&context, request, &reply);
        }
        if (changed.ok()) return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  // `count` payments, each acknowledged (a test failure otherwise), from the payers in
  // turn through the nodes in turn.
  std::vector<Acknowledged> PayAcknowledged(int count) {
    std::vector<Acknowledged> acknowledged;
    for (int i = 0; i < count; ++i) {
      std::optional<Acknowledged> ack = PayUntilAcknowledged(i % kPayers, i % kNodes, 10);
      EXPECT_TRUE(ack.has_value()) << "payment " << i << " was not acknowledged";
      if (ack) acknowledged.push_back(*ack);
    }
    return acknowledged;
  }

  // Sends one signed payment, retrying the same transfer on each node in turn until one
  // acknowledges it or `attempts` run out.
  std::optional<Acknowledged> PayUntilAcknowledged(int payer, int first_node, int attempts) {
    v1::Transfer transfer = town_->NewTransfer(Payer(payer), "mch:grocer", 1 + payer);
    town_->Sign(&transfer, "payment");
    v1::TransferRequest request;
    *request.mutable_transfer() = transfer;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      int node = (first_node + attempt) % kNodes;
      auto stub = v1::Money::NewStub(payers_[payer][node]);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 3s);
      v1::TransferReply reply;
      grpc::Status status = stub->Pay(&context, request, &reply);
      if (status.ok()) return Acknowledged{reply.id(), reply.outcome().seq()};
      if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return std::nullopt;
      std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
  }

  // Waits until every node has applied the highest index any node has committed, and
  // returns that index (0 when they did not get there in time). Ticks go on meanwhile.
  uint64_t WaitForConvergence() {
    uint64_t target = 0;
    for (int i = 0; i < kNodes; ++i) {
      std::optional<v1::NodeStatus> status = Status(i);
      if (status) target = std::max(target, status->commit_index());
    }
    for (int attempt = 0; attempt < 600 && target > 0; ++attempt) {
      bool all = true;
      for (int i = 0; i < kNodes; ++i) {
        std::optional<v1::NodeStatus> status = Status(i);
        all = all && status && status->raft_applied_index() >= target;
      }
      if (all) return target;
      std::this_thread::sleep_for(100ms);
    }
    return 0;
  }

  std::string LogTails() const {
    std::string out;
    for (int i = 0; i < kNodes; ++i) {
      std::string log = nodes_[i]->log();
      size_t from = log.size() > 3'000 ? log.size() - 3'000 : 0;
      out += "--- node " + std::to_string(i + 1) +
             (nodes_[i]->running() && nodes_[i]->Alive() ? " (running)" : " (exited)") + "\n" +
             log.substr(from) + "\n";
    }
    return out;
  }

  std::optional<std::string> HeadAt(int i, uint64_t index) {
    auto stub = v1::Node::NewStub(operators_[i]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 2s);
    v1::GetChainHeadRequest request;
    request.set_index(index);
    v1::ChainHeadAt head;
    if (!stub->GetChainHead(&context, request, &head).ok()) return std::nullopt;
    return std::to_string(head.index()) + " " + head.chain_head_hex();
  }

  // Reads a transfer from node i's own state (a stale-allowed read: no forwarding).
  grpc::Status LocalTransfer(int i, const std::string& id, v1::TransferRecord* record) {
    auto stub = v1::Query::NewStub(auditors_[i]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::GetTransferRequest request;
    request.set_id(id);
    request.set_stale_ok(true);
    return stub->GetTransfer(&context, request, record);
  }

  int64_t LocalBalance(int i, const std::string& account) {
    auto stub = v1::Query::NewStub(auditors_[i]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::GetAccountRequest request;
    request.set_id(account);
    request.set_stale_ok(true);
    v1::Account reply;
    grpc::Status status = stub->GetAccount(&context, request, &reply);
    EXPECT_TRUE(status.ok()) << account << " on node " << i + 1 << ": " << status.error_message();
    return reply.balance_minor();
  }

  // Every acknowledged payment on every node with its sequence number, the payers' and
  // the grocer's money adding up, and one chain head.
  void ExpectEveryNodeHoldsEverything(const std::vector<Acknowledged>& acknowledged) {
    uint64_t converged = WaitForConvergence();
    ASSERT_GT(converged, 0u) << "the nodes did not converge; their logs end:\n" << LogTails();
    // Compare where every node has applied and remembers its head (a node restored from a
    // snapshot remembers heads from the snapshot on).
    std::set<std::string> heads;
    for (int attempt = 0; attempt < 50; ++attempt) {
      uint64_t lowest = UINT64_MAX;
      for (int i = 0; i < kNodes; ++i) {
        std::optional<v1::NodeStatus> status = Status(i);
        if (status) lowest = std::min(lowest, status->raft_applied_index());
      }
      heads.clear();
      bool all = true;
      for (int i = 0; i < kNodes; ++i) {
        std::optional<std::string> head = HeadAt(i, lowest);
        all = all && head.has_value();
        if (head) heads.insert(*head);
      }
      if (all) break;
      heads.clear();
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_FALSE(heads.empty()) << "no index where every node knows its chain head";
    EXPECT_EQ(heads.size(), 1u) << "the nodes hold different chain heads";
    for (int i = 0; i < kNodes; ++i) {
      for (const Acknowledged& ack : acknowledged) {
        v1::TransferRecord record;
        grpc::Status found = LocalTransfer(i, ack.id, &record);
        ASSERT_TRUE(found.ok()) << ack.id << " was acknowledged but node " << i + 1
                                << " lacks it: " << found.error_message();
        EXPECT_EQ(record.outcome().seq(), ack.seq) << ack.id << " on node " << i + 1;
      }
      int64_t total = LocalBalance(i, "mch:grocer");
      for (int p = 0; p < kPayers; ++p) total += LocalBalance(i, Payer(p));
      EXPECT_EQ(total, kPayers * kStartBalance) << "money appeared or vanished on node " << i + 1;
    }
  }

  TempDir temp_;
  TestCertificates certificates_{temp_.path() / "certs"};
  int threshold_ = 0;
  int trailing_ = 0;
  int api_ports_[kNodes] = {};
  int raft_ports_[kNodes] = {};
  std::unique_ptr<NodeProcess> nodes_[kNodes];
  std::shared_ptr<grpc::Channel> operators_[kNodes];  // Status, chain heads, membership.
  std::shared_ptr<grpc::Channel> auditors_[kNodes];   // Each node's own state.
  std::shared_ptr<grpc::Channel> payers_[kPayers][kNodes];
  std::unique_ptr<TownClient> town_;
};

}  // namespace kyoso::testing
