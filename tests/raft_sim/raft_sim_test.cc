// Deterministic simulation of a whole Kyoso cluster on libraft's fixture: three or five
// replicas, each a ReplicatedState (the node's own apply, snapshot and restore code) over
// an in-memory store, driven by seeded random faults — one-way partitions, message loss,
// kills and revivals, latency, leadership transfers — while the generator's batches are
// proposed to whoever leads. Checked after every step or apply:
//   - equal chain heads at equal ledger indices on every replica (every apply);
//   - the raft and ledger applied indices of each replica only grow (every apply);
//   - the ledger invariants (per-currency conservation, lots, caps) on every replica
//     (every step);
//   - every 100 steps and at the end, every acknowledged transfer present with its first
//     sequence number on every replica that has applied past it;
//   - at the end, after healing, every replica at the same index with the same head.
// A transfer re-proposed after an unknown outcome must come back as a duplicate with its
// first result: none is ever applied twice.
//
// KYOSO_SIM_SEEDS (default 500) seeds run from KYOSO_SIM_FIRST_SEED (default 1);
// KYOSO_SIM_SEED replays one seed. Each failure names its seed.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>

#include "kyoso/ledger/memory_store.h"
#include "node/raft/entry.h"
#include "node/raft/raft_shim.h"
#include "node/raft/replicated_state.h"
#include "support/env.h"
#include "support/generator.h"
#include "support/invariants.h"

namespace kyoso::testing {
namespace {

using node::BatchEntry;
using node::CheckpointKeeper;
using node::ReplicatedState;
using node::SnapshotDescription;

constexpr int kSteps = 3'000;
constexpr uint64_t kProposalTimeoutMs = 5'000;

// Copies every key of every column of `from` into a new MemoryStore.
std::unique_ptr<ledger::MemoryStore> CopyStore(const ledger::Store& from) {
  auto copy = std::make_unique<ledger::MemoryStore>();
  ledger::WriteBatch batch;
  for (int column = 0; column < ledger::kColumnCount; ++column) {
    auto c = static_cast<ledger::Column>(column);
    EXPECT_TRUE(from.Scan(c, "", "", false,
                          [&](std::string_view key, std::string_view value) {
                            batch.Put(c, key, value);
                            return true;
                          })
                    .ok());
  }
  EXPECT_TRUE(copy->Write(batch).ok());
  return copy;
}

// Checkpoints of every simulated node, by (raft id, raft index): what RocksDB checkpoints
// and the gRPC fetch are for real nodes. Like a real node's, each is taken after its
// snapshot, off the raft loop: here when some node asks for a checkpoint, when the node
// snapshots again or before it replaces its store, holding whatever it applied since.
class SimCheckpoints {
 public:
  void Keep(uint64_t node, uint64_t index, const ledger::Store& live) {
    Take(node);
    pending_[node] = {index, &live};
  }
  // Before `node` replaces the store it kept a snapshot of.
  void Take(uint64_t node) {
    auto pending = pending_.find(node);
    if (pending == pending_.end()) return;
    kept_[{node, pending->second.first}] = CopyStore(*pending->second.second);
    pending_.erase(pending);
  }
  const ledger::Store* Find(uint64_t source, uint64_t index) {
    while (!pending_.empty()) Take(pending_.begin()->first);
    auto found = kept_.find({source, index});
    if (found != kept_.end()) return found->second.get();
    const ledger::Store* newest = nullptr;  // Else any node's newest at or after it.
    uint64_t newest_index = 0;
    for (const auto& [key, store] : kept_) {
      if (key.second >= index && key.second >= newest_index) {
        newest = store.get();
        newest_index = key.second;
      }
    }
    return newest;
  }

