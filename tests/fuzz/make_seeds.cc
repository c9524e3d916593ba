// make-fuzz-seeds DIR: writes the seed corpus of each fuzz target under DIR/<target>/:
// real encodings of every command kind, results, raft entries, a snapshot description,
// and well-formed requests of every type. Run once; the output is committed
// (tests/fuzz/corpus) so every fuzz run starts from valid inputs.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/journal.h"
#include "kyoso/v1/admin.pb.h"
#include "kyoso/v1/money.pb.h"
#include "node/raft/entry.h"

namespace {

using namespace kyoso;
namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

ledger::TransferRequest SampleTransfer(ledger::TransferKind kind) {
  ledger::TransferRequest t;
  t.id = ledger::TransferId{0x0123456789abcdefULL, 0x1122334455667788ULL};
  t.kind = kind;
  t.from = "res:alice";
  t.to = "mch:bakery";
  t.amount = 1'250;
  t.program = "fresh-food";
  t.ref = ledger::TransferId{7, 9};
  t.hold_timeout_ns = 3'600'000'000'000;
  t.memo = "bread";
  t.terminal = "pos-7";
  return t;
}

std::vector<ledger::Command> SampleCommands() {
  ledger::CreateCurrency currency;
  currency.code = "BUNJI";
  currency.name = "Bunji";
  currency.scale = 2;
  currency.issuer_account = "iss:bunji";
  currency.fee_account = "fee:bunji";
  currency.backing = "KRW";
  ledger::CreateAccount account;
  account.id = "res:alice";
  account.currency = "BUNJI";
  account.district = "north";
  account.owner_key = std::string(32, '\x07');
  ledger::CreateProgram program;
  program.id = "fresh-food";
  program.name = "Fresh food";
  program.currency = "BUNJI";
  program.budget = 1'000'000;
  program.valid_until = 1LL << 62;
  program.rules.bonus_bps = 1'000;
  program.rules.payee_sectors = {"food"};
  std::vector<ledger::Command> commands = {
      currency,
      account,
      ledger::SetAccountStatus{"res:alice", ledger::AccountStatus::kFrozen},
      ledger::SetResearchConsent{"res:alice", true},
      program,
      ledger::SetProgramRules{"fresh-food", program.rules},
      ledger::SetExchangeRate{
          ledger::ExchangeRate{"BUNJI", "HANA", 0, ledger::Rational{3, 2}, 100}},
      ledger::Tick{},
      ledger::RotateOwnerKey{"res:alice", std::string(32, '\x09')}};
  for (int kind = 0; kind < ledger::kTransferKindCount; ++kind) {
    commands.push_back(SampleTransfer(static_cast<ledger::TransferKind>(kind)));
  }
  return commands;
}

void CommandSeeds(const fs::path& dir) {
  std::vector<ledger::Command> commands = SampleCommands();
  std::string bytes;
  for (size_t i = 0; i < commands.size(); ++i) {
    bytes.clear();
    ledger::EncodeCommand(commands[i], &bytes);
    Write(dir, "command-" + std::to_string(i), bytes);
  }
  ledger::Batch batch{42, 1'700'000'000'000'000'000, commands};
  bytes.clear();
  ledger::EncodeBatch(batch, &bytes);
  Write(dir, "batch", bytes);
  std::vector<ledger::CommandResult> results(3);
  results[1].code = ledger::ResultCode::kInsufficientFunds;
  results[2].seq = 9;
  results[2].fee = 25;
  bytes.clear();
  ledger::EncodeResults(results, &bytes);
  Write(dir, "results", bytes);
  std::string batch_bytes;
  ledger::EncodeBatch(batch, &batch_bytes);
  ledger::JournalEntry entry{42, batch_bytes, bytes, {}};
  entry.chain_head = ledger::NextChainHead(entry.chain_head, entry.batch, entry.results);
  std::string journal;
  ledger::EncodeJournalValue(entry.batch, entry.results, entry.chain_head, &journal);
  Write(dir, "journal", journal);
}

void SnapshotSeeds(const fs::path& dir) {
  node::SnapshotDescription description;
  description.raft_index = 1'024;
  description.ledger_index = 1'020;
  description.chain_head.fill(0xab);
  description.source = 2;
  description.source_address = "127.0.0.1:7402";
  description.directory = {{1, "127.0.0.1:7401"}, {2, "127.0.0.1:7402"}};
  Write(dir, "snapshot", node::EncodeSnapshotDescription(description));
  std::string bytes;
  node::EncodeEntry(node::BatchEntry{2, 17, ledger::Batch{0, 5, SampleCommands()}}, &bytes);
  Write(dir, "entry-batch", bytes);
  bytes.clear();
  node::EncodeEntry(node::AnnounceEntry{3, "127.0.0.1:7403"}, &bytes);
  Write(dir, "entry-announce", bytes);
}

v1::Transfer WireTransfer() {
  v1::Transfer t;
  t.set_id("0123456789abcdef1122334455667788");
  t.set_from("res:alice");
  t.set_to("mch:bakery");
  t.set_amount_minor(1'250);
  t.set_currency("BUNJI");
  t.set_program("fresh-food");
  t.set_memo("bread");
  t.set_hold_timeout_ms(60'000);
  t.set_signature(std::string(64, 's'));
  return t;
}

// The first byte picks the type in request_translate_fuzz.cc: (byte % 9), and for
// transfers (byte / 9) is the TransferKind.
void RequestSeeds(const fs::path& dir) {
  v1::TransferRequest transfer;
  *transfer.mutable_transfer() = WireTransfer();
  for (int kind = 1; kind <= 12; ++kind) {
    Write(dir, "transfer-" + std::to_string(kind),
          std::string(1, static_cast<char>(9 * kind)) + transfer.SerializeAsString());
  }
  v1::CreateCurrencyRequest currency;
  currency.set_code("BUNJI");
  currency.set_name("Bunji");
  currency.set_scale(2);
  currency.set_issuer_account("iss:bunji");
  currency.set_fee_account("fee:bunji");
  Write(dir, "currency", std::string(1, '\x01') + currency.SerializeAsString());
  v1::CreateAccountRequest account;
  account.set_id("res:alice");
  account.set_currency("BUNJI");
  account.set_owner_public_key(std::string(32, 'k'));
  Write(dir, "account", std::string(1, '\x02') + account.SerializeAsString());
  v1::RotateOwnerKeyRequest rotate;
  rotate.set_id("res:alice");
  rotate.set_owner_public_key(std::string(32, 'n'));
  Write(dir, "rotate", std::string(1, '\x04') + rotate.SerializeAsString());
  v1::CreateProgramRequest program;
  program.set_id("fresh-food");
  program.set_name("Fresh food");
  program.set_currency("BUNJI");
  program.set_budget_minor(1'000'000);
  program.mutable_rules()->set_bonus_bps(1'000);
  program.mutable_rules()->add_payee_kinds(v1::ACCOUNT_KIND_MERCHANT);
  program.mutable_rules()->add_payee_sectors("food");
  Write(dir, "program", std::string(1, '\x05') + program.SerializeAsString());
  v1::SubmitBatchRequest batch;
  for (auto kind : {v1::TRANSFER_KIND_ISSUE, v1::TRANSFER_KIND_PAYMENT}) {
    auto* item = batch.add_items();
    item->set_kind(kind);
    *item->mutable_transfer() = WireTransfer();
  }
  Write(dir, "batch", std::string(1, '\x08') + batch.SerializeAsString());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make-fuzz-seeds DIR\n";
    return 2;
  }
  fs::path root = argv[1];
  CommandSeeds(root / "command_decode");
  SnapshotSeeds(root / "snapshot_decode");
  RequestSeeds(root / "request_translate");
  return 0;
}
