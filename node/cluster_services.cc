#include "node/cluster_services.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kyoso/crypto/encoding.h"
#include "kyoso/ledger/codec.h"
#include "node/translate.h"

namespace kyoso::node {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 1 << 20;

void ToProto(const ClusterMember& member, v1::ClusterMember* out) {
  out->set_id(member.id);
  out->set_raft_address(member.raft_address);
  out->set_api_address(member.api_address);
  out->set_role(member.role);
}

std::string HeadHex(const ledger::ChainHead& head) {
  return crypto::ToHex(std::string_view(reinterpret_cast<const char*>(head.data()), head.size()));
}

}  // namespace

// --- Node ---

grpc::ServerUnaryReactor* NodeService::GetStatus(grpc::CallbackServerContext* context,
                                                 const v1::GetStatusRequest* q, v1::NodeStatus* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kGetStatus, *q, reactor)) return reactor;
  RoleInfo role = consensus_->Role();
  consensus_->Inspect(
      0, [this, reactor, r, role](const ledger::Status& status, const ClusterView* view,
                                  const ledger::Ledger* ledger) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        const ledger::ChainHead& head = ledger->chain_head();
        r->set_node_id(node_id_);
        r->set_role(role.role);
        r->set_leader_address(role.leader_address);
        r->set_applied_index(ledger->applied_index());
        r->set_chain_head(std::string(head.begin(), head.end()));
        r->set_chain_head_hex(HeadHex(head));
        r->set_last_seq(ledger->last_seq());
        r->set_last_timestamp_ns(ledger->last_timestamp());
        r->set_version(KYOSO_VERSION);
        r->set_raft_id(view->node_id);
        r->set_term(view->term);
        r->set_commit_index(view->commit_index);
        r->set_raft_applied_index(view->applied_index);
        r->set_leader_id(view->leader_id);
        for (const ClusterMember& member : view->members) ToProto(member, r->add_members());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* NodeService::GetChainHead(grpc::CallbackServerContext* context,
                                                    const v1::GetChainHeadRequest* q,
                                                    v1::ChainHeadAt* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kGetChainHead, *q, reactor)) return reactor;
  uint64_t index = q->index();
  consensus_->Inspect(
      index, [reactor, r, index](const ledger::Status& status, const ClusterView* view,
                                 const ledger::Ledger* /*ledger*/) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        if (!view->head_at || view->applied_index < index) {
          return reactor->Finish({grpc::StatusCode::NOT_FOUND,
                                  "this node has not reached raft index " + std::to_string(index) +
                                      " or no longer remembers its chain head"});
        }
        r->set_index(view->head_at->first);
        r->set_chain_head_hex(HeadHex(view->head_at->second));
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

// --- Cluster ---

grpc::ServerUnaryReactor* ClusterService::Change(grpc::ServerUnaryReactor* reactor,
                                                 MembershipChange change,
                                                 v1::ClusterChangeReply* reply) {
  Consensus* consensus = consensus_;
  consensus_->ChangeMembership(
      std::move(change), [consensus, reactor, reply](const ledger::Status& status) {
        if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
        consensus->Inspect(0, [reactor, reply](const ledger::Status& inspected,
                                               const ClusterView* view, const ledger::Ledger*) {
          if (inspected.ok()) {
            for (const ClusterMember& member : view->members) {
              ToProto(member, reply->add_members());
            }
          }
          reactor->Finish(grpc::Status::OK);
        });
      });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterService::AddNode(grpc::CallbackServerContext* context,
                                                  const v1::AddNodeRequest* q,
                                                  v1::ClusterChangeReply* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kAddNode, *q, reactor)) return reactor;
  if (q->id() == 0 || q->raft_address().empty()) {
    reactor->Finish(InvalidField("id and raft_address", "are required (id > 0)"));
    return reactor;
  }
  return Change(reactor, {MembershipChange::Kind::kAdd, q->id(), q->raft_address()}, r);
}