 private:
  std::map<uint64_t, std::pair<uint64_t, const ledger::Store*>> pending_;  // By node.
  std::map<std::pair<uint64_t, uint64_t>, std::unique_ptr<ledger::MemoryStore>> kept_;
};

class SimKeeper final : public CheckpointKeeper {
 public:
  SimKeeper(uint64_t node, SimCheckpoints* all) : node_(node), all_(all) {}
  ledger::Status Keep(ledger::Store& store, uint64_t raft_index) override {
    all_->Keep(node_, raft_index, store);
    return ledger::Status::Ok();
  }
  ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(
      const SnapshotDescription& description, std::unique_ptr<ledger::Store> current) override {
    all_->Take(node_);
    current.reset();
    const ledger::Store* kept = all_->Find(description.source, description.raft_index);
    if (kept == nullptr) return ledger::Status::NotFound("no checkpoint at that index");
    return std::unique_ptr<ledger::Store>(CopyStore(*kept));
  }

 private:
  uint64_t node_;
  SimCheckpoints* all_;
};

struct Acknowledged {
  uint64_t raft_index = 0;  // Where the proposer applied it.
  uint64_t seq = 0;
};

class Simulation;

// What all seeds did, to show the runs exercised something. Seeds run in child
// processes, so the totals live in memory shared with them.
struct Totals {
  uint64_t transfers_acknowledged = 0;
  uint64_t snapshots_installed = 0;
  uint64_t installed_ahead = 0;  // Of those, copies holding batches after their snapshot.
  uint64_t leader_changes = 0;
};
Totals& totals = *static_cast<Totals*>(
    mmap(nullptr, sizeof(Totals), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));

// One replica: its state machine and what the checks remember of it.
struct Replica {
  Simulation* sim = nullptr;
  uint64_t id = 0;
  std::unique_ptr<SimKeeper> keeper;
  std::unique_ptr<ReplicatedState> state;
  InvariantChecker checker;
  uint64_t last_raft_index = 0;
  uint64_t last_ledger_index = 0;
};

class Simulation {
 public:
  Simulation(uint32_t seed, unsigned nodes) : seed_(seed), random_(seed), generator_(seed) {
    replicas_.resize(nodes);
    std::vector<kyoso_raft_fsm> fsms;
    for (unsigned i = 0; i < nodes; ++i) {
      Replica& r = replicas_[i];
      r.sim = this;
      r.id = i + 1;
      r.keeper = std::make_unique<SimKeeper>(r.id, &checkpoints_);
      auto state =
          ReplicatedState::Open(r.id, "sim-" + std::to_string(r.id),
                                std::make_unique<ledger::MemoryStore>(), r.keeper.get(), {});
      EXPECT_TRUE(state.ok());
      r.state = std::move(state).value();
      fsms.push_back({&r, &Apply, &Snapshot, &Restore});
    }
    // Snapshots every 64 entries, 32 kept. (At 24/8, libraft 0.22.1's fixture overruns
    // its copy of the leader's log after compaction: ASan finds a heap overflow inside the
    // fixture on seed 76. At 64/32 seeds 1-2,500 run clean and still install snapshots.)
    sim_ = kyoso_raft_sim_create(nodes, fsms.data(), seed, 64, 32);
    EXPECT_NE(sim_, nullptr);
    batch_ = generator_.Next();
  }
  ~Simulation() {
    if (sim_ != nullptr) kyoso_raft_sim_destroy(sim_);
  }

