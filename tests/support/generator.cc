#include "generator.h"

#include <limits>

namespace kyoso::testing {

using namespace ledger;

namespace {

constexpr TimeNs kDay = kNsPerDay;

ProgramRules FreshFoodRules() {
  ProgramRules rules;
  rules.bonus_bps = 1'000;
  rules.resident_monthly_cap = 200'000;
  rules.payee_kinds = KindBit(AccountKind::kMerchant) | KindBit(AccountKind::kProducer);
  rules.payee_sectors = {"food"};
  rules.redeemer_kinds = KindBit(AccountKind::kMerchant) | KindBit(AccountKind::kProducer);
  rules.lot_validity_ns = 60 * kDay;
  rules.cash_out_allowed = true;
  return rules;
}

ProgramRules GreenRules() {
  ProgramRules rules;
  rules.bonus_bps = 500;
  rules.cashback_bps = 300;
  rules.resident_monthly_cap = 50'000;
  rules.payee_kinds = KindBit(AccountKind::kMerchant);
  rules.payee_districts = {"north"};
  rules.redeemer_kinds = KindBit(AccountKind::kMerchant);
  rules.lot_validity_ns = 30 * kDay;
  return rules;
}

CreateCurrency Currency(const std::string& code, const std::string& lower, bool backed) {
  CreateCurrency c;
  c.code = code;
  c.name = code + " local money";
  c.issuer_account = "iss:" + lower;
  c.fee_account = "fee:" + lower;
  c.backing = backed ? "KRW" : "";
  c.redemption_fee_bps = 200;
  return c;
}

CreateAccount NewAccount(const std::string& id, const std::string& currency,
                         const std::string& district, const std::string& sector) {
  CreateAccount a;
  a.id = id;
  a.currency = currency;
  a.district = district;
  a.sector = sector;
  return a;
}

}  // namespace

CommandGenerator::CommandGenerator(uint64_t seed, GeneratorOptions options)
    : options_(options), random_(seed), time_(options.start_time) {}

bool CommandGenerator::Chance(int percent) {
  return std::uniform_int_distribution<int>(0, 99)(random_) < percent;
}

const std::string& CommandGenerator::Pick(const std::vector<std::string>& ids) {
  return ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(random_)];
}

