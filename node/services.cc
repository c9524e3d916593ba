#include "node/services.h"

#include <openssl/rand.h>

#include <chrono>

#include "kyoso/crypto/encoding.h"
#include "kyoso/crypto/payment_uri.h"
#include "node/flow_tables.h"
#include "node/translate.h"

namespace kyoso::node {
namespace {

using ledger::TransferKind;

constexpr int64_t kPaymentRequestDefaultMs = 15 * 60 * 1'000;
constexpr int64_t kPaymentRequestMaxMs = 24LL * 60 * 60 * 1'000;
constexpr uint32_t kJournalPageMax = 1'000;
constexpr size_t kJournalPageBytes = 2 << 20;
constexpr int64_t kHoldTimeoutMaxMs = 7LL * 24 * 60 * 60 * 1'000;  // The ledger's bound.

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string PaymentRequestText(const v1::PaymentRequest& r) {
  crypto::PaymentRequestUri uri{r.transfer_id(), r.merchant(),       r.amount_minor(),
                                r.currency(),    r.not_after_ns(),   r.memo(),
                                r.terminal(),    r.hold_timeout_ms()};
  return crypto::FormatPaymentRequestUri(uri);
}

}  // namespace

// --- Admin ---

template <typename Request>
ServerUnaryReactor* AdminService::Run(CallbackServerContext* context, Rpc rpc,
                                      const Request& request, v1::AdminReply* reply) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, context, rpc, request, reactor)) return reactor;
  Translated<ledger::Command> command = ToCommand(request);
  writes_->SubmitCommand(context, reactor, command.status, std::move(command.value), reply);
  return reactor;
}

ServerUnaryReactor* AdminService::CreateCurrency(CallbackServerContext* c,
                                                 const v1::CreateCurrencyRequest* q,
                                                 v1::AdminReply* r) {
  return Run(c, Rpc::kCreateCurrency, *q, r);
}
ServerUnaryReactor* AdminService::CreateAccount(CallbackServerContext* c,
                                                const v1::CreateAccountRequest* q,
                                                v1::AdminReply* r) {
  return Run(c, Rpc::kCreateAccount, *q, r);
}
ServerUnaryReactor* AdminService::SetAccountStatus(CallbackServerContext* c,
                                                   const v1::SetAccountStatusRequest* q,
                                                   v1::AdminReply* r) {
  return Run(c, Rpc::kSetAccountStatus, *q, r);
}
ServerUnaryReactor* AdminService::RotateOwnerKey(CallbackServerContext* c,
                                                 const v1::RotateOwnerKeyRequest* q,
                                                 v1::AdminReply* r) {
  return Run(c, Rpc::kRotateOwnerKey, *q, r);
}
ServerUnaryReactor* AdminService::CreateProgram(CallbackServerContext* c,
                                                const v1::CreateProgramRequest* q,
                                                v1::AdminReply* r) {
  return Run(c, Rpc::kCreateProgram, *q, r);
}
ServerUnaryReactor* AdminService::SetProgramRules(CallbackServerContext* c,
                                                  const v1::SetProgramRulesRequest* q,
                                                  v1::AdminReply* r) {
  return Run(c, Rpc::kSetProgramRules, *q, r);
}
ServerUnaryReactor* AdminService::SetExchangeRate(CallbackServerContext* c,
                                                  const v1::SetExchangeRateRequest* q,
                                                  v1::AdminReply* r) {
  return Run(c, Rpc::kSetExchangeRate, *q, r);
}

// --- Money ---

ServerUnaryReactor* MoneyService::Run(CallbackServerContext* c, const v1::TransferRequest* q,
                                      v1::TransferReply* r, TransferKind kind) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, RpcForKind(kind), *q, reactor)) return reactor;
  writes_->SubmitTransfer(c, reactor, q->transfer(), kind, r);
  return reactor;
}

#define KYOSO_TRANSFER_RPC(Service, Method, Kind)                                             \
  ServerUnaryReactor* Service::Method(CallbackServerContext* c, const v1::TransferRequest* q, \
                                      v1::TransferReply* r) {                                 \
    return Run(c, q, r, TransferKind::Kind);                                                  \
  }
