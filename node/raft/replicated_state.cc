#include "node/raft/replicated_state.h"

namespace kyoso::node {
namespace {

// Chain heads remembered for cross-node comparison: enough for nodes a few seconds apart.
constexpr size_t kRecentHeadsMax = 65'536;

}  // namespace

ledger::StatusOr<std::unique_ptr<ReplicatedState>> ReplicatedState::Open(
    uint64_t node_id, std::string api_address, std::unique_ptr<ledger::Store> store,
    CheckpointKeeper* keeper, Hooks hooks) {
  std::unique_ptr<ReplicatedState> state(
      new ReplicatedState(node_id, std::move(api_address), keeper, std::move(hooks)));
  ledger::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(store.get());
  if (!opened.ok()) return opened.status();
  state->store_ = std::move(store);
  state->ledger_ = std::move(opened).value();
  state->raft_index_ = state->ledger_->applied_index();
  state->RememberHead(state->ledger_->applied_index(), state->ledger_->chain_head());
  return state;
}

ledger::Status ReplicatedState::Apply(uint64_t index, std::string_view bytes,
                                      const BatchApplied& on_batch) {
  ledger::StatusOr<Entry> entry = DecodeEntry(bytes);
  if (!entry.ok()) {
    return ledger::Status::Corruption("raft entry " + std::to_string(index) + ": " +
                                      entry.status().message());
  }
  raft_index_ = index;
  if (auto* announce = std::get_if<AnnounceEntry>(&*entry)) {
    directory_[announce->node] = announce->api_address;
    return ledger::Status::Ok();
  }
  return ApplyBatch(index, std::get<BatchEntry>(*entry), on_batch);
}

ledger::Status ReplicatedState::ApplyBatch(uint64_t index, BatchEntry& entry,
                                           const BatchApplied& on_batch) {
  // Applied before a restart: the ledger's WriteBatch recorded this index with it.
  if (index <= ledger_->applied_index()) return ledger::Status::Ok();
  entry.batch.index = index;
  ledger::StatusOr<ledger::BatchResult> result = ledger_->Apply(entry.batch);
  if (!result.ok()) return result.status();
  RememberHead(index, result->chain_head);
  if (hooks_.applied) hooks_.applied(entry.batch, *result, *ledger_);
  if (on_batch) on_batch(entry, *result);
  return ledger::Status::Ok();
}

void ReplicatedState::RememberHead(uint64_t index, const ledger::ChainHead& head) {
  if (!recent_heads_.empty() && recent_heads_.back().first >= index) return;
  recent_heads_.emplace_back(index, head);
  if (recent_heads_.size() > kRecentHeadsMax) recent_heads_.pop_front();
}

std::optional<std::pair<uint64_t, ledger::ChainHead>> ReplicatedState::HeadAtOrBefore(
    uint64_t index) const {
  // Binary search for the last entry whose index is <= `index`.
  auto after =
      std::upper_bound(recent_heads_.begin(), recent_heads_.end(), index,
                       [](uint64_t wanted, const std::pair<uint64_t, ledger::ChainHead>& e) {
                         return wanted < e.first;
                       });
  if (after == recent_heads_.begin()) return std::nullopt;
  return *std::prev(after);
}

ledger::StatusOr<std::string> ReplicatedState::TakeSnapshot(uint64_t index) {
  KYOSO_RETURN_IF_ERROR(keeper_->Keep(*store_, index));
  SnapshotDescription description;
  description.raft_index = index;
  description.ledger_index = ledger_->applied_index();
  description.chain_head = ledger_->chain_head();
  description.source = node_id_;
  description.source_address = api_address_;
  description.directory = directory_;
  return EncodeSnapshotDescription(description);
}

bool ReplicatedState::HoldsTheSnapshot(const SnapshotDescription& description) const {
  const uint64_t applied = ledger_->applied_index();
  if (applied == description.ledger_index) return ledger_->chain_head() == description.chain_head;
  if (applied < description.ledger_index) return false;
  // A copy taken after the snapshot holds later batches too (the log's replay skips
  // them): its journal says what the chain head was at the snapshot's last batch.
  if (description.ledger_index == 0) return true;
  ledger::StatusOr<std::vector<ledger::JournalEntry>> at =
      ledger_->Journal(description.ledger_index, 1);
  return at.ok() && !at->empty() && at->front().index == description.ledger_index &&
         at->front().chain_head == description.chain_head;
}

ledger::Status ReplicatedState::Restore(std::string_view bytes) {
  ledger::StatusOr<SnapshotDescription> description = DecodeSnapshotDescription(bytes);
  if (!description.ok()) return description.status();
  directory_ = description->directory;
  if (description->ledger_index <= ledger_->applied_index()) {
    // Our own state is already there or past it (a restart replaying its snapshot).
    raft_index_ = std::max(raft_index_, description->raft_index);
    return ledger::Status::Ok();
  }
  ledger_.reset();
  ledger::StatusOr<std::unique_ptr<ledger::Store>> installed =
      keeper_->Install(*description, std::move(store_));
  if (!installed.ok()) return installed.status();
  store_ = std::move(installed).value();
  ledger::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(store_.get());
  if (!opened.ok()) return opened.status();
  ledger_ = std::move(opened).value();
  if (!HoldsTheSnapshot(*description)) {
    return ledger::Status::Corruption("the installed checkpoint is not the state its snapshot at " +
                                      std::to_string(description->raft_index) + " describes");
  }
  raft_index_ = description->raft_index;
  recent_heads_.clear();
  RememberHead(ledger_->applied_index(), ledger_->chain_head());
  if (hooks_.restored) hooks_.restored(*ledger_);
  return ledger::Status::Ok();
}

}  // namespace kyoso::node
