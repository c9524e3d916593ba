#include "node/microdata.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>

#include "kyoso/crypto/encoding.h"
#include "kyoso/ledger/flows.h"

namespace kyoso::node {
namespace {

constexpr size_t kPseudonymBytes = 16;  // 128 bits: no collisions in any town.

grpc::Status KeyFileProblem(const std::string& path, const std::string& why) {
  return {grpc::StatusCode::FAILED_PRECONDITION, "research key file " + path + " " + why};
}

bool LeftOut(const ledger::Account& account) {
  return account.kind == ledger::AccountKind::kResident && !account.research_consent;
}

void SetParty(const ledger::Account& account, const Pseudonyms& pseudonyms, std::string* id,
              std::string* kind, std::string* sector, std::string* district) {
  *id = pseudonyms.Account(account.id);
  *kind = ledger::AccountKindPrefix(account.kind);
  *sector = account.sector;
  *district = account.district;
}

// The rows of one transfer, in the order of its legs.
void AddTransferRows(const ledger::TransferRecord& record, const ledger::Account& payer,
                     const ledger::Account& payee, const ledger::Account* issuer,
                     const Pseudonyms& pseudonyms, std::vector<v1::MicrodataRow>* rows) {
  std::string transfer = pseudonyms.Transfer(record.request.id);
  std::string day =
      ledger::DayText(ledger::PeriodOf(ledger::PeriodKind::kDay, record.timestamp).start_day);
  ledger::ForEachFlow(record, [&](ledger::FlowClass flow_class, std::string_view program,
                                  ledger::Amount amount, ledger::FlowLeg leg) {
    bool cash_back = leg == ledger::FlowLeg::kCashBack;
    if (cash_back && issuer == nullptr) return;
    const ledger::Account& from = cash_back ? *issuer : payer;
    const ledger::Account& to = cash_back ? payer : payee;
    v1::MicrodataRow& row = rows->emplace_back();
    row.set_transfer(transfer);
    row.set_day(day);
    row.set_flow_class(std::string(ledger::FlowClassName(flow_class)));
    row.set_transfer_kind(std::string(ledger::TransferKindName(record.request.kind)));
    row.set_program(std::string(program));
    row.set_amount_minor(amount);
    SetParty(from, pseudonyms, row.mutable_payer(), row.mutable_payer_kind(),
             row.mutable_payer_sector(), row.mutable_payer_district());
    SetParty(to, pseudonyms, row.mutable_payee(), row.mutable_payee_kind(),
             row.mutable_payee_sector(), row.mutable_payee_district());
  });
}

}  // namespace

bool ValidResearchKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

grpc::Status LoadResearchKey(const std::string& keys_dir, const std::string& name,
                             ResearchKey* key) {
  if (keys_dir.empty()) {
    return {grpc::StatusCode::FAILED_PRECONDITION,
            "this node serves no research microdata: its [research] keys_dir is not set"};
  }
  if (!ValidResearchKeyName(name)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "key must be 1 to 64 of a-z, 0-9 and -"};
  }
  std::string path = keys_dir + "/" + name + ".key";
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return {grpc::StatusCode::NOT_FOUND,
            "no research key named " + name + " (the custodian places it as " + path + ")"};
  }
  if ((info.st_mode & 077) != 0) return KeyFileProblem(path, "is open to other users: chmod 600");
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  std::string hex = text.str();
  if (!hex.empty() && hex.back() == '\n') hex.pop_back();
  std::optional<std::string> bytes = hex.size() == 64 ? crypto::FromHex(hex) : std::nullopt;
  if (!file || !bytes) return KeyFileProblem(path, "does not hold 64 hex digits");
  key->name = name;
  std::copy(bytes->begin(), bytes->end(), key->bytes.begin());
  return grpc::Status::OK;
}

std::string Pseudonyms::Mac(std::string_view tag, std::string_view data) const {
  std::string message(tag);
  message.push_back('\0');
  message.append(data);
  unsigned char mac[32];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.bytes.data(), static_cast<int>(key_.bytes.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
  return crypto::ToHex(std::string_view(reinterpret_cast<const char*>(mac), kPseudonymBytes));
}

std::string Pseudonyms::Account(std::string_view id) const {
  return Mac("account", id);
}

std::string Pseudonyms::Transfer(const ledger::TransferId& id) const {
  return Mac("transfer", id.ToHex());
}

// A token is the time masked by a pad drawn from its own MAC (a synthetic IV), then the
// MAC: the lab sees neither the time nor two tokens masked alike.
uint64_t Pseudonyms::Pad(std::string_view mac) const {
  std::string pad = Mac("pad", mac);
  uint64_t value = 0;
  std::from_chars(pad.data(), pad.data() + 16, value, 16);
  return value;
}

std::string Pseudonyms::PageToken(std::string_view scope, ledger::TimeNs resume_at) const {
  std::string mac = Mac("page", std::string(scope) + '\0' + std::to_string(resume_at));
  uint64_t masked = static_cast<uint64_t>(resume_at) ^ Pad(mac);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(masked));
  return std::string(hex) + "." + mac;
}

std::optional<ledger::TimeNs> Pseudonyms::ResumeAt(std::string_view scope,
                                                   std::string_view token) const {
  size_t dot = token.find('.');
  if (dot != 16) return std::nullopt;
  uint64_t masked = 0;
  auto [end, error] = std::from_chars(token.data(), token.data() + dot, masked, 16);
  if (error != std::errc() || end != token.data() + dot) return std::nullopt;
  std::string_view mac = token.substr(dot + 1);
  auto resume_at = static_cast<ledger::TimeNs>(masked ^ Pad(mac));
  std::string expected = Mac("page", std::string(scope) + '\0' + std::to_string(resume_at));
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return resume_at;
}

std::vector<v1::MicrodataRow> MicrodataRows(const ledger::Ledger& ledger,
                                            const std::vector<ledger::TransferRecord>& records,
                                            const Pseudonyms& pseudonyms, uint64_t* left_out) {
  std::vector<v1::MicrodataRow> rows;
  for (const ledger::TransferRecord& record : records) {
    const ledger::Account* payer = ledger.FindAccount(record.request.from);
    const ledger::Account* payee = ledger.FindAccount(record.request.to);
    if (payer == nullptr || payee == nullptr) continue;       // Accounts are never removed.
    if (!ledger::FlowClassOf(record.request.kind)) continue;  // Holds, voids: no rows.
    if (LeftOut(*payer) || LeftOut(*payee)) {
      ++*left_out;
      continue;
    }
    const ledger::Currency* currency = ledger.FindCurrency(record.currency);
    const ledger::Account* issuer =
        currency == nullptr ? nullptr : ledger.FindAccount(currency->issuer_account);
    AddTransferRows(record, *payer, *payee, issuer, pseudonyms, &rows);
  }
  // Never in time order: within a page, the order tells nothing finer than the day.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.day(), a.transfer()) < std::tie(b.day(), b.transfer());
  });
  return rows;
}

}  // namespace kyoso::node