KYOSO_TRANSFER_RPC(MoneyService, Issue, kIssue)
KYOSO_TRANSFER_RPC(MoneyService, TopUp, kTopUp)
KYOSO_TRANSFER_RPC(MoneyService, Pay, kPayment)
KYOSO_TRANSFER_RPC(MoneyService, Purchase, kPurchase)
KYOSO_TRANSFER_RPC(MoneyService, Redeem, kRedeem)
KYOSO_TRANSFER_RPC(MoneyService, CashOut, kCashOut)
KYOSO_TRANSFER_RPC(MoneyService, Exchange, kExchange)
KYOSO_TRANSFER_RPC(MoneyService, Correct, kCorrection)
KYOSO_TRANSFER_RPC(TerminalService, Authorize, kHold)
KYOSO_TRANSFER_RPC(TerminalService, Capture, kPost)
KYOSO_TRANSFER_RPC(TerminalService, Void, kVoid)
KYOSO_TRANSFER_RPC(TerminalService, Refund, kRefund)
#undef KYOSO_TRANSFER_RPC

ServerUnaryReactor* MoneyService::SubmitBatch(CallbackServerContext* c,
                                              const v1::SubmitBatchRequest* q,
                                              v1::SubmitBatchReply* r) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  Caller caller;
  if (Refused(*gate_, c, Rpc::kSubmitBatch, *q, reactor, &caller)) return reactor;
  // Each item passes the rule of the call it stands for; kinds that are not transfers
  // are refused item by item further on.
  for (const v1::SubmitBatchRequest::Item& item : q->items()) {
    std::optional<TransferKind> kind = ToLedgerKind(item.kind());
    grpc::Status allowed = kind ? Access::Allow(caller, RpcForKind(*kind), item) : grpc::Status();
    if (!allowed.ok()) {
      reactor->Finish(allowed);
      return reactor;
    }
  }
  writes_->SubmitBatch(reactor, *q, r);
  return reactor;
}

// --- Terminal ---

ServerUnaryReactor* TerminalService::Run(CallbackServerContext* c, const v1::TransferRequest* q,
                                         v1::TransferReply* r, TransferKind kind) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, RpcForKind(kind), *q, reactor)) return reactor;
  writes_->SubmitTransfer(c, reactor, q->transfer(), kind, r);
  return reactor;
}

ServerUnaryReactor* TerminalService::CreatePaymentRequest(CallbackServerContext* c,
                                                          const v1::CreatePaymentRequestRequest* q,
                                                          v1::PaymentRequest* r) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, Rpc::kCreatePaymentRequest, *q, reactor)) return reactor;
  std::optional<AccountFacts> merchant = directory_->Find(q->merchant());
  int64_t valid_ms = q->valid_for_ms() == 0 ? kPaymentRequestDefaultMs : q->valid_for_ms();
  grpc::Status status;
  if (!merchant) {
    status = NotFound("account " + q->merchant());
  } else if (merchant->currency != q->currency()) {
    status = InvalidField("currency", "is not the currency of " + q->merchant());
  } else if (q->amount_minor() <= 0) {
    status = InvalidField("amount_minor", "must be positive");
  } else if (valid_ms < 0 || valid_ms > kPaymentRequestMaxMs) {
    status = InvalidField("valid_for_ms", "must be at most a day");
  } else if (q->hold_timeout_ms() < 0 || q->hold_timeout_ms() > kHoldTimeoutMaxMs) {
    status = InvalidField("hold_timeout_ms", "must be at most 7 days");
  } else if (q->memo().size() > ledger::kMemoLengthMax ||
             q->terminal().size() > ledger::kTerminalIdLengthMax) {
    status = InvalidField("memo or terminal", "is too long");
  }
  std::string id(16, '\0');
  if (status.ok() && RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), 16) != 1) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, "no random bytes for a transfer id");
  }
  if (!status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  r->set_transfer_id(crypto::ToHex(id));
  r->set_merchant(q->merchant());
  r->set_amount_minor(q->amount_minor());
  r->set_currency(q->currency());
  r->set_memo(q->memo());
  r->set_terminal(q->terminal());
  r->set_hold_timeout_ms(q->hold_timeout_ms());
  r->set_not_after_ns(NowNs() + valid_ms * 1'000'000);
  r->set_uri(PaymentRequestText(*r));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

// --- Resident ---

ServerUnaryReactor* ResidentService::SetResearchConsent(CallbackServerContext* c,
                                                        const v1::SetResearchConsentRequest* q,
                                                        v1::AdminReply* r) {
  ServerUnaryReactor* reactor = calls_->NewReactor();
  if (Refused(*gate_, c, Rpc::kSetResearchConsent, *q, reactor)) return reactor;
  writes_->SetResearchConsent(c, reactor, *q, r);
  return reactor;
}

// --- Query ---

template <typename Request>
ServerUnaryReactor* QueryService::Read(CallbackServerContext* c, Rpc rpc, const Request& q,
                                       ReadFn read) {
  return ServeRead(*calls_, *gate_, *consensus_, c, rpc, q, std::move(read));
}

ServerUnaryReactor* QueryService::GetAccount(CallbackServerContext* c,
                                             const v1::GetAccountRequest* q, v1::Account* r) {
  return Read(c, Rpc::kGetAccount, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    const ledger::Account* account = ledger.FindAccount(q->id());
    if (account == nullptr) return NotFound("account " + q->id());
    ToProto(*account, r);
    return grpc::Status::OK;
  });
}

