#include "synthetic_town.h"

#include <algorithm>
#include <iterator>

namespace kyoso::testing {

using namespace ledger;

namespace {

constexpr const char* kIssuer = "iss:bunji";
// The merchants' sectors: kTownSectors but "farm", the producers' sector.
constexpr const char* kMerchantSectors[] = {"grocery",  "bakery",   "cafe",   "restaurant", "books",
                                            "hardware", "clothing", "repair", "care"};
constexpr int kMerchantSectorCount = 9;
constexpr int kRepair = 7;  // Paid under the recycling programme.
constexpr int kFavouriteMerchants = 8;
constexpr int kFavouriteProducers = 3;
constexpr size_t kRefundCandidates = 256;

ProgramRules Rules(int64_t bonus_bps, std::vector<std::string> payee_sectors, TimeNs validity) {
  ProgramRules rules;
  rules.bonus_bps = bonus_bps;
  rules.resident_monthly_cap = 300'000;
  rules.payee_kinds = KindBit(AccountKind::kMerchant) | KindBit(AccountKind::kProducer);
  rules.payee_sectors = std::move(payee_sectors);
  rules.redeemer_kinds = rules.payee_kinds;
  rules.lot_validity_ns = validity;
  return rules;
}

CreateProgram Program(const char* id, ProgramRules rules, TimeNs start) {
  CreateProgram program;
  program.id = id;
  program.name = std::string(id) + " programme";
  program.currency = kTownCurrency;
  program.budget = 1'000'000'000'000;
  program.valid_from = start;
  program.rules = std::move(rules);
  return program;
}

CreateAccount Account(std::string id, std::string district, std::string sector) {
  CreateAccount account;
  account.id = std::move(id);
  account.currency = kTownCurrency;
  account.district = std::move(district);
  account.sector = std::move(sector);
  return account;
}

// Commands in batches of at most kBatchCommandsMax.
void Split(std::vector<Command> commands, std::vector<std::vector<Command>>* batches) {
  for (size_t i = 0; i < commands.size(); i += kBatchCommandsMax) {
    auto begin = commands.begin() + static_cast<std::ptrdiff_t>(i);
    auto end = commands.begin() +
               static_cast<std::ptrdiff_t>(std::min(commands.size(), i + kBatchCommandsMax));
    batches->emplace_back(std::make_move_iterator(begin), std::make_move_iterator(end));
  }
}

}  // namespace

SyntheticTown::SyntheticTown(TownShape shape)
    : shape_(shape), random_(shape.seed), time_(shape.start) {
  Split(SetUp(), &preamble_);
  Split(Fund(), &preamble_);
  std::reverse(preamble_.begin(), preamble_.end());  // Given from the back.
}

std::vector<Command> SyntheticTown::SetUp() {
  CreateCurrency currency;
  currency.code = kTownCurrency;
  currency.name = "Bunji";
  currency.issuer_account = kIssuer;
  currency.fee_account = "fee:bunji";
  currency.backing = "KRW";
  currency.redemption_fee_bps = 100;
  std::vector<Command> commands{currency};
  TimeNs start = shape_.start;
  commands.push_back(Program("fresh-food", Rules(1'000, {"grocery", "bakery", "farm"}, 0), start));
  commands.push_back(Program("volunteer", Rules(0, {}, 90 * kNsPerDay), start));
  ProgramRules recycle = Rules(0, {}, 90 * kNsPerDay);
  recycle.cashback_bps = 300;  // Paying a repair shop under it earns 3% back.
  commands.push_back(Program("recycle", recycle, start));
  for (int i = 0; i < shape_.residents; ++i) {
    CreateAccount resident = Account(Resident(i), District(i % shape_.districts), "");
    resident.research_consent = i % 10 != 3;  // One in ten opted out of research.
    commands.push_back(std::move(resident));
  }
  for (int i = 0; i < shape_.merchants; ++i) {
    commands.push_back(Account(Merchant(i), District(i % shape_.districts),
                               kMerchantSectors[i % kMerchantSectorCount]));
  }
  for (int i = 0; i < shape_.producers; ++i) {
    commands.push_back(Account(Producer(i), District(i % shape_.districts), "farm"));
  }
  return commands;
}

// Every resident starts with some free money, every business with a float.
std::vector<Command> SyntheticTown::Fund() {
  std::vector<Command> commands;
  for (int i = 0; i < shape_.residents; ++i) {
    commands.push_back(Transfer(TransferKind::kIssue, kIssuer, Resident(i), 1'000'000));
  }
  for (int i = 0; i < shape_.merchants; ++i) {
    commands.push_back(Transfer(TransferKind::kIssue, kIssuer, Merchant(i), 5'000'000));
  }
  for (int i = 0; i < shape_.producers; ++i) {
    commands.push_back(Transfer(TransferKind::kIssue, kIssuer, Producer(i), 5'000'000));
  }
  return commands;
}

TransferRequest SyntheticTown::Transfer(TransferKind kind, std::string from, std::string to,
                                        Amount amount, std::string program) {
  TransferRequest t;
  t.id = TransferId{0x746f776e, ++next_id_};
  t.kind = kind;
  t.from = std::move(from);
  t.to = std::move(to);
  t.amount = amount;
  t.program = std::move(program);
  return t;
}

// Four in five payments go to one of the resident's favourite merchants.
TransferRequest SyntheticTown::ResidentPays() {
  int resident = Below(shape_.residents);
  int merchant = Below(5) == 0 ? Below(shape_.merchants)
                               : (resident * 7 + Below(kFavouriteMerchants)) % shape_.merchants;
  bool repair = merchant % kMerchantSectorCount == kRepair;
  TransferRequest payment = Transfer(TransferKind::kPayment, Resident(resident), Merchant(merchant),
                                     100 + Below(20'000), repair ? "recycle" : "");
  if (recent_payments_.size() == kRefundCandidates)
    recent_payments_.erase(recent_payments_.begin());
  recent_payments_.push_back(payment);
  return payment;
}

std::vector<Command> SyntheticTown::Transfers() {
  std::vector<Command> commands;
  int64_t count = std::min<int64_t>(shape_.transfers_per_batch, shape_.transfers - made_);
  for (int64_t i = 0; i < count; ++i) {
    int roll = Below(100);
    if (roll < 70) {
      commands.push_back(ResidentPays());
    } else if (roll < 80) {
      int merchant = Below(shape_.merchants);
      int producer = (merchant * 3 + Below(kFavouriteProducers)) % shape_.producers;
      commands.push_back(Transfer(TransferKind::kPurchase, Merchant(merchant), Producer(producer),
                                  1'000 + Below(50'000)));
    } else if (roll < 88) {
      commands.push_back(Transfer(TransferKind::kTopUp, kIssuer, Resident(Below(shape_.residents)),
                                  20'000 + Below(60'000), "fresh-food"));
    } else if (roll < 93) {
      bool volunteer = roll < 91;
      commands.push_back(Transfer(TransferKind::kIssue, kIssuer, Resident(Below(shape_.residents)),
                                  volunteer ? 5'000 + Below(15'000) : 1'000 + Below(4'000),
                                  volunteer ? "volunteer" : "recycle"));
    } else if (roll < 97) {
      std::string business =
          Below(5) == 0 ? Producer(Below(shape_.producers)) : Merchant(Below(shape_.merchants));
      commands.push_back(
          Transfer(TransferKind::kRedeem, business, kIssuer, 20'000 + Below(200'000)));
    } else if (roll < 99 && !recent_payments_.empty()) {
      size_t pick = static_cast<size_t>(Below(static_cast<int>(recent_payments_.size())));
      const TransferRequest& payment = recent_payments_[pick];
      TransferRequest refund = Transfer(TransferKind::kRefund, payment.to, payment.from,
                                        Below(2) == 0 ? payment.amount : payment.amount / 3 + 1);
      refund.ref = payment.id;
      commands.push_back(std::move(refund));
      recent_payments_.erase(recent_payments_.begin() + static_cast<std::ptrdiff_t>(pick));
    } else {
      commands.push_back(ResidentPays());
    }
  }
  made_ += count;
  return commands;
}

bool SyntheticTown::Next(Batch* batch) {
  std::vector<Command> commands;
  if (!preamble_.empty()) {
    commands = std::move(preamble_.back());
    preamble_.pop_back();
  } else if (made_ < shape_.transfers) {
    // Spread evenly over the span: the batch that starts at transfer n is at n / total.
    Wide offset = Wide(shape_.span) * made_ / std::max<int64_t>(1, shape_.transfers);
    time_ = shape_.start + offset.convert_to<TimeNs>();
    commands = Transfers();
  } else {
    return false;
  }
  *batch = Batch{++index_, time_, std::move(commands)};
  return true;
}

}  // namespace kyoso::testing
