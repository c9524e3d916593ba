// The catalogue's other requests: batches, administration, terminals and reads, and the
// wire itself (see bad_input_fixture.h).
#include "bad_input_fixture.h"

namespace kyoso::testing {

using v1::Money;
using v1::Terminal;

std::vector<Case> BadInputTest::BatchAdminAndWireCases() {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  return {
      // Batches.
      {"an empty batch",
       [this] {
         return Unary(town_->money(), &Money::Stub::SubmitBatch, v1::SubmitBatchRequest());
       },
       StatusCode::INVALID_ARGUMENT, "items must hold 1 to 1,000 transfers"},
      {"a batch of 1,001 items",
       [this] {
         v1::SubmitBatchRequest q;
         for (int i = 0; i < 1'001; ++i) {
           v1::SubmitBatchRequest::Item* item = q.add_items();
           item->set_kind(v1::TRANSFER_KIND_ISSUE);
           *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         }
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "items must hold 1 to 1,000 transfers"},
      {"a batch ending inside a linked group",
       [this] {
         v1::SubmitBatchRequest q;
         auto* item = q.add_items();
         item->set_kind(v1::TRANSFER_KIND_ISSUE);
         *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         item->mutable_transfer()->set_linked(true);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "its group never closes"},
      {"a batch item of no kind",
       [this] {
         v1::SubmitBatchRequest q;
         *q.add_items()->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "items[0]: kind is not a transfer kind"},
      {"a batch item of an unknown kind",
       [this] {
         v1::SubmitBatchRequest q;
         auto* item = q.add_items();
         item->set_kind(static_cast<v1::TransferKind>(99));
         *item->mutable_transfer() = town_->NewTransfer("iss:bunji", "res:bob", 1);
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::INVALID_ARGUMENT, "kind is not a transfer kind"},
      {"a merchant's batch with one item from another merchant",
       [this] {
         v1::SubmitBatchRequest q;
         for (const char* from : {"mch:bakery", "mch:grocer"}) {
           auto* item = q.add_items();
           item->set_kind(v1::TRANSFER_KIND_PURCHASE);
           *item->mutable_transfer() = town_->NewTransfer(from, "prd:farm", 1);
         }
         return Unary(As("bakery")->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::PERMISSION_DENIED, "bound to mch:bakery"},
      // Administration.
      {"an account key of 31 bytes",
       [this] {
         v1::CreateAccountRequest q;
         q.set_id("res:carol");
         q.set_currency(kBunji);
         q.set_owner_public_key(std::string(31, 'k'));
         return Unary(town_->admin(), &v1::Admin::Stub::CreateAccount, q);
       },
       StatusCode::INVALID_ARGUMENT, "owner_public_key"},
      {"a rotation to a key of 33 bytes",
       [this] {
         v1::RotateOwnerKeyRequest q;
         q.set_id("res:alice");
         q.set_owner_public_key(std::string(33, 'k'));
         return Unary(town_->admin(), &v1::Admin::Stub::RotateOwnerKey, q);
       },
       StatusCode::INVALID_ARGUMENT, "owner_public_key must be a raw 32-byte Ed25519 key"},
      {"an account status out of the enum",
       [this] {
         v1::SetAccountStatusRequest q;
         q.set_id("res:alice");
         q.set_status(static_cast<v1::AccountStatus>(42));
         return Unary(town_->admin(), &v1::Admin::Stub::SetAccountStatus, q);
       },
       StatusCode::INVALID_ARGUMENT, "status must be ACTIVE, FROZEN or CLOSED"},
      {"programme rules naming an unknown account kind",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         q.mutable_rules()->add_payee_kinds(static_cast<v1::AccountKind>(77));
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "rules.payee_kinds holds an unknown account kind"},
      {"programme rules with a negative lot validity",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         q.mutable_rules()->set_lot_validity_ms(-1);
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "rules.lot_validity_ms is negative or too large"},
      {"programme rules listing 65 sectors",
       [this] {
         v1::SetProgramRulesRequest q;
         q.set_id(kFreshFood);
         for (int i = 0; i < 65; ++i) q.mutable_rules()->add_payee_sectors("s" + std::to_string(i));
         return Unary(town_->admin(), &v1::Admin::Stub::SetProgramRules, q);
       },
       StatusCode::INVALID_ARGUMENT, "lists more than 64 sectors or districts"},
      {"a currency whose demurrage period overflows",
       [this, kMax] {
         v1::CreateCurrencyRequest q;
         q.set_code("ODD");
         q.set_demurrage_period_ms(kMax);
         return Unary(town_->admin(), &v1::Admin::Stub::CreateCurrency, q);
       },
       StatusCode::INVALID_ARGUMENT, "demurrage_period_ms is negative or too large"},
      // Terminals and reads.
      {"a payment request for a negative amount",
       [this] {
         v1::CreatePaymentRequestRequest q;
         q.set_merchant("mch:bakery");
         q.set_currency(kBunji);
         q.set_amount_minor(-1);
         return Unary(As("bakery")->terminal(), &Terminal::Stub::CreatePaymentRequest, q);
       },
       StatusCode::INVALID_ARGUMENT, "amount_minor must be positive"},
      {"a payment request valid for two days",
       [this] {
         v1::CreatePaymentRequestRequest q;
         q.set_merchant("mch:bakery");
         q.set_currency(kBunji);
         q.set_amount_minor(100);
         q.set_valid_for_ms(2LL * 24 * 3600 * 1000);
         return Unary(As("bakery")->terminal(), &Terminal::Stub::CreatePaymentRequest, q);
       },
       StatusCode::INVALID_ARGUMENT, "valid_for_ms must be at most a day"},
      {"a history page of 5,000",
       [this] {
         v1::ListHistoryRequest q;
         q.set_account("res:alice");
         q.set_limit(5'000);
         return Unary(town_->query(), &v1::Query::Stub::ListHistory, q);
       },
       StatusCode::INVALID_ARGUMENT, "limit must be at most 1,000"},
      {"a transfer looked up by a malformed id",
       [this] { return AnswerOf(town_->GetTransfer("xyz")); }, StatusCode::INVALID_ARGUMENT, "id"},
      // The wire itself.
      {"bytes that are not a protobuf",
       [this] { return Raw("/kyoso.v1.Money/Purchase", std::string("\xff\xff\xff\xff\x0f", 5)); },
       StatusCode::UNIMPLEMENTED, ""},
      {"a method that does not exist", [this] { return Raw("/kyoso.v1.Money/Steal", ""); },
       StatusCode::UNIMPLEMENTED, ""},
      {"a message larger than the node accepts",
       [this] {
         v1::SubmitBatchRequest q;
         for (int i = 0; i < 1'000; ++i) {
           q.add_items()->mutable_transfer()->set_memo(std::string(5'000, 'x'));
         }
         return Unary(town_->money(), &Money::Stub::SubmitBatch, q);
       },
       StatusCode::RESOURCE_EXHAUSTED, "larger than max"},
  };
}

}  // namespace kyoso::testing