ServerUnaryReactor* QueryService::GetTransfer(CallbackServerContext* c,
                                              const v1::GetTransferRequest* q,
                                              v1::TransferRecord* r) {
  Translated<ledger::TransferId> id = ToTransferId("id", q->id());
  return Read(c, Rpc::kGetTransfer, *q,
              [id, r](const Caller& caller, const ledger::Ledger& ledger) {
                if (!id.ok()) return id.status;
                ledger::StatusOr<std::optional<ledger::TransferRecord>> record =
                    ledger.FindTransfer(id.value);
                if (!record.ok()) return ToGrpcStatus(record.status());
                if (!record->has_value()) return NotFound("transfer " + id.value.ToHex());
                const ledger::TransferRequest& request = (*record)->request;
                grpc::Status party = Access::AllowParty(caller, request.from, request.to);
                if (!party.ok()) return party;
                ToProto(**record, r);
                return grpc::Status::OK;
              });
}

ServerUnaryReactor* QueryService::ListHistory(CallbackServerContext* c,
                                              const v1::ListHistoryRequest* q,
                                              v1::ListHistoryReply* r) {
  return Read(c, Rpc::kListHistory, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    if (ledger.FindAccount(q->account()) == nullptr) return NotFound("account " + q->account());
    if (q->limit() > ledger::kHistoryPageMax) {
      return InvalidField("limit", "must be at most 1,000");
    }
    ledger::HistoryQuery query;
    if (q->from_ns() != 0) query.from = q->from_ns();
    if (q->until_ns() != 0) query.until = q->until_ns();
    query.cursor = q->cursor();
    query.limit = q->limit() == 0 ? 100 : q->limit();
    query.newest_first = !q->oldest_first();
    ledger::StatusOr<ledger::HistoryPage> page = ledger.History(q->account(), query);
    if (!page.ok()) return ToGrpcStatus(page.status());
    for (const ledger::HistoryEntry& entry : page->entries) ToProto(entry, r->add_entries());
    r->set_next_cursor(page->next_cursor);
    return grpc::Status::OK;
  });
}

