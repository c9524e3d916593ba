#include "node/raft/raft_consensus.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "node/limits.h"
#include "node/raft/raft_shim.h"

namespace kyoso::node {
namespace {

constexpr unsigned kTickMs = 20;  // How often the loop looks at its role when idle.

const char* StateName(int state) {
  switch (state) {
    case KYOSO_RAFT_LEADER:
      return "leader";
    case KYOSO_RAFT_FOLLOWER:
      return "follower";
    case KYOSO_RAFT_CANDIDATE:
      return "candidate";
    default:
      return "unavailable";
  }
}

const char* RoleName(int role) {
  switch (role) {
    case KYOSO_RAFT_VOTER:
      return "voter";
    case KYOSO_RAFT_STANDBY:
      return "standby";
    default:
      return "spare";
  }
}

ledger::Status ShuttingDown() {
  return ledger::Status::FailedPrecondition("the node is shutting down; retry on another node");
}

ledger::Status RaftError(std::string_view what, int status) {
  return ledger::Status::FailedPrecondition(std::string(what) + ": " + kyoso_raft_strerror(status));
}

}  // namespace

// The C callbacks of the shim, forwarding to the consensus on the loop thread.
struct RaftConsensus::LoopCallbacks {
  struct Apply {
    RaftConsensus* self;
    uint64_t index;
  };
  struct Barrier {
    RaftConsensus* self;
    std::vector<ReadFn> reads;
  };
  struct Change {
    RaftConsensus* self;
    MembershipChange change;
    std::function<void(const ledger::Status&)> done;
    bool assigned = false;  // kAdd: the new node was already promoted.
  };

  // A refused or failed peer connection: into the log, at most a few lines a second (a
  // stranger knocking at the raft port must not fill the disk).
  static void LogPeerConnection(void*, const char* message) {
    static RateLimiter limiter(/*per_second=*/1, /*burst=*/10);
    if (limiter.Take("raft-peer") == 0) spdlog::warn("{}", message);
  }

  static int FsmApply(void* user, uint64_t index, const void* data, size_t size) {
    auto* self = static_cast<RaftConsensus*>(user);
    ledger::Status status = self->state_->Apply(
        index, std::string_view(static_cast<const char*>(data), size),
        [self, index](const BatchEntry& entry, const ledger::BatchResult& result) {
          self->OnBatchApplied(index, entry, result);
        });
    if (!status.ok()) {
      // A replica that cannot apply a committed entry must not go on: it would diverge.
      // Its log and store are durable; a restart applies the entry again.
      spdlog::critical("cannot apply raft entry {}: {}; stopping", index, status.ToString());
      spdlog::shutdown();
      std::_Exit(EXIT_FAILURE);
    }
    self->RunReadsUpTo(index);
    return 0;
  }

