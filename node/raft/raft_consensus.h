// RaftConsensus: the Consensus of a node in a Raft cluster (libraft, through raft_shim).
//
// One thread runs the raft loop and owns the ReplicatedState: it applies committed
// entries, takes and restores snapshots, and runs reads. Other threads hand it work
// through an inbox and wake it. The leader proposes each Batch as one raft entry and
// completes the proposer's call when the entry is applied here. A follower forwards a
// batch to the leader (whose API address a new leader announces through the log) and
// completes the call with the leader's answer; without a LeaderLink, or with no leader
// known, it refuses with the leader's address for the client to retry there.
// Linearizable reads on the leader wait for a barrier entry (one barrier serves every
// read that arrived before it); on a follower they wait until it has applied as far as
// the leader had when it confirmed its leadership (the read-index protocol).
// Stale-allowed reads run at once on any node.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "node/consensus.h"
#include "node/raft/replicated_state.h"

extern "C" {
struct kyoso_raft;
}

struct ssl_ctx_st;

namespace kyoso::node {

struct RaftPeer {
  uint64_t id = 0;
  std::string raft_address;
};

// How a follower reaches the leader (gRPC in the node). Callbacks may run on any thread.
class LeaderLink {
 public:
  using BatchDone = std::function<void(const ledger::Status&, const ledger::BatchResult&)>;
  using IndexDone = std::function<void(const ledger::Status&, uint64_t index)>;
  virtual ~LeaderLink() = default;
  virtual void ForwardBatch(const std::string& leader_api, const ledger::Batch& batch,
                            BatchDone done) = 0;
  virtual void ReadIndex(const std::string& leader_api, IndexDone done) = 0;
};

struct RaftOptions {
  uint64_t id = 0;
  std::string raft_address;  // Where this node's raft transport listens.
  std::string api_address;   // This node's gRPC address, announced when it leads.
  std::string raft_dir;      // The raft log directory.
  // The first configuration, written once when the raft log is pristine. Empty for a
  // node that joins an existing cluster (added by its leader).
  std::vector<RaftPeer> bootstrap;
  LeaderLink* leader_link = nullptr;  // Must outlive the consensus; may be null.
  unsigned election_timeout_ms = 1'000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 1'024;
  unsigned snapshot_trailing = 512;
  // Mutual TLS between peers (node/tls.h MakeRaftTlsContext); null: plaintext TCP.
  std::shared_ptr<ssl_ctx_st> tls_context;
};

class RaftConsensus final : public Consensus {
 public:
  // Starts the raft server on `state` (loading its log, restoring its last snapshot) and
  // its loop thread. Fails, saying why and what to do, when the log is corrupt or
  // missing while the ledger has state.
  static ledger::StatusOr<std::unique_ptr<RaftConsensus>> Start(
      const RaftOptions& options, std::unique_ptr<ReplicatedState> state);
  ~RaftConsensus() override;

  void Propose(ledger::Batch batch, ProposeDone done) override;
  void Read(bool stale_ok, ReadFn read) override;
  RoleInfo Role() const override;
  void Inspect(uint64_t head_index, InspectFn inspect) override;
  void ConfirmLeadership(
      std::function<void(const ledger::Status&, uint64_t applied_index)> done) override;
  void ChangeMembership(MembershipChange change,
                        std::function<void(const ledger::Status&)> done) override;
  void Stop() override;

  struct LoopCallbacks;

 private:
  struct Pending {
    uint64_t proposal = 0;
    ProposeDone done;
  };
  using Task = std::function<void()>;

  RaftConsensus(const RaftOptions& options, std::unique_ptr<ReplicatedState> state);
  ledger::Status Open();
  // Closes and frees a raft server that failed to start (on the calling thread).
  void Abandon();
  // Queues `task` for the loop thread; false once stopping.
  bool Post(Task task);

  // Loop thread only.
  void OnWake();
  void ProposeNow(ledger::Batch batch, ProposeDone done);
  void OnApplyFailed(uint64_t index, int status);
  void OnBatchApplied(uint64_t index, const BatchEntry& entry, const ledger::BatchResult& result);
  void ForwardNow(ledger::Batch batch, ProposeDone done);
  // Counts a call to the leader in (false once stopping) and out.
  bool LinkCallStarts();
  void LinkCallEnded();
  void ReadNow(bool stale_ok, ReadFn read);
  void ReadViaLeader(ReadFn read);
  void RunReadsUpTo(uint64_t applied);
  void StartBarrier();
  void OnBarrier(std::vector<ReadFn> reads, int status);
  void ChangeNow(const MembershipChange& change, std::function<void(const ledger::Status&)> done);
  void AnnounceIfLeading();
  void RefreshRole();
  ClusterView View(uint64_t head_index) const;
  ledger::Status NotLeader() const;
  void FailEverything(const ledger::Status& why);
  void CloseNow();

  RaftOptions options_;
  std::unique_ptr<ReplicatedState> state_;
  kyoso_raft* raft_ = nullptr;
  std::thread thread_;

  mutable std::mutex mutex_;  // Guards the fields up to loop-thread-only ones.
  std::deque<Task> inbox_;
  bool stopping_ = false;
  bool closed_ = false;
  RoleInfo role_{"follower", ""};
  int link_calls_ = 0;  // Calls to the leader whose callbacks have not run yet.
  std::condition_variable link_idle_;

  // Loop thread only.
  uint64_t next_proposal_ = 1;
  std::unordered_map<uint64_t, Pending> pending_;
  std::vector<ReadFn> reads_waiting_;
  std::multimap<uint64_t, ReadFn> reads_after_;  // Follower reads by the index they need.
  bool barrier_in_flight_ = false;
  bool announce_in_flight_ = false;
  bool was_leader_ = false;
};

}  // namespace kyoso::node