grpc::ServerUnaryReactor* ClusterService::RemoveNode(grpc::CallbackServerContext* context,
                                                     const v1::RemoveNodeRequest* q,
                                                     v1::ClusterChangeReply* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kRemoveNode, *q, reactor)) return reactor;
  if (q->id() == 0) {
    reactor->Finish(InvalidField("id", "is required (> 0)"));
    return reactor;
  }
  return Change(reactor, {MembershipChange::Kind::kRemove, q->id(), ""}, r);
}

grpc::ServerUnaryReactor* ClusterService::TransferLeadership(grpc::CallbackServerContext* context,
                                                             const v1::TransferLeadershipRequest* q,
                                                             v1::ClusterChangeReply* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kTransferLeadership, *q, reactor)) return reactor;
  return Change(reactor, {MembershipChange::Kind::kTransferLeadership, q->id(), ""}, r);
}

// --- Peer ---

grpc::ServerUnaryReactor* PeerService::ForwardBatch(grpc::CallbackServerContext* context,
                                                    const v1::ForwardBatchRequest* q,
                                                    v1::ForwardBatchReply* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kForwardBatch, *q, reactor)) return reactor;
  ledger::StatusOr<ledger::Batch> batch = ledger::DecodeBatch(q->batch());
  if (!batch.ok()) {
    reactor->Finish(InvalidField("batch", batch.status().message()));
    return reactor;
  }
  // The leader stamps the time of what it proposes.
  batch->timestamp = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  consensus_->Propose(std::move(batch).value(), [reactor, r](const ledger::Status& status,
                                                             const ledger::BatchResult* result) {
    if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
    ledger::EncodeResults(result->results, r->mutable_results());
    r->set_chain_head(std::string(result->chain_head.begin(), result->chain_head.end()));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* PeerService::ReadIndex(grpc::CallbackServerContext* context,
                                                 const v1::ReadIndexRequest* q,
                                                 v1::ReadIndexReply* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, Rpc::kReadIndex, *q, reactor)) return reactor;
  consensus_->ConfirmLeadership([reactor, r](const ledger::Status& status, uint64_t index) {
    if (!status.ok()) return reactor->Finish(ToGrpcStatus(status));
    r->set_index(index);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::Status PeerService::FetchCheckpoint(grpc::ServerContext* context,
                                          const v1::FetchCheckpointRequest* q,
                                          grpc::ServerWriter<v1::CheckpointChunk>* writer) {
  grpc::Status allowed = gate_->Admit(*context, Rpc::kFetchCheckpoint, *q);
  if (!allowed.ok()) return allowed;
  std::optional<std::string> dir = locate_(q->raft_index());
  if (!dir) {
    return {grpc::StatusCode::NOT_FOUND,
            "no checkpoint kept for raft index " + std::to_string(q->raft_index()) + " or later"};
  }
  std::error_code error;
  std::vector<char> buffer(kChunkBytes);
  for (const fs::directory_entry& file : fs::directory_iterator(*dir, error)) {
    std::ifstream in(file.path(), std::ios::binary);
    uint64_t offset = 0;
    bool last = false;
    while (!last) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      std::streamsize got = in.gcount();
      if (in.bad()) return {grpc::StatusCode::INTERNAL, "cannot read " + file.path().string()};
      last = in.eof();
      v1::CheckpointChunk chunk;
      chunk.set_file(file.path().filename().string());
      chunk.set_offset(offset);
      chunk.set_data(buffer.data(), static_cast<size_t>(got));
      chunk.set_last_of_file(last);
      offset += static_cast<uint64_t>(got);
      if (!writer->Write(chunk)) return {grpc::StatusCode::CANCELLED, "the fetcher went away"};
    }
  }
  if (error) return {grpc::StatusCode::INTERNAL, "cannot list " + *dir + ": " + error.message()};
  return grpc::Status::OK;
}

// --- GrpcLeaderLink ---

namespace {

// How long a follower waits for the leader to apply a forwarded batch or confirm a read.
constexpr auto kLeaderCallTimeout = std::chrono::seconds(10);

ledger::Status FromGrpc(const grpc::Status& status) {
  // Whatever went wrong on the way to the leader, the client may retry (same ids).
  return ledger::Status::FailedPrecondition("forwarding to the leader failed: " +
                                            status.error_message());
}

}  // namespace

// One asynchronous call to the leader: what must live until its callback has run.
template <typename Request, typename Reply, typename Done>
struct LeaderCall {
  explicit LeaderCall(Done d) : done(std::move(d)) {
    context.set_deadline(std::chrono::system_clock::now() + kLeaderCallTimeout);
  }
  grpc::ClientContext context;
  Request request;
  Reply reply;
  Done done;
};

v1::Peer::Stub& GrpcLeaderLink::StubFor(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::unique_ptr<v1::Peer::Stub>& stub = stubs_[address];
  if (!stub) {
    // A leader that restarts is back within seconds: do not back off for longer.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
    stub = v1::Peer::NewStub(grpc::CreateCustomChannel(address, credentials_, arguments));
  }
  return *stub;
}

void GrpcLeaderLink::ForwardBatch(const std::string& leader_api, const ledger::Batch& batch,
                                  BatchDone done) {
  auto call =
      std::make_shared<LeaderCall<v1::ForwardBatchRequest, v1::ForwardBatchReply, BatchDone>>(
          std::move(done));
  ledger::EncodeBatch(batch, call->request.mutable_batch());
  StubFor(leader_api)
      .async()
      ->ForwardBatch(&call->context, &call->request, &call->reply, [call](grpc::Status status) {
        ledger::BatchResult result;
        if (!status.ok()) return call->done(FromGrpc(status), result);
        ledger::StatusOr<std::vector<ledger::CommandResult>> results =
            ledger::DecodeResults(call->reply.results());
        if (!results.ok() || call->reply.chain_head().size() != result.chain_head.size()) {
          return call->done(ledger::Status::Corruption("the leader's answer is malformed"), result);
        }
        result.results = std::move(results).value();
        std::memcpy(result.chain_head.data(), call->reply.chain_head().data(),
                    result.chain_head.size());
        call->done(ledger::Status::Ok(), result);
      });
}

void GrpcLeaderLink::ReadIndex(const std::string& leader_api, IndexDone done) {
  auto call = std::make_shared<LeaderCall<v1::ReadIndexRequest, v1::ReadIndexReply, IndexDone>>(
      std::move(done));
  StubFor(leader_api)
      .async()
      ->ReadIndex(&call->context, &call->request, &call->reply, [call](grpc::Status status) {
        if (!status.ok()) return call->done(FromGrpc(status), 0);
        call->done(ledger::Status::Ok(), call->reply.index());
      });
}

ledger::Status FetchCheckpointFrom(const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                   const std::string& api_address, uint64_t raft_index,
                                   const std::string& into) {
  auto channel = grpc::CreateChannel(api_address, credentials);
  auto stub = v1::Peer::NewStub(channel);
  grpc::ClientContext context;
  // Generous, yet a peer that hangs does not hold the install (and the raft loop) forever.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  v1::FetchCheckpointRequest request;
  request.set_raft_index(raft_index);
  std::unique_ptr<grpc::ClientReader<v1::CheckpointChunk>> reader =
      stub->FetchCheckpoint(&context, request);
  v1::CheckpointChunk chunk;
  std::ofstream out;
  std::string current;
  while (reader->Read(&chunk)) {
    const std::string& name = chunk.file();
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return ledger::Status::Corruption("a peer sent a bad checkpoint file name");
    }
    if (name != current) {
      if (out.is_open()) out.close();
      out.open(into + "/" + name, std::ios::binary | std::ios::trunc);
      current = name;
    }
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    if (!out) return ledger::Status::IOError("cannot write " + into + "/" + name);
    if (chunk.last_of_file()) {
      out.close();
      current.clear();
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ledger::Status::IOError(status.error_message());
  if (out.is_open()) return ledger::Status::IOError("the checkpoint stream ended mid-file");
  return ledger::Status::Ok();
}

}  // namespace kyoso::node