  void Run() {
    for (int step = 0; step < kSteps && !::testing::Test::HasFailure(); ++step) {
      MaybeInjectFault();
      MaybePropose();
      now_ = kyoso_raft_sim_step(sim_);
      CheckLedgers();
      if (step % 100 == 99) CheckReplicas(false);
    }
    Heal();
    ASSERT_TRUE(Converge()) << "the replicas did not converge after healing";
    CheckLedgers();
    CheckReplicas(true);
    // Let leadership transfers still under way end: the fixture cannot close with one
    // in flight.
    for (uint64_t until = now_ + 3'000; now_ < until;) now_ = kyoso_raft_sim_step(sim_);
  }

 private:
  // --- The state machine callbacks ---

  static int Apply(void* user, uint64_t index, const void* data, size_t size) {
    auto* replica = static_cast<Replica*>(user);
    return replica->sim->OnApply(*replica, index,
                                 std::string_view(static_cast<const char*>(data), size));
  }
  static int Snapshot(void* user, uint64_t index, void** data, size_t* size) {
    auto* replica = static_cast<Replica*>(user);
    ledger::StatusOr<std::string> description = replica->state->TakeSnapshot(index);
    if (!description.ok()) return 1;
    *data = kyoso_raft_malloc(description->size());
    std::memcpy(*data, description->data(), description->size());
    *size = description->size();
    return 0;
  }
  static int Restore(void* user, const void* data, size_t size) {
    auto* replica = static_cast<Replica*>(user);
    uint64_t before = replica->state->ledger().applied_index();
    ledger::Status status =
        replica->state->Restore(std::string_view(static_cast<const char*>(data), size));
    // A failed restore may leave no ledger: say why before reading it.
    EXPECT_TRUE(status.ok()) << "seed " << replica->sim->seed_ << ": " << status.ToString();
    if (!status.ok()) return 1;
    const uint64_t applied = replica->state->ledger().applied_index();
    if (applied != before) ++totals.snapshots_installed;
    if (applied > replica->state->raft_index()) ++totals.installed_ahead;
    return 0;
  }
  static void ProposalDone(void* user, int status) {
    auto* sim = static_cast<Simulation*>(user);
    if (status != 0) sim->in_flight_ = false;  // Unknown outcome: propose it again.
  }

  int OnApply(Replica& replica, uint64_t index, std::string_view bytes) {
    ledger::Status status = replica.state->Apply(
        index, bytes, [&](const BatchEntry& entry, const ledger::BatchResult& result) {
          CheckHead(replica, index, result.chain_head);
          if (entry.proposer == replica.id && in_flight_ && entry.proposal == proposal_) {
            Acknowledge(index, entry.batch, result);
          }
        });
    EXPECT_TRUE(status.ok()) << "seed " << seed_ << ": " << status.ToString();
    EXPECT_GT(replica.state->raft_index(), replica.last_raft_index) << "seed " << seed_;
    replica.last_raft_index = replica.state->raft_index();
    return status.ok() ? 0 : 1;
  }

  void CheckHead(Replica& replica, uint64_t index, const ledger::ChainHead& head) {
    EXPECT_GT(index, replica.last_ledger_index) << "seed " << seed_ << ": applied twice";
    replica.last_ledger_index = index;
    auto [known, inserted] = heads_.emplace(index, head);
    EXPECT_TRUE(inserted || known->second == head)
        << "seed " << seed_ << ": node " << replica.id << " diverged at ledger index " << index;
  }

  void Acknowledge(uint64_t index, const ledger::Batch& batch, const ledger::BatchResult& result) {
    for (size_t i = 0; i < batch.commands.size(); ++i) {
      const auto* transfer = std::get_if<ledger::TransferRequest>(&batch.commands[i]);
      if (transfer == nullptr || result.results[i].code != ledger::ResultCode::kOk) continue;
      auto [known, inserted] =
          acknowledged_.emplace(transfer->id, Acknowledged{index, result.results[i].seq});
      totals.transfers_acknowledged += inserted ? 1 : 0;
      // A re-proposed transfer comes back as a duplicate carrying its first result.
      EXPECT_TRUE(inserted || known->second.seq == result.results[i].seq)
          << "seed " << seed_ << ": transfer " << transfer->id.ToHex() << " applied twice";
    }
    in_flight_ = false;
    ++batches_acknowledged_;
    batch_ = generator_.Next();
  }

  // --- Driving ---

  unsigned Nodes() const { return static_cast<unsigned>(replicas_.size()); }
  bool Chance(int per_mille) { return static_cast<int>(random_() % 1'000) < per_mille; }
  unsigned AnyNode() { return static_cast<unsigned>(random_() % Nodes()); }

  void MaybePropose() {
    if (in_flight_ && now_ - proposed_at_ < kProposalTimeoutMs) return;
    unsigned leader = kyoso_raft_sim_leader(sim_);
    if (leader >= Nodes()) return;
    if (leader != last_leader_) ++totals.leader_changes;
    last_leader_ = leader;
    BatchEntry entry{leader + 1u, ++proposal_, batch_};
    std::string bytes;
    node::EncodeEntry(entry, &bytes);
    uint64_t index = 0;
    if (kyoso_raft_sim_apply(sim_, leader, bytes.data(), bytes.size(), &index, &ProposalDone,
                             this) == 0) {
      in_flight_ = true;
      proposed_at_ = now_;
    }
  }

  void MaybeInjectFault() {
    if (!Chance(15)) return;
    unsigned i = AnyNode();
    unsigned j = (i + 1 + static_cast<unsigned>(random_() % (Nodes() - 1))) % Nodes();
    switch (random_() % 9) {
      case 0:
        kyoso_raft_sim_disconnect(sim_, i, j);  // One direction only.
        break;
      case 1:
        kyoso_raft_sim_reconnect(sim_, i, j);
        break;
      case 2:
        if (kyoso_raft_sim_alive(sim_, i) && AliveCount() > 1) kyoso_raft_sim_kill(sim_, i);
        break;
      case 3:
        if (!kyoso_raft_sim_alive(sim_, i)) kyoso_raft_sim_revive(sim_, i);
        break;
      case 4:
        kyoso_raft_sim_saturate(sim_, i, j);  // Every message from i to j lost.
        break;
      case 5:
        kyoso_raft_sim_desaturate(sim_, i, j);
        break;
      case 6:
        kyoso_raft_sim_set_latency(sim_, i, 1 + static_cast<unsigned>(random_() % 80));
        break;
      case 7:
        kyoso_raft_sim_set_disk_latency(sim_, i, 1 + static_cast<unsigned>(random_() % 30));
        break;
      default: {
        unsigned leader = kyoso_raft_sim_leader(sim_);
        if (leader < Nodes()) kyoso_raft_sim_transfer(sim_, leader, 0, &Ignore, nullptr);
        break;
      }
    }
  }
  static void Ignore(void*, int) {}

  unsigned AliveCount() {
    unsigned alive = 0;
    for (unsigned i = 0; i < Nodes(); ++i) alive += kyoso_raft_sim_alive(sim_, i) ? 1 : 0;
    return alive;
  }

  void Heal() {
    for (unsigned i = 0; i < Nodes(); ++i) {
      if (!kyoso_raft_sim_alive(sim_, i)) kyoso_raft_sim_revive(sim_, i);
      kyoso_raft_sim_set_latency(sim_, i, 5);
      kyoso_raft_sim_set_disk_latency(sim_, i, 5);
      for (unsigned j = 0; j < Nodes(); ++j) {
        if (i == j) continue;
        kyoso_raft_sim_reconnect(sim_, i, j);
        kyoso_raft_sim_desaturate(sim_, i, j);
      }
    }
  }

  // Runs until a leader has had the batch in flight acknowledged (or given up on) and every
  // replica has applied the same raft index.
  bool Converge() {
    const uint64_t acknowledged_before = batches_acknowledged_;
    for (int step = 0; step < 50'000; ++step) {
      // One more batch acknowledged after healing shows the cluster serves again.
      if (batches_acknowledged_ == acknowledged_before) MaybePropose();
      now_ = kyoso_raft_sim_step(sim_);
      if (in_flight_ || kyoso_raft_sim_leader(sim_) >= Nodes()) continue;
      std::set<uint64_t> applied;
      for (unsigned i = 0; i < Nodes(); ++i) applied.insert(kyoso_raft_sim_last_applied(sim_, i));
      if (applied.size() == 1 && batches_acknowledged_ > acknowledged_before) return true;
    }
    return false;
  }

  // The ledger invariants (conservation per currency, lots, caps) on every replica.
  void CheckLedgers() {
    for (Replica& replica : replicas_) {
      for (const std::string& violation : replica.checker.Check(replica.state->ledger())) {
        ADD_FAILURE() << "seed " << seed_ << ", node " << replica.id << ": " << violation;
      }
    }
  }

  // Every acknowledged transfer on every replica that has applied past it (and, at the
  // end, one chain head).
  void CheckReplicas(bool final) {
    std::set<std::string> heads;
    for (Replica& replica : replicas_) {
      const ledger::Ledger& ledger = replica.state->ledger();
      for (const auto& [id, ack] : acknowledged_) {
        if (ledger.applied_index() < ack.raft_index) continue;
        auto record = ledger.FindTransfer(id);
        ASSERT_TRUE(record.ok() && record->has_value())
            << "seed " << seed_ << ": node " << replica.id << " lost acknowledged transfer "
            << id.ToHex();
        EXPECT_EQ((*record)->seq, ack.seq) << "seed " << seed_ << ", node " << replica.id;
      }
      heads.insert(std::to_string(ledger.applied_index()) + Hex(ledger.chain_head()));
    }
    if (final) {
      EXPECT_EQ(heads.size(), 1u) << "seed " << seed_ << ": replicas differ at the end";
    }
  }

  uint32_t seed_;
  std::mt19937 random_;
  CommandGenerator generator_;
  SimCheckpoints checkpoints_;
  std::vector<Replica> replicas_;
  kyoso_raft_sim* sim_ = nullptr;
  uint64_t now_ = 0;
  ledger::Batch batch_;
  uint64_t proposal_ = 0;
  bool in_flight_ = false;
  unsigned last_leader_ = 0;
  uint64_t batches_acknowledged_ = 0;
  uint64_t proposed_at_ = 0;
  std::map<uint64_t, ledger::ChainHead> heads_;
  std::map<ledger::TransferId, Acknowledged> acknowledged_;
};

// Runs one seed in a child process, which exits without closing the simulation:
// libraft 0.22.1's fixture can free entries it does not own when it closes after log
// compaction (a bug in the fixture's teardown, after every check has run). The child's
// exit code says whether every check held.
bool RunSeedInChild(uint32_t seed) {
  std::cout.flush();
  pid_t child = fork();
  if (child == 0) {
    auto* simulation = new Simulation(seed, seed % 4 == 0 ? 5 : 3);  // Every fourth: five.
    simulation->Run();
    bool failed = ::testing::Test::HasFailure();
    std::cout.flush();
    std::cerr.flush();
    _exit(failed ? 1 : 0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) {
    std::cout << "seed " << seed << " crashed with signal " << WTERMSIG(status) << "\n";
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(RaftSimulation, SeededFaultsNeverLoseOrRepeatAnAcknowledgedTransfer) {
  std::optional<uint64_t> only = EnvNumber("KYOSO_SIM_SEED");
  uint64_t first = only.value_or(EnvNumberOr("KYOSO_SIM_FIRST_SEED", 1));
  uint64_t count = only ? 1 : EnvNumberOr("KYOSO_SIM_SEEDS", 500);
  for (uint64_t seed = first; seed < first + count; ++seed) {
    if (!RunSeedInChild(static_cast<uint32_t>(seed))) {
      ADD_FAILURE() << "seed " << seed << " failed; replay with KYOSO_SIM_SEED=" << seed;
      break;
    }
  }
  std::cout << "simulated " << count << " seeds from " << first << ": "
            << totals.transfers_acknowledged << " transfers acknowledged, " << totals.leader_changes
            << " leader changes, " << totals.snapshots_installed << " snapshots installed ("
            << totals.installed_ahead << " holding batches after their snapshot)\n";
  EXPECT_GT(totals.transfers_acknowledged, 0u);
  // Checkpoints are copied after their snapshot: over many seeds some hold later batches.
  if (count >= 100) {
    EXPECT_GT(totals.installed_ahead, 0u);
  }
}

}  // namespace
}  // namespace kyoso::testing