  static int FsmSnapshot(void* user, uint64_t index, void** data, size_t* size) {
    auto* self = static_cast<RaftConsensus*>(user);
    const auto started = std::chrono::steady_clock::now();
    ledger::StatusOr<std::string> description = self->state_->TakeSnapshot(index);
    if (!description.ok()) {
      spdlog::error("snapshot at raft index {} failed: {}", index, description.status().ToString());
      return 1;
    }
    *data = kyoso_raft_malloc(description->size());
    if (*data == nullptr) return 1;
    std::memcpy(*data, description->data(), description->size());
    *size = description->size();
    const auto took = std::chrono::steady_clock::now() - started;
    spdlog::info("snapshot at raft index {} (ledger index {}) in {} ms", index,
                 self->state_->ledger().applied_index(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    return 0;
  }

  static int FsmRestore(void* user, const void* data, size_t size) {
    auto* self = static_cast<RaftConsensus*>(user);
    ledger::Status status =
        self->state_->Restore(std::string_view(static_cast<const char*>(data), size));
    if (!status.ok()) {
      // The state may be half replaced: stop, and let a restart install the snapshot.
      spdlog::critical("cannot install a snapshot: {}; stopping (a restart tries again)",
                       status.ToString());
      spdlog::shutdown();
      std::_Exit(EXIT_FAILURE);
    }
    spdlog::info("state at raft index {} (ledger index {})", self->state_->raft_index(),
                 self->state_->ledger().applied_index());
    return 0;
  }

  static void Wake(void* user) { static_cast<RaftConsensus*>(user)->OnWake(); }

  static void ApplyDone(void* user, int status) {
    auto* apply = static_cast<Apply*>(user);
    apply->self->OnApplyFailed(apply->index, status);
    delete apply;
  }

  static void AnnounceDone(void* user, int /*status*/) {
    static_cast<RaftConsensus*>(user)->announce_in_flight_ = false;
  }

  static void BarrierDone(void* user, int status) {
    auto* barrier = static_cast<Barrier*>(user);
    barrier->self->OnBarrier(std::move(barrier->reads), status);
    delete barrier;
  }

  static void ChangeDone(void* user, int status) {
    auto* change = static_cast<Change*>(user);
    if (status == 0 && change->change.kind == MembershipChange::Kind::kAdd && !change->assigned) {
      // Added as a spare; now promote it: raft catches it up before it becomes a voter.
      change->assigned = true;
      int rv = kyoso_raft_assign(change->self->raft_, change->change.id, KYOSO_RAFT_VOTER,
                                 ChangeDone, change);
      if (rv == 0) return;
      status = rv;
    }
    change->done(status == 0 ? ledger::Status::Ok() : RaftError("membership change", status));
    delete change;
  }
};

ledger::StatusOr<std::unique_ptr<RaftConsensus>> RaftConsensus::Start(
    const RaftOptions& options, std::unique_ptr<ReplicatedState> state) {
  std::unique_ptr<RaftConsensus> consensus(new RaftConsensus(options, std::move(state)));
  KYOSO_RETURN_IF_ERROR(consensus->Open());
  return consensus;
}

RaftConsensus::RaftConsensus(const RaftOptions& options, std::unique_ptr<ReplicatedState> state)
    : options_(options), state_(std::move(state)) {}

ledger::Status RaftConsensus::Open() {
  kyoso_raft_fsm fsm{this, &LoopCallbacks::FsmApply, &LoopCallbacks::FsmSnapshot,
                     &LoopCallbacks::FsmRestore};
  kyoso_raft_options options{};
  options.id = options_.id;
  options.address = options_.raft_address.c_str();
  options.dir = options_.raft_dir.c_str();
  options.election_timeout_ms = options_.election_timeout_ms;
  options.heartbeat_timeout_ms = options_.heartbeat_timeout_ms;
  options.snapshot_threshold = options_.snapshot_threshold;
  options.snapshot_trailing = options_.snapshot_trailing;
  options.tick_ms = kTickMs;
  options.tls_context = options_.tls_context.get();
  options.log = &LoopCallbacks::LogPeerConnection;
  char errmsg[512] = {0};
  int rv =
      kyoso_raft_create(&options, &fsm, &LoopCallbacks::Wake, this, &raft_, errmsg, sizeof errmsg);
  if (rv != 0) return ledger::Status::IOError(errmsg);
  if (!options_.bootstrap.empty()) {
    std::vector<uint64_t> ids;
    std::vector<const char*> addresses;
    for (const RaftPeer& peer : options_.bootstrap) {
      ids.push_back(peer.id);
      addresses.push_back(peer.raft_address.c_str());
    }
    rv = kyoso_raft_bootstrap(raft_, static_cast<unsigned>(ids.size()), ids.data(),
                              addresses.data());
    if (rv != 0 && rv != KYOSO_RAFT_CANTBOOTSTRAP) {
      std::string why = kyoso_raft_errmsg(raft_);
      Abandon();
      return ledger::Status::IOError("cannot bootstrap the raft log in " + options_.raft_dir +
                                     ": " + why);
    }
  }
  rv = kyoso_raft_start(raft_);
  if (rv != 0) {
    std::string why = std::string(kyoso_raft_strerror(rv)) + ": " + kyoso_raft_errmsg(raft_);
    Abandon();
    if (rv != KYOSO_RAFT_CORRUPT) {
      return ledger::Status::IOError("cannot start raft on " + options_.raft_address +
                                     " with its log in " + options_.raft_dir + ": " + why);
    }
    return ledger::Status::Corruption(
        "the raft log in " + options_.raft_dir + " is damaged (" + why +
        "). The node will not start on it: repairing it could drop acknowledged entries. "
        "To rejoin: remove this node from the cluster (kyoso-admin cluster remove " +
        std::to_string(options_.id) +
        " on the leader), empty its data directory, start it with no --peers and add it "
        "again (kyoso-admin cluster add); it catches up from a snapshot.");
  }
  thread_ = std::thread([this] { kyoso_raft_run(raft_); });
  return ledger::Status::Ok();
}

void RaftConsensus::Abandon() {
  CloseNow();
  kyoso_raft_run(raft_);  // Runs the close to its end; no loop thread was started.
  kyoso_raft_destroy(raft_);
  raft_ = nullptr;
}

RaftConsensus::~RaftConsensus() {
  Stop();
}

bool RaftConsensus::Post(Task task) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  inbox_.push_back(std::move(task));
  kyoso_raft_wake(raft_);
  return true;
}

void RaftConsensus::Propose(ledger::Batch batch, ProposeDone done) {
  auto shared = std::make_shared<ProposeDone>(std::move(done));
  auto moved = std::make_shared<ledger::Batch>(std::move(batch));
  if (!Post([this, moved, shared] { ProposeNow(std::move(*moved), std::move(*shared)); })) {
    (*shared)(ShuttingDown(), nullptr);
  }
}

void RaftConsensus::Read(bool stale_ok, ReadFn read) {
  auto shared = std::make_shared<ReadFn>(std::move(read));
  if (!Post([this, stale_ok, shared] { ReadNow(stale_ok, std::move(*shared)); })) {
    (*shared)(ShuttingDown(), nullptr);
  }
}

RoleInfo RaftConsensus::Role() const {
  std::lock_guard lock(mutex_);
  return role_;
}

void RaftConsensus::Inspect(uint64_t head_index, InspectFn inspect) {
  auto shared = std::make_shared<InspectFn>(std::move(inspect));
  if (!Post([this, head_index, shared] {
        ClusterView view = View(head_index);
        (*shared)(ledger::Status::Ok(), &view, &state_->ledger());
      })) {
    (*shared)(ShuttingDown(), nullptr, nullptr);
  }
}

void RaftConsensus::ConfirmLeadership(
    std::function<void(const ledger::Status&, uint64_t applied_index)> done) {
  Read(false, [this, done = std::move(done)](const ledger::Status& status, const ledger::Ledger*) {
    done(status, status.ok() ? kyoso_raft_last_applied(raft_) : 0);
  });
}

void RaftConsensus::ChangeMembership(MembershipChange change,
                                     std::function<void(const ledger::Status&)> done) {
  auto shared = std::make_shared<std::function<void(const ledger::Status&)>>(std::move(done));
  if (!Post([this, change, shared] { ChangeNow(change, std::move(*shared)); })) {
    (*shared)(ShuttingDown());
  }
}

void RaftConsensus::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (raft_ == nullptr) return;
    if (!stopping_) {
      stopping_ = true;
      kyoso_raft_wake(raft_);
    }
  }
  if (thread_.joinable()) thread_.join();
  {
    // Calls to the leader end by their deadline at the latest; their callbacks use us.
    std::unique_lock lock(mutex_);
    link_idle_.wait(lock, [this] { return link_calls_ == 0; });
  }
  kyoso_raft_destroy(raft_);
  raft_ = nullptr;
}