Amount CommandGenerator::RandomAmount() {
  int roll = std::uniform_int_distribution<int>(0, 99)(random_);
  if (roll < 2) return std::numeric_limits<Amount>::max() - roll;  // Overflow attempts.
  if (roll < 4) return roll - 3;                                   // 0 or negative.
  if (roll < 15) return std::uniform_int_distribution<Amount>(1, 10)(random_);
  return std::uniform_int_distribution<Amount>(100, 60'000)(random_);
}

Batch CommandGenerator::SetUpTown() {
  Batch batch;
  CreateCurrency bunji = Currency("BUNJI", "bunji", true);
  bunji.demurrage_rate = Rational{5, 1'000};
  bunji.demurrage_period_ns = 30 * kDay;
  batch.commands.push_back(bunji);
  batch.commands.push_back(Currency("NEIGH", "neigh", true));
  batch.commands.push_back(Currency("TALENT", "talent", false));
  for (const char* clearing : {"xch:bunji", "xch:neigh"}) {
    CreateAccount a =
        NewAccount(clearing, clearing == std::string("xch:bunji") ? "BUNJI" : "NEIGH", "", "");
    a.credit_limit = 10'000'000;
    batch.commands.push_back(a);
  }
  const char* districts[] = {"north", "south"};
  const char* sectors[] = {"food", "crafts", "services"};
  for (int i = 0; i < options_.residents; ++i) {
    residents_.push_back("res:r" + std::to_string(i));
    CreateAccount a = NewAccount(residents_.back(), "BUNJI", districts[i % 2], "");
    if (i % 5 == 0) a.monthly_spend_cap = 150'000;
    if (i % 7 == 0) a.balance_max = 400'000;
    batch.commands.push_back(a);
  }
  for (int i = 0; i < options_.merchants; ++i) {
    merchants_.push_back("mch:m" + std::to_string(i));
    batch.commands.push_back(
        NewAccount(merchants_.back(), "BUNJI", districts[i % 2], sectors[i % 3]));
  }
  for (int i = 0; i < options_.producers; ++i) {
    producers_.push_back("prd:p" + std::to_string(i));
    batch.commands.push_back(NewAccount(producers_.back(), "BUNJI", districts[i % 2], "food"));
  }
  for (int i = 0; i < 6; ++i) {
    neighbours_.push_back("mch:n" + std::to_string(i));
    batch.commands.push_back(NewAccount(neighbours_.back(), "NEIGH", "east", "food"));
    credit_members_.push_back("mch:t" + std::to_string(i));
    CreateAccount member = NewAccount(credit_members_.back(), "TALENT", "north", "services");
    member.credit_limit = 50'000;
    batch.commands.push_back(member);
  }
  for (auto [id, rules, budget] : {std::tuple{"fresh-food", FreshFoodRules(), 5'000'000},
                                   std::tuple{"green", GreenRules(), 2'000'000}}) {
    CreateProgram p;
    p.id = id;
    p.name = std::string(id) + " programme";
    p.currency = "BUNJI";
    p.budget = budget;
    p.valid_from = time_;
    p.valid_until = time_ + 365 * kDay;
    p.rules = rules;
    batch.commands.push_back(p);
  }
  batch.commands.push_back(SetExchangeRate{ExchangeRate{"BUNJI", "NEIGH", time_, {9, 10}, 100}});
  batch.commands.push_back(SetExchangeRate{ExchangeRate{"NEIGH", "BUNJI", time_, {10, 9}, 100}});
  return batch;
}

TransferRequest CommandGenerator::NewTransfer(TransferKind kind, const std::string& from,
                                              const std::string& to, Amount amount) {
  TransferRequest t;
  t.id = TransferId{0x6b796f736f000000ull, next_id_++};
  t.kind = kind;
  t.from = from;
  t.to = to;
  t.amount = amount;
  if (Chance(20)) t.memo = "memo " + std::to_string(next_id_);
  if (Chance(1)) t.memo = std::string(kMemoLengthMax + 1, 'x');
  return t;
}

TransferRequest CommandGenerator::RandomTransfer() {
  int roll = std::uniform_int_distribution<int>(0, 99)(random_);
  auto program = [this]() -> std::string {
    int p = std::uniform_int_distribution<int>(0, 9)(random_);
    return p < 4 ? "fresh-food" : p < 7 ? "green" : p < 8 ? "no-such" : "";
  };
  if (roll < 22) {
    TransferRequest t =
        NewTransfer(TransferKind::kPayment, Pick(residents_), Pick(merchants_), RandomAmount());
    if (Chance(25)) t.program = program();
    spends_.push_back(t);
    return t;
  }
  if (roll < 30) {
    bool upstream = Chance(70);
    TransferRequest t =
        NewTransfer(TransferKind::kPurchase, Pick(upstream ? merchants_ : producers_),
                    Pick(upstream ? producers_ : merchants_), RandomAmount());
    spends_.push_back(t);
    return t;
  }
  if (roll < 38) {
    TransferRequest t = NewTransfer(TransferKind::kTopUp, "iss:bunji", Pick(residents_),
                                    std::min<Amount>(RandomAmount(), INT64_MAX / 3) * 3);
    if (Chance(60)) t.program = program();
    return t;
  }
  if (roll < 43) {
    bool neighbour = Chance(20);
    TransferRequest t =
        NewTransfer(TransferKind::kIssue, neighbour ? "iss:neigh" : "iss:bunji",
                    neighbour ? Pick(neighbours_) : Pick(residents_), RandomAmount());
    if (!neighbour && Chance(60)) t.program = program();
    return t;
  }
  if (roll < 49 && !spends_.empty()) {
    const TransferRequest& original =
        spends_[std::uniform_int_distribution<size_t>(0, spends_.size() - 1)(random_)];
    TransferRequest t = NewTransfer(TransferKind::kRefund, original.to, original.from,
                                    std::max<Amount>(1, original.amount / (Chance(50) ? 1 : 3)));
    t.ref = original.id;
    return t;
  }
  if (roll < 53) {
    return NewTransfer(TransferKind::kRedeem, Pick(Chance(70) ? merchants_ : producers_),
                       "iss:bunji", RandomAmount());
  }
  if (roll < 57) {
    return NewTransfer(TransferKind::kCashOut, Pick(residents_), "iss:bunji", RandomAmount());
  }
  if (roll < 62) {
    if (Chance(50)) {
      return NewTransfer(TransferKind::kExchange, Pick(merchants_), Pick(neighbours_),
                         RandomAmount());
    }
    return NewTransfer(TransferKind::kExchange, Pick(neighbours_), Pick(merchants_),
                       RandomAmount());
  }
  if (roll < 68) {
    TransferRequest t =
        NewTransfer(TransferKind::kHold, Pick(residents_), Pick(merchants_), RandomAmount());
    t.hold_timeout_ns = std::uniform_int_distribution<TimeNs>(-1, 8 * kDay)(random_);
    holds_.push_back(t);
    return t;
  }
  if (roll < 76 && !holds_.empty()) {
    // Mostly recent holds, which are likelier to be still pending.
    size_t oldest = holds_.size() > 8 && Chance(80) ? holds_.size() - 8 : 0;
    const TransferRequest& hold =
        holds_[std::uniform_int_distribution<size_t>(oldest, holds_.size() - 1)(random_)];
    bool post = Chance(65);
    Amount amount = post ? std::max<Amount>(1, hold.amount / (Chance(50) ? 1 : 2)) : 0;
    TransferRequest t =
        NewTransfer(post ? TransferKind::kPost : TransferKind::kVoid, hold.from, hold.to, amount);
    t.ref = hold.id;
    return t;
  }
  if (roll < 82) {
    std::string from = Pick(credit_members_);
    std::string to = Pick(credit_members_);
    return NewTransfer(TransferKind::kPurchase, from, to, RandomAmount());
  }
  if (roll < 85) {
    TransferRequest t =
        NewTransfer(TransferKind::kCorrection, Pick(merchants_), Pick(residents_), RandomAmount());
    if (Chance(80)) t.memo = "correcting a mistyped amount";
    return t;
  }
  if (!sent_.empty()) {
    TransferRequest replay =
        sent_[std::uniform_int_distribution<size_t>(0, sent_.size() - 1)(random_)];
    replay.linked = false;
    if (Chance(15)) {  // Same id, different body.
      replay.amount += replay.amount == std::numeric_limits<Amount>::max() ? -1 : 1;
    }
    return replay;
  }
  return NewTransfer(TransferKind::kPayment, Pick(residents_), Pick(merchants_), RandomAmount());
}

Command CommandGenerator::RandomCommand() {
  int roll = std::uniform_int_distribution<int>(0, 99)(random_);
  if (roll < 4) return Tick{};
  if (roll < 5) {
    SetAccountStatus s;
    s.id = Pick(residents_);
    s.status = Chance(30) ? AccountStatus::kFrozen : AccountStatus::kActive;
    return s;
  }
  if (roll < 6) {
    SetProgramRules s;
    s.id = Chance(50) ? "fresh-food" : "green";
    s.rules = s.id == "green" ? GreenRules() : FreshFoodRules();
    s.rules.bonus_bps = std::uniform_int_distribution<int64_t>(0, 2'000)(random_);
    if (Chance(50)) s.rules.payee_sectors = {"food", "crafts"};
    // Mostly in the future; sometimes in the past, which must be refused.
    s.rules.effective_at = time_ + std::uniform_int_distribution<TimeNs>(-kDay, 3 * kDay)(random_);
    return s;
  }
  TransferRequest t = RandomTransfer();
  sent_.push_back(t);
  return t;
}

Batch CommandGenerator::Next() {
  ++index_;
  time_ += std::uniform_int_distribution<TimeNs>(1'000'000, options_.batch_interval_max)(random_);
  Batch batch = index_ == 1 ? SetUpTown() : Batch{};
  batch.index = index_;
  batch.timestamp = time_;
  if (index_ == 1) return batch;
  int count = std::uniform_int_distribution<int>(1, options_.commands_per_batch_max)(random_);
  for (int i = 0; i < count; ++i) {
    if (Chance(5)) {  // A linked group of two or three transfers.
      int members = std::uniform_int_distribution<int>(2, 3)(random_);
      for (int m = 0; m < members; ++m) {
        TransferRequest t = RandomTransfer();
        t.linked = m + 1 < members;
        sent_.push_back(t);
        batch.commands.push_back(t);
      }
      continue;
    }
    batch.commands.push_back(RandomCommand());
  }
  if (Chance(1)) {  // A group left open at the end of the batch.
    TransferRequest t = RandomTransfer();
    t.linked = true;
    batch.commands.push_back(t);
  }
  return batch;
}

}  // namespace kyoso::testing
