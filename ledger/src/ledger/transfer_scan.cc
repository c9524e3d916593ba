// Ledger::TransfersBetween: the transfers of a stretch of time, found through the batches
// column (time → the batch's journal index) and the journal (what each batch did).
#include "kyoso/ledger/codec.h"
#include "state.h"

namespace kyoso::ledger {
namespace {

// The start of the batch holding ledger time `at`, or `at` when no batch starts before.
StatusOr<TimeNs> BatchStartAtOrBefore(const Store& store, TimeNs at) {
  TimeNs start = at;
  Status parse_status;
  KYOSO_RETURN_IF_ERROR(store.Scan(Column::kBatches, "", keys::BatchStart(at + 1), true,
                                   [&](std::string_view key, std::string_view) {
                                     StatusOr<TimeNs> first = keys::ParseBatchStart(key);
                                     if (first.ok()) start = *first;
                                     parse_status = first.status();
                                     return false;
                                   }));
  KYOSO_RETURN_IF_ERROR(parse_status);
  return start;
}

// Adds the records of the transfers that batch `index` applied for the first time and
// stamped within [from, until).
Status AddBatchTransfers(const Ledger& ledger, const Store& store, uint64_t index,
                         const TransferScan& scan, TransferScanPage* page) {
  std::string value;
  KYOSO_RETURN_IF_ERROR(store.Get(Column::kJournal, keys::U64(index), &value));
  StatusOr<JournalEntry> entry = DecodeJournalValue(index, value);
  if (!entry.ok()) return entry.status();
  StatusOr<Batch> batch = DecodeBatch(entry->batch);
  StatusOr<std::vector<CommandResult>> results = DecodeResults(entry->results);
  if (!batch.ok() || !results.ok() || results->size() != batch->commands.size()) {
    return Status::Corruption("journal entry " + std::to_string(index));
  }
  for (size_t i = 0; i < results->size(); ++i) {
    const CommandResult& result = (*results)[i];
    const auto* request = std::get_if<TransferRequest>(&batch->commands[i]);
    bool took_effect = result.code == ResultCode::kOk && result.seq != 0 && !result.duplicate;
    if (request == nullptr || !took_effect) continue;
    if (result.timestamp < scan.from || result.timestamp >= scan.until) continue;
    StatusOr<std::optional<TransferRecord>> record = ledger.FindTransfer(request->id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return Status::Corruption("journal names a transfer never stored");
    page->records.push_back(std::move(**record));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<TransferScanPage> Ledger::TransfersBetween(const TransferScan& scan) const {
  TransferScanPage page;
  if (scan.from >= scan.until || scan.records_min == 0) {
    return Status::InvalidArgument("a transfer scan needs from < until and records_min > 0");
  }
  TimeNs start = 0;
  if (scan.resume_at) {
    start = *scan.resume_at;
  } else {
    StatusOr<TimeNs> first = BatchStartAtOrBefore(*store_, scan.from);
    if (!first.ok()) return first.status();
    start = *first;
  }
  Status status;
  KYOSO_RETURN_IF_ERROR(store_->Scan(
      Column::kBatches, keys::BatchStart(start), keys::BatchStart(scan.until), false,
      [&](std::string_view key, std::string_view value) {
        StatusOr<TimeNs> first = keys::ParseBatchStart(key);
        StatusOr<keys::BatchSpan> span = keys::ParseBatchSpan(value);
        if (!first.ok() || !span.ok()) {
          status = Status::Corruption("batch start record");
          return false;
        }
        if (page.records.size() >= scan.records_min) {
          page.next = *first;
          return false;
        }
        bool before_from = *first + static_cast<TimeNs>(span->count) <= scan.from;
        if (before_from) return true;  // The batch holding `from` may start earlier.
        if (span->index == 0) {
          status = Status::FailedPrecondition(
              "a batch of this period was recorded before the ledger kept batch indexes");
          return false;
        }
        status = AddBatchTransfers(*this, *store_, span->index, scan, &page);
        return status.ok();
      }));
  KYOSO_RETURN_IF_ERROR(status);
  return page;
}

}  // namespace kyoso::ledger