// --- The loop thread ---

void RaftConsensus::OnWake() {
  std::deque<Task> tasks;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    tasks.swap(inbox_);
    stopping = stopping_;
  }
  RefreshRole();
  for (Task& task : tasks) task();
  if (stopping) {
    FailEverything(ShuttingDown());
    CloseNow();
    return;
  }
  AnnounceIfLeading();
  StartBarrier();
  RunReadsUpTo(kyoso_raft_last_applied(raft_));
}

void RaftConsensus::CloseNow() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  kyoso_raft_close(raft_);
}

void RaftConsensus::RefreshRole() {
  int state = kyoso_raft_state(raft_);
  const char* leader_raft_address = nullptr;
  uint64_t leader = kyoso_raft_leader(raft_, &leader_raft_address);
  RoleInfo role{StateName(state), ""};
  if (leader == options_.id) {
    role.leader_address = options_.api_address;
  } else if (auto found = state_->directory().find(leader); found != state_->directory().end()) {
    role.leader_address = found->second;
  }
  bool leading = state == KYOSO_RAFT_LEADER;
  if (leading != was_leader_) {
    spdlog::info("raft node {} is now {} (term {})", options_.id, role.role,
                 kyoso_raft_term(raft_));
    was_leader_ = leading;
  }
  std::lock_guard lock(mutex_);
  role_ = std::move(role);
}

ledger::Status RaftConsensus::NotLeader() const {
  std::string leader = Role().leader_address;
  if (leader.empty()) {
    return ledger::Status::FailedPrecondition(
        "no leader is known yet (an election is under way); retry shortly");
  }
  return ledger::Status::FailedPrecondition("this node is not the leader; retry at " +
                                            std::string(kLeaderHint) + leader);
}

