// The node and cluster services of kyoso.v1: a node's status and chain heads (Node),
// membership and leadership changes (Cluster), and checkpoint files for peers that
// install a snapshot (Peer).
//
// Node and Cluster are callback services that never block; Peer's FetchCheckpoint
// streams files from disk on gRPC's synchronous API (its own threads), its other methods
// are callbacks. GrpcLeaderLink is the follower's side of Peer.
// Thread-safety: gRPC calls these from its threads; every member they use is
// thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "kyoso/v1/node.grpc.pb.h"
#include "node/call_tracker.h"
#include "node/consensus.h"
#include "node/gate.h"
#include "node/raft/raft_consensus.h"

namespace kyoso::node {

class NodeService final : public v1::Node::CallbackService {
 public:
  NodeService(CallTracker* calls, Gate* gate, Consensus* consensus, std::string node_id)
      : calls_(calls), gate_(gate), consensus_(consensus), node_id_(std::move(node_id)) {}
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::NodeStatus* reply) override;
  grpc::ServerUnaryReactor* GetChainHead(grpc::CallbackServerContext* context,
                                         const v1::GetChainHeadRequest* request,
                                         v1::ChainHeadAt* reply) override;

 private:
  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
  std::string node_id_;
};

class ClusterService final : public v1::Cluster::CallbackService {
 public:
  ClusterService(CallTracker* calls, Gate* gate, Consensus* consensus)
      : calls_(calls), gate_(gate), consensus_(consensus) {}
  grpc::ServerUnaryReactor* AddNode(grpc::CallbackServerContext* context,
                                    const v1::AddNodeRequest* request,
                                    v1::ClusterChangeReply* reply) override;
  grpc::ServerUnaryReactor* RemoveNode(grpc::CallbackServerContext* context,
                                       const v1::RemoveNodeRequest* request,
                                       v1::ClusterChangeReply* reply) override;
  grpc::ServerUnaryReactor* TransferLeadership(grpc::CallbackServerContext* context,
                                               const v1::TransferLeadershipRequest* request,
                                               v1::ClusterChangeReply* reply) override;

 private:
  grpc::ServerUnaryReactor* Change(grpc::ServerUnaryReactor* reactor, MembershipChange change,
                                   v1::ClusterChangeReply* reply);
  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
};

class PeerService final : public v1::Peer::WithCallbackMethod_ForwardBatch<
                              v1::Peer::WithCallbackMethod_ReadIndex<v1::Peer::Service>> {
 public:
  // `locate` gives the directory of a checkpoint kept for a raft index or a later one, if
  // any (RocksDbCheckpoints::Locate).
  using Locate = std::function<std::optional<std::string>(uint64_t raft_index)>;
  PeerService(CallTracker* calls, Gate* gate, Consensus* consensus, Locate locate)
      : calls_(calls), gate_(gate), consensus_(consensus), locate_(std::move(locate)) {}
  grpc::ServerUnaryReactor* ForwardBatch(grpc::CallbackServerContext* context,
                                         const v1::ForwardBatchRequest* request,
                                         v1::ForwardBatchReply* reply) override;
  grpc::ServerUnaryReactor* ReadIndex(grpc::CallbackServerContext* context,
                                      const v1::ReadIndexRequest* request,
                                      v1::ReadIndexReply* reply) override;
  grpc::Status FetchCheckpoint(grpc::ServerContext* context,
                               const v1::FetchCheckpointRequest* request,
                               grpc::ServerWriter<v1::CheckpointChunk>* writer) override;

 private:
  CallTracker* calls_;
  Gate* gate_;
  Consensus* consensus_;
  Locate locate_;
};

// The follower's side of Peer: forwards batches and read-index requests to the leader
// with asynchronous gRPC calls, one channel per leader address.
class GrpcLeaderLink final : public LeaderLink {
 public:
  // `credentials`: this node's own (TLS with its node certificate, or insecure).
  explicit GrpcLeaderLink(std::shared_ptr<grpc::ChannelCredentials> credentials)
      : credentials_(std::move(credentials)) {}
  void ForwardBatch(const std::string& leader_api, const ledger::Batch& batch,
                    BatchDone done) override;
  void ReadIndex(const std::string& leader_api, IndexDone done) override;

 private:
  v1::Peer::Stub& StubFor(const std::string& address);
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<v1::Peer::Stub>> stubs_;
};

// Fetches the checkpoint at `raft_index` from the node at `api_address` into `into`.
ledger::Status FetchCheckpointFrom(const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                   const std::string& api_address, uint64_t raft_index,
                                   const std::string& into);

}  // namespace kyoso::node
