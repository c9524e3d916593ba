#include "node/research_service.h"

#include <memory>
#include <vector>

#include "kyoso/ledger/flows.h"
#include "node/microdata.h"
#include "node/translate.h"

namespace kyoso::node {
namespace {

struct MicrodataScope {
  ResearchKey key;
  ledger::TransferScan scan;
  std::string token_scope;  // What a page token is bound to: currency, days and key.
};

// The period and the page asked for; INVALID_ARGUMENT naming the field otherwise.
grpc::Status ReadPeriod(const v1::ExportMicrodataRequest& q, MicrodataScope* scope) {
  std::optional<int32_t> first = ledger::DayFromText(q.first_day());
  std::optional<int32_t> last = ledger::DayFromText(q.last_day());
  if (!first) return InvalidField("first_day", "must be a day like 2026-11-01");
  if (!last) return InvalidField("last_day", "must be a day like 2026-11-30");
  // Ledger time in nanoseconds reaches 2262; days before 1970 hold no transfers.
  constexpr int32_t kLastDay = 106'000;
  if (*first < 0 || *last > kLastDay) {
    return InvalidField("first_day", "and last_day must lie between 1970 and 2260");
  }
  if (*last < *first || *last - *first >= kMicrodataDaysMax) {
    return InvalidField("last_day", "must be on or after first_day, at most 366 days later");
  }
  scope->scan.from = ledger::TimeNs{*first} * ledger::kNsPerDay;
  scope->scan.until = (ledger::TimeNs{*last} + 1) * ledger::kNsPerDay;
  scope->scan.records_min = kMicrodataTransfersPerPage;
  scope->token_scope = q.currency() + '\0' + q.first_day() + '\0' + q.last_day() + '\0' + q.key();
  if (q.page_token().empty()) return grpc::Status::OK;
  scope->scan.resume_at = Pseudonyms(scope->key).ResumeAt(scope->token_scope, q.page_token());
  if (!scope->scan.resume_at) {
    return InvalidField("page_token", "was not made by this node for this request and key");
  }
  return grpc::Status::OK;
}

// The page of `scope` from the ledger as it stands.
grpc::Status ReadPage(const ledger::Ledger& ledger, const v1::ExportMicrodataRequest& q,
                      const MicrodataScope& scope, v1::MicrodataPage* page) {
  if (ledger.FindCurrency(q.currency()) == nullptr) return NotFound("currency " + q.currency());
  if (ledger.last_timestamp() < scope.scan.until) {  // Only ended days: they change no more.
    return {grpc::StatusCode::FAILED_PRECONDITION,
            "period_not_closed: " + q.last_day() + " has not ended yet in ledger time"};
  }
  ledger::StatusOr<ledger::TransferScanPage> scanned = ledger.TransfersBetween(scope.scan);
  if (!scanned.ok()) return ToGrpcStatus(scanned.status());
  std::erase_if(scanned->records, [&](const ledger::TransferRecord& record) {
    return record.currency != q.currency();
  });
  Pseudonyms pseudonyms(scope.key);
  uint64_t left_out = 0;
  for (v1::MicrodataRow& row : MicrodataRows(ledger, scanned->records, pseudonyms, &left_out)) {
    *page->add_rows() = std::move(row);
  }
  page->set_currency(q.currency());
  page->set_key(scope.key.name);
  page->set_transfers_left_out(left_out);
  if (scanned->next)
    page->set_next_page_token(pseudonyms.PageToken(scope.token_scope, *scanned->next));
  return grpc::Status::OK;
}

// Loads the key and reads the period: what a page needs before the ledger is read.
grpc::Status Prepare(const ResearchConfig& config, const v1::ExportMicrodataRequest& q,
                     MicrodataScope* scope) {
  grpc::Status valid = LoadResearchKey(config.keys_dir, q.key(), &scope->key);
  if (valid.ok()) valid = ReadPeriod(q, scope);
  return valid;
}

}  // namespace

HttpRoute MicrodataRoute(const ResearchConfig& config) {
  // No read of its own: prepare, having loaded the key, always supplies it.
  HttpRoute route{"/v1/microdata",
                  Rpc::kExportMicrodata,
                  &v1::ExportMicrodataRequest::default_instance(),
                  &v1::MicrodataPage::default_instance(),
                  nullptr,
                  nullptr};
  route.prepare = [config](const google::protobuf::Message& request, HttpRoute::Serve* read) {
    const auto& q = static_cast<const v1::ExportMicrodataRequest&>(request);
    auto scope = std::make_shared<MicrodataScope>();
    grpc::Status valid = Prepare(config, q, scope.get());
    if (!valid.ok()) return valid;
    *read = [scope](const ledger::Ledger& ledger, const google::protobuf::Message& asked,
                    google::protobuf::Message* page, ReadRest*) {
      return ReadPage(ledger, static_cast<const v1::ExportMicrodataRequest&>(asked), *scope,
                      static_cast<v1::MicrodataPage*>(page));
    };
    return grpc::Status::OK;
  };
  return route;
}

grpc::ServerUnaryReactor* ResearchService::ExportMicrodata(grpc::CallbackServerContext* c,
                                                           const v1::ExportMicrodataRequest* q,
                                                           v1::MicrodataPage* r) {
  grpc::ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, Rpc::kExportMicrodata, *q, reactor)) return reactor;
  auto scope = std::make_shared<MicrodataScope>();
  if (grpc::Status valid = Prepare(config_, *q, scope.get()); !valid.ok()) {
    reactor->Finish(valid);
    return reactor;
  }
  consensus_->Read(q->stale_ok(), [reactor, q, r, scope](const ledger::Status& status,
                                                         const ledger::Ledger* ledger) {
    reactor->Finish(status.ok() ? ReadPage(*ledger, *q, *scope, r) : ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace kyoso::node