void RaftConsensus::ProposeNow(ledger::Batch batch, ProposeDone done) {
  if (kyoso_raft_state(raft_) != KYOSO_RAFT_LEADER) {
    return ForwardNow(std::move(batch), std::move(done));
  }
  BatchEntry entry{options_.id, next_proposal_++, std::move(batch)};
  std::string bytes;
  EncodeEntry(entry, &bytes);
  auto* context = new LoopCallbacks::Apply{this, 0};
  uint64_t index = 0;
  int rv = kyoso_raft_apply(raft_, bytes.data(), bytes.size(), &index, &LoopCallbacks::ApplyDone,
                            context);
  if (rv != 0) {
    delete context;
    return done(rv == KYOSO_RAFT_NOTLEADER ? NotLeader() : RaftError("cannot propose", rv),
                nullptr);
  }
  context->index = index;
  pending_[index] = Pending{entry.proposal, std::move(done)};
}

void RaftConsensus::OnBatchApplied(uint64_t index, const BatchEntry& entry,
                                   const ledger::BatchResult& result) {
  if (entry.proposer != options_.id) return;
  auto found = pending_.find(index);
  if (found == pending_.end() || found->second.proposal != entry.proposal) return;
  ProposeDone done = std::move(found->second.done);
  pending_.erase(found);
  done(ledger::Status::Ok(), &result);
}

void RaftConsensus::OnApplyFailed(uint64_t index, int status) {
  auto found = pending_.find(index);
  if (found == pending_.end()) return;  // Applied (and answered) already.
  ProposeDone done = std::move(found->second.done);
  pending_.erase(found);
  // The entry may still commit under the next leader: the outcome is unknown, and a
  // retry with the same transfer ids returns the first result if it did.
  done(ledger::Status::FailedPrecondition(
           std::string("leadership changed before the batch was applied (") +
           kyoso_raft_strerror(status) + "); retry with the same transfer ids"),
       nullptr);
}

bool RaftConsensus::LinkCallStarts() {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  ++link_calls_;
  return true;
}

void RaftConsensus::LinkCallEnded() {
  std::lock_guard lock(mutex_);
  if (--link_calls_ == 0) link_idle_.notify_all();
}

void RaftConsensus::ForwardNow(ledger::Batch batch, ProposeDone done) {
  std::string leader = Role().leader_address;
  if (options_.leader_link == nullptr || leader.empty()) return done(NotLeader(), nullptr);
  if (!LinkCallStarts()) return done(ShuttingDown(), nullptr);
  auto shared = std::make_shared<ProposeDone>(std::move(done));
  options_.leader_link->ForwardBatch(
      leader, batch,
      [this, shared](const ledger::Status& status, const ledger::BatchResult& result) {
        auto answer = std::make_shared<ledger::BatchResult>(result);
        // Callbacks run on the loop thread, like those of batches proposed here.
        if (!Post([shared, status, answer] {
              (*shared)(status, status.ok() ? answer.get() : nullptr);
            })) {
          (*shared)(ShuttingDown(), nullptr);
        }
        LinkCallEnded();
      });
}

void RaftConsensus::ReadNow(bool stale_ok, ReadFn read) {
  if (stale_ok) return read(ledger::Status::Ok(), &state_->ledger());
  if (kyoso_raft_state(raft_) != KYOSO_RAFT_LEADER) return ReadViaLeader(std::move(read));
  reads_waiting_.push_back(std::move(read));
}

void RaftConsensus::ReadViaLeader(ReadFn read) {
  std::string leader = Role().leader_address;
  if (options_.leader_link == nullptr || leader.empty()) return read(NotLeader(), nullptr);
  if (!LinkCallStarts()) return read(ShuttingDown(), nullptr);
  auto shared = std::make_shared<ReadFn>(std::move(read));
  options_.leader_link->ReadIndex(leader,
                                  [this, shared](const ledger::Status& status, uint64_t index) {
                                    if (!Post([this, shared, status, index] {
                                          if (!status.ok()) return (*shared)(status, nullptr);
                                          reads_after_.emplace(index, std::move(*shared));
                                          RunReadsUpTo(kyoso_raft_last_applied(raft_));
                                        })) {
                                      (*shared)(ShuttingDown(), nullptr);
                                    }
                                    LinkCallEnded();
                                  });
}