ServerUnaryReactor* QueryService::GetBalanceAt(CallbackServerContext* c,
                                               const v1::GetBalanceAtRequest* q, v1::BalanceAt* r) {
  return Read(c, Rpc::kGetBalanceAt, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    if (ledger.FindAccount(q->account()) == nullptr) return NotFound("account " + q->account());
    uint64_t seq = q->seq();
    if (q->at_case() == v1::GetBalanceAtRequest::kTimeNs) {
      ledger::StatusOr<uint64_t> at = ledger.LastSeqAt(q->time_ns());
      if (!at.ok()) return ToGrpcStatus(at.status());
      seq = *at;
    } else if (q->at_case() != v1::GetBalanceAtRequest::kSeq) {
      return InvalidField("at", "must give a time_ns or a seq");
    }
    ledger::StatusOr<ledger::Amount> balance = ledger.BalanceAtSeq(q->account(), seq);
    if (!balance.ok()) return ToGrpcStatus(balance.status());
    r->set_account(q->account());
    r->set_balance_minor(*balance);
    r->set_seq(seq);
    return grpc::Status::OK;
  });
}

ServerUnaryReactor* QueryService::GetProgram(CallbackServerContext* c,
                                             const v1::GetProgramRequest* q, v1::Program* r) {
  return Read(c, Rpc::kGetProgram, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    const ledger::Program* program = ledger.FindProgram(q->id());
    if (program == nullptr) return NotFound("programme " + q->id());
    ToProto(*program, r);
    return grpc::Status::OK;
  });
}

ServerUnaryReactor* QueryService::ListJournal(CallbackServerContext* c,
                                              const v1::ListJournalRequest* q, v1::JournalPage* r) {
  return Read(c, Rpc::kListJournal, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    if (q->limit() > kJournalPageMax) return InvalidField("limit", "must be at most 1,000");
    size_t limit = q->limit() == 0 ? 100 : q->limit();
    // One more than asked, to know whether a next page exists.
    auto entries = ledger.Journal(q->from_index(), limit + 1);
    if (!entries.ok()) return ToGrpcStatus(entries.status());
    size_t i = 0;
    // Pages stay under a client's default 4 MiB message limit (one batch always fits).
    for (size_t bytes = 0; i < entries->size() && i < limit && bytes < kJournalPageBytes; ++i) {
      const ledger::JournalEntry& entry = (*entries)[i];
      bytes += entry.batch.size() + entry.results.size();
      v1::JournalEntry* out = r->add_entries();
      out->set_index(entry.index);
      out->set_batch(entry.batch);
      out->set_results(entry.results);
      out->set_chain_head(entry.chain_head.data(), entry.chain_head.size());
    }
    if (i < entries->size()) r->set_next_index((*entries)[i].index);
    return grpc::Status::OK;
  });
}

ServerUnaryReactor* QueryService::GetFlowTable(CallbackServerContext* c,
                                               const v1::FlowTableRequest* q, v1::FlowTable* r) {
  return ServeReadInParts(
      *calls_, *gate_, *consensus_, *flows_.worker, c, Rpc::kGetFlowTable, *q,
      [this, q, r](const Caller&, const ledger::Ledger& ledger, ReadRest* rest) {
        ledger::FlowQuery query;
        if (grpc::Status valid = ToFlowQuery(*q, &query); !valid.ok()) return valid;
        return TakeFlowTable(ledger, query, flows_, r, rest);
      });
}

ServerUnaryReactor* QueryService::GetProgramMetrics(CallbackServerContext* c,
                                                    const v1::ProgramMetricsRequest* q,
                                                    v1::ProgramMetrics* r) {
  return ServeReadInParts(
      *calls_, *gate_, *consensus_, *flows_.worker, c, Rpc::kGetProgramMetrics, *q,
      [this, q, r](const Caller&, const ledger::Ledger& ledger, ReadRest* rest) {
        return TakeProgramMetrics(ledger, *q, flows_, r, rest);
      });
}

ServerUnaryReactor* QueryService::GetCurrency(CallbackServerContext* c,
                                              const v1::GetCurrencyRequest* q, v1::Currency* r) {
  return Read(c, Rpc::kGetCurrency, *q, [q, r](const Caller&, const ledger::Ledger& ledger) {
    const ledger::Currency* currency = ledger.FindCurrency(q->code());
    if (currency == nullptr) return NotFound("currency " + q->code());
    ToProto(*currency, r);
    return grpc::Status::OK;
  });
}

}  // namespace kyoso::node