void RaftConsensus::RunReadsUpTo(uint64_t applied) {
  while (!reads_after_.empty() && reads_after_.begin()->first <= applied) {
    ReadFn read = std::move(reads_after_.begin()->second);
    reads_after_.erase(reads_after_.begin());
    read(ledger::Status::Ok(), &state_->ledger());
  }
}

void RaftConsensus::StartBarrier() {
  if (barrier_in_flight_ || reads_waiting_.empty()) return;
  auto* barrier = new LoopCallbacks::Barrier{this, std::move(reads_waiting_)};
  reads_waiting_.clear();
  int rv = kyoso_raft_barrier(raft_, &LoopCallbacks::BarrierDone, barrier);
  if (rv != 0) {
    for (ReadFn& read : barrier->reads) read(NotLeader(), nullptr);
    delete barrier;
    return;
  }
  barrier_in_flight_ = true;
}

void RaftConsensus::OnBarrier(std::vector<ReadFn> reads, int status) {
  barrier_in_flight_ = false;
  // The barrier committed in this leader's term: it still led when the reads arrived,
  // and everything committed before them is applied.
  for (ReadFn& read : reads) {
    if (status == 0) {
      read(ledger::Status::Ok(), &state_->ledger());
    } else {
      read(NotLeader(), nullptr);
    }
  }
  StartBarrier();
}

void RaftConsensus::ChangeNow(const MembershipChange& change,
                              std::function<void(const ledger::Status&)> done) {
  if (kyoso_raft_state(raft_) != KYOSO_RAFT_LEADER) return done(NotLeader());
  auto* context = new LoopCallbacks::Change{this, change, std::move(done)};
  int rv = 0;
  switch (change.kind) {
    case MembershipChange::Kind::kAdd:
      rv = kyoso_raft_add(raft_, change.id, change.raft_address.c_str(), &LoopCallbacks::ChangeDone,
                          context);
      break;
    case MembershipChange::Kind::kRemove:
      rv = kyoso_raft_remove(raft_, change.id, &LoopCallbacks::ChangeDone, context);
      break;
    case MembershipChange::Kind::kTransferLeadership:
      rv = kyoso_raft_transfer(raft_, change.id, &LoopCallbacks::ChangeDone, context);
      break;
  }
  if (rv != 0) {
    context->done(RaftError("membership change refused", rv));
    delete context;
  }
}

void RaftConsensus::AnnounceIfLeading() {
  if (announce_in_flight_ || kyoso_raft_state(raft_) != KYOSO_RAFT_LEADER) return;
  auto known = state_->directory().find(options_.id);
  if (known != state_->directory().end() && known->second == options_.api_address) return;
  std::string bytes;
  EncodeEntry(AnnounceEntry{options_.id, options_.api_address}, &bytes);
  uint64_t index = 0;
  int rv = kyoso_raft_apply(raft_, bytes.data(), bytes.size(), &index, &LoopCallbacks::AnnounceDone,
                            this);
  if (rv == 0) {
    announce_in_flight_ = true;
  } else {
    spdlog::debug("announcing this node's address failed: {}", kyoso_raft_strerror(rv));
  }
}

ClusterView RaftConsensus::View(uint64_t head_index) const {
  ClusterView view;
  view.node_id = options_.id;
  view.term = kyoso_raft_term(raft_);
  view.commit_index = kyoso_raft_commit_index(raft_);
  view.applied_index = kyoso_raft_last_applied(raft_);
  const char* leader_address = nullptr;
  view.leader_id = kyoso_raft_leader(raft_, &leader_address);
  std::vector<kyoso_raft_server> servers(16);
  unsigned count = kyoso_raft_servers(raft_, servers.data(), 16);
  if (count > servers.size()) {
    servers.resize(count);
    kyoso_raft_servers(raft_, servers.data(), count);
  }
  servers.resize(count);
  for (const kyoso_raft_server& server : servers) {
    ClusterMember member{server.id, server.address, "", RoleName(server.role)};
    if (auto found = state_->directory().find(server.id); found != state_->directory().end()) {
      member.api_address = found->second;
    }
    view.members.push_back(std::move(member));
  }
  view.head_at = state_->HeadAtOrBefore(head_index);
  return view;
}

void RaftConsensus::FailEverything(const ledger::Status& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [index, proposal] : pending) proposal.done(why, nullptr);
  auto reads = std::move(reads_waiting_);
  reads_waiting_.clear();
  for (ReadFn& read : reads) read(why, nullptr);
  auto after = std::move(reads_after_);
  reads_after_.clear();
  for (auto& [index, read] : after) read(why, nullptr);
}

}  // namespace kyoso::node
