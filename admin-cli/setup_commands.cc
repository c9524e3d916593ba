// kyoso-admin: currencies, accounts, programmes and exchange rates.
#include <ctime>
#include <map>

#include "admin-cli/admin.h"
#include "kyoso/crypto/encoding.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

const std::map<std::string, v1::AccountKind>& KindWords() {
  static const std::map<std::string, v1::AccountKind> kWords = {
      {"resident", v1::ACCOUNT_KIND_RESIDENT},     {"merchant", v1::ACCOUNT_KIND_MERCHANT},
      {"producer", v1::ACCOUNT_KIND_PRODUCER},     {"program", v1::ACCOUNT_KIND_PROGRAM},
      {"issuer", v1::ACCOUNT_KIND_ISSUER_RESERVE}, {"exchange", v1::ACCOUNT_KIND_EXCHANGE_CLEARING},
      {"fee", v1::ACCOUNT_KIND_FEE_INCOME},        {"operator", v1::ACCOUNT_KIND_OPERATOR}};
  return kWords;
}

// "2026-12-01" or "2026-12-01T08:00:00Z" (UTC) -> ns since the epoch.
std::optional<int64_t> ParseTimeNs(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') {
    tm = std::tm{};
    end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000'000;
}

// Options shared by `program create` and `program rules`, parsed after CLI11 ran.
struct RulesFlags {
  int64_t bonus_bps = 0;
  int64_t cashback_bps = 0;
  std::string monthly_cap;
  std::vector<std::string> payee_kinds = {"merchant", "producer"};
  std::vector<std::string> payee_sectors;
  std::vector<std::string> payee_districts;
  std::vector<std::string> redeemers = {"merchant", "producer"};
  std::string lot_validity;
  bool cash_out = false;
  std::string effective;

  void Add(CLI::App* command) {
    command->add_option("--bonus-bps", bonus_bps, "Incentive on a top-up, basis points");
    command->add_option("--cashback-bps", cashback_bps, "Incentive on a payment, basis points");
    command->add_option("--monthly-cap", monthly_cap, "Programme money a resident may get a month");
    command->add_option("--payee-kinds", payee_kinds, "Who may be paid (merchant,producer,…)")
        ->delimiter(',');
    command->add_option("--payee-sectors", payee_sectors, "Eligible sectors (default any)")
        ->delimiter(',');
    command->add_option("--payee-districts", payee_districts, "Eligible districts (default any)")
        ->delimiter(',');
    command->add_option("--redeemers", redeemers, "Who may redeem the money")->delimiter(',');
    command->add_option("--lot-validity", lot_validity, "How long the money lasts (e.g. 90d)");
    command->add_flag("--cash-out", cash_out, "Residents may cash unused top-ups back");
    command->add_option("--effective", effective, "When the rules take effect (default now)");
  }

  // Fills `rules`; an error sentence, or empty.
  std::string Fill(int32_t scale, const std::string& currency, v1::ProgramRules* rules) const {
    rules->set_bonus_bps(bonus_bps);
    rules->set_cashback_bps(cashback_bps);
    std::string error;
    if (!monthly_cap.empty()) {
      std::optional<int64_t> cap = cli::ParseAmount(monthly_cap, scale, currency, &error);
      if (!cap) return error;
      rules->set_resident_monthly_cap_minor(*cap);
    }
    for (const auto& [words, field] : {std::pair{&payee_kinds, rules->mutable_payee_kinds()},
                                       std::pair{&redeemers, rules->mutable_redeemer_kinds()}}) {
      for (const std::string& word : *words) {
        auto kind = KindWords().find(word);
        if (kind == KindWords().end()) return "unknown account kind '" + word + "'";
        field->Add(kind->second);
      }
    }
    for (const std::string& s : payee_sectors) rules->add_payee_sectors(s);
    for (const std::string& d : payee_districts) rules->add_payee_districts(d);
    if (!lot_validity.empty()) {
      std::optional<int64_t> ms = cli::ParseDurationMs(lot_validity);
      if (!ms) return "--lot-validity must be a duration such as 90d";
      rules->set_lot_validity_ms(*ms);
    }
    rules->set_cash_out_allowed(cash_out);
    if (!effective.empty()) {
      std::optional<int64_t> at = ParseTimeNs(effective);
      if (!at) return "--effective must be a UTC date such as 2026-12-01";
      rules->set_effective_ns(*at);
    }
    return "";
  }
};

// The scale of `code`, or a reported failure.
std::optional<int32_t> ScaleOf(AdminTool& tool, const std::string& code, int* exit_code) {
  cli::Failure failure;
  std::optional<v1::Currency> currency =
      cli::FetchCurrency(tool.query(), tool.options, code, &failure);
  if (!currency) {
    *exit_code = cli::ReportFailure("admin", tool.options, failure);
    return std::nullopt;
  }
  return currency->scale();
}

std::string Lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

}  // namespace

void AddCurrencyCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* currency = app.add_subcommand("currency", "Create and show currencies");
  currency->require_subcommand(1);

  auto request = std::make_shared<v1::CreateCurrencyRequest>();
  auto demurrage = std::make_shared<std::string>();
  auto period = std::make_shared<std::string>();
  auto validity = std::make_shared<std::string>();
  CLI::App* create =
      currency->add_subcommand("create", "Create a currency with its iss: and fee: accounts");
  create->add_option("code", *request->mutable_code(), "Currency code, 3 to 8 capitals")
      ->required();
  create->add_option("--name", *request->mutable_name(), "Display name")->required();
  create->add_option_function<int32_t>(
      "--scale", [request](int32_t s) { request->set_scale(s); },
      "Decimals of the minor unit (default 0)");
  create->add_option("--backing", *request->mutable_backing(),
                     "National currency held in reserve (none: mutual credit)");
  create->add_option_function<int64_t>(
      "--redemption-fee-bps", [request](int64_t b) { request->set_redemption_fee_bps(b); },
      "Fee on redemption, basis points");
  create->add_option("--demurrage", *demurrage, "Charge per period as NUM/DEN, e.g. 1/100");
  create->add_option("--demurrage-period", *period, "Demurrage period, e.g. 30d");
  create->add_option("--lot-validity", *validity, "How long issued free money lasts, e.g. 365d");
  create->callback([&tool, request, demurrage, period, validity] {
    tool.run = [&tool, request, demurrage, period, validity] {
      v1::CreateCurrencyRequest q = *request;
      q.set_issuer_account("iss:" + Lower(q.code()));
      q.set_fee_account("fee:" + Lower(q.code()));
      if (!demurrage->empty()) {
        long long num = 0, den = 0;
        if (std::sscanf(demurrage->c_str(), "%lld/%lld", &num, &den) != 2 || den <= 0) {
          return tool.Fail(cli::kExitUsage, "--demurrage must be NUM/DEN such as 1/100");
        }
        q.set_demurrage_num(num);
        q.set_demurrage_den(den);
      }
      std::optional<int64_t> period_ms = period->empty() ? 0 : cli::ParseDurationMs(*period);
      std::optional<int64_t> validity_ms = validity->empty() ? 0 : cli::ParseDurationMs(*validity);
      if (!period_ms || !validity_ms)
        return tool.Fail(cli::kExitUsage, "durations look like 30d, 12h or 15m");
      q.set_demurrage_period_ms(*period_ms);
      q.set_default_lot_validity_ms(*validity_ms);
      return RunAdmin(tool,
                      "Created currency " + q.code() + " with accounts " + q.issuer_account() +
                          " and " + q.fee_account(),
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().CreateCurrency(c, q, r);
                      });
    };
  });

  auto code = std::make_shared<std::string>();
  CLI::App* show = currency->add_subcommand("show", "Show a currency and its supply");
  show->add_option("code", *code, "Currency code")->required();
  show->callback([&tool, code] {
    tool.run = [&tool, code] {
      cli::Failure failure;
      std::optional<v1::Currency> c =
          cli::FetchCurrency(tool.query(), tool.options, *code, &failure);
      if (!c) return cli::ReportFailure("admin", tool.options, failure);
      json out = {{"code", c->code()},
                  {"name", c->name()},
                  {"scale", c->scale()},
                  {"backing", c->backing()},
                  {"issued_minor", c->issued_minor()},
                  {"burned_minor", c->burned_minor()},
                  {"supply_minor", c->supply_minor()},
                  {"held_minor", c->held_minor()},
                  {"reserve_minor", c->reserve_minor()}};
      return tool.Print(out, c->code() + " (" + c->name() + "), scale " +
                                 std::to_string(c->scale()) + ", backing " +
                                 (c->backing().empty() ? "none" : c->backing()) + "\n  supply " +
                                 c->supply_minor() + " minor units (issued " + c->issued_minor() +
                                 ", burned " + c->burned_minor() + ")" + "\n  in holds " +
                                 c->held_minor() + ", reserve " + c->reserve_minor());
    };
  });
}

// A resident lost the device with its wallet: register the new wallet's key.
void AddRotateKeyCommand(CLI::App& account, AdminTool& tool) {
  auto id = std::make_shared<std::string>();
  auto key_hex = std::make_shared<std::string>();
  CLI::App* rotate = account.add_subcommand(
      "rotate-key",
      "Register a resident's new wallet key (a lost device); balance and history stay");
  rotate->add_option("id", *id, "The resident's account, e.g. res:alice")->required();
  rotate
      ->add_option("--public-key", *key_hex,
                   "The new wallet's public key (hex, from kyoso-wallet address)")
      ->required();
  rotate->callback([&tool, id, key_hex] {
    tool.run = [&tool, id, key_hex] {
      std::optional<std::string> key = crypto::FromHex(*key_hex);
      if (!key || key->size() != 32) {
        return tool.Fail(cli::kExitUsage, "--public-key must be 64 hex digits");
      }
      v1::RotateOwnerKeyRequest q;
      q.set_id(*id);
      q.set_owner_public_key(*key);
      return RunAdmin(tool, "Registered the new wallet key of " + *id,
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().RotateOwnerKey(c, q, r);
                      });
    };
  });
}

void AddAccountCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* account = app.add_subcommand("account", "Open, show, freeze and close accounts");
  account->require_subcommand(1);

  struct CreateFlags {
    v1::CreateAccountRequest request;
    std::string public_key_hex, balance_max, credit_limit, monthly_cap;
    bool consent = false;
  };
  auto flags = std::make_shared<CreateFlags>();
  CLI::App* create =
      account->add_subcommand("create", "Open an account (residents with their wallet key)");
  create->add_option("id", *flags->request.mutable_id(), "kind:name, e.g. res:alice or mch:bakery")
      ->required();
  create->add_option("--currency", *flags->request.mutable_currency(), "Its currency")->required();
  create->add_option("--district", *flags->request.mutable_district(), "District code");
  create->add_option("--sector", *flags->request.mutable_sector(), "Sector code");
  create->add_option("--public-key", flags->public_key_hex,
                     "Wallet public key (hex, from kyoso-wallet address)");
  create->add_option("--balance-max", flags->balance_max, "Largest balance allowed");
  create->add_option("--credit-limit", flags->credit_limit, "How far below zero (mutual credit)");
  create->add_option("--monthly-cap", flags->monthly_cap, "Monthly spending cap");
  create->add_flag("--research-consent", flags->consent, "The resident agreed to research use");
  create->callback([&tool, flags] {
    tool.run = [&tool, flags] {
      v1::CreateAccountRequest q = flags->request;
      if (!flags->public_key_hex.empty()) {
        std::optional<std::string> key = crypto::FromHex(flags->public_key_hex);
        if (!key || key->size() != 32)
          return tool.Fail(cli::kExitUsage, "--public-key must be 64 hex digits");
        q.set_owner_public_key(*key);
      }
      q.set_research_consent(flags->consent);
      int exit_code = 0;
      std::optional<int32_t> scale = ScaleOf(tool, q.currency(), &exit_code);
      if (!scale) return exit_code;
      std::string error;
      for (auto [text, setter] :
           {std::pair{&flags->balance_max, &v1::CreateAccountRequest::set_balance_max_minor},
            std::pair{&flags->credit_limit, &v1::CreateAccountRequest::set_credit_limit_minor},
            std::pair{&flags->monthly_cap,
                      &v1::CreateAccountRequest::set_monthly_spend_cap_minor}}) {
        if (text->empty()) continue;
        std::optional<int64_t> minor = cli::ParseAmount(*text, *scale, q.currency(), &error);
        if (!minor) return tool.Fail(cli::kExitUsage, error);
        (q.*setter)(*minor);
      }
      return RunAdmin(tool, "Opened account " + q.id(),
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().CreateAccount(c, q, r);
                      });
    };
  });

  for (auto [name, status, verb] : {std::tuple{"freeze", v1::ACCOUNT_STATUS_FROZEN, "Froze"},
                                    std::tuple{"unfreeze", v1::ACCOUNT_STATUS_ACTIVE, "Unfroze"},
                                    std::tuple{"close", v1::ACCOUNT_STATUS_CLOSED, "Closed"}}) {
    auto id = std::make_shared<std::string>();
    CLI::App* command = account->add_subcommand(name, std::string(verb) + " an account");
    command->add_option("id", *id, "The account")->required();
    command->callback([&tool, id, status = status, verb = std::string(verb)] {
      tool.run = [&tool, id, status, verb] {
        v1::SetAccountStatusRequest q;
        q.set_id(*id);
        q.set_status(status);
        return RunAdmin(tool, verb + " " + *id, [&](grpc::ClientContext* c, v1::AdminReply* r) {
          return tool.admin().SetAccountStatus(c, q, r);
        });
      };
    });
  }
  AddRotateKeyCommand(*account, tool);
}

void AddProgramCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* program = app.add_subcommand("program", "Create programmes and change their rules");
  program->require_subcommand(1);

  struct CreateFlags {
    v1::CreateProgramRequest request;
    std::string budget, from, until;
    RulesFlags rules;
  };
  auto flags = std::make_shared<CreateFlags>();
  CLI::App* create = program->add_subcommand("create", "Create a production-consumption programme");
  create->add_option("id", *flags->request.mutable_id(), "Short name, e.g. fresh-food")->required();
  create->add_option("--name", *flags->request.mutable_name(), "Display name")->required();
  create->add_option("--currency", *flags->request.mutable_currency(), "Its currency")->required();
  create->add_option("--budget", flags->budget, "Programme money it may pay out in all")
      ->required();
  create->add_option("--from", flags->from, "Opens on (UTC date; default now)");
  create->add_option("--until", flags->until, "Closes on (UTC date; default open-ended)");
  flags->rules.Add(create);
  create->callback([&tool, flags] {
    tool.run = [&tool, flags] {
      v1::CreateProgramRequest q = flags->request;
      int exit_code = 0;
      std::optional<int32_t> scale = ScaleOf(tool, q.currency(), &exit_code);
      if (!scale) return exit_code;
      std::string error;
      std::optional<int64_t> budget = cli::ParseAmount(flags->budget, *scale, q.currency(), &error);
      if (!budget) return tool.Fail(cli::kExitUsage, error);
      q.set_budget_minor(*budget);
      for (auto [text, setter] :
           {std::pair{&flags->from, &v1::CreateProgramRequest::set_valid_from_ns},
            std::pair{&flags->until, &v1::CreateProgramRequest::set_valid_until_ns}}) {
        if (text->empty()) continue;
        std::optional<int64_t> at = ParseTimeNs(*text);
        if (!at) return tool.Fail(cli::kExitUsage, "dates look like 2026-12-01");
        (q.*setter)(*at);
      }
      error = flags->rules.Fill(*scale, q.currency(), q.mutable_rules());
      if (!error.empty()) return tool.Fail(cli::kExitUsage, error);
      return RunAdmin(tool, "Created programme " + q.id(),
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().CreateProgram(c, q, r);
                      });
    };
  });

  auto rules_id = std::make_shared<std::string>();
  auto rules = std::make_shared<RulesFlags>();
  CLI::App* set_rules =
      program->add_subcommand("rules", "Add a new version of a programme's rules");
  set_rules->add_option("id", *rules_id, "The programme")->required();
  rules->Add(set_rules);
  set_rules->callback([&tool, rules_id, rules] {
    tool.run = [&tool, rules_id, rules] {
      v1::GetProgramRequest get;
      get.set_id(*rules_id);
      v1::Program existing;
      grpc::ClientContext context;
      cli::SetDeadline(&context, tool.options);
      grpc::Status status = tool.query().GetProgram(&context, get, &existing);
      if (!status.ok()) return tool.Fail(status, context);
      int exit_code = 0;
      std::optional<int32_t> scale = ScaleOf(tool, existing.currency(), &exit_code);
      if (!scale) return exit_code;
      v1::SetProgramRulesRequest q;
      q.set_id(*rules_id);
      std::string error = rules->Fill(*scale, existing.currency(), q.mutable_rules());
      if (!error.empty()) return tool.Fail(cli::kExitUsage, error);
      return RunAdmin(tool, "New rules for " + q.id(),
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().SetProgramRules(c, q, r);
                      });
    };
  });

  auto rate = std::make_shared<v1::SetExchangeRateRequest>();
  auto ratio = std::make_shared<std::string>();
  CLI::App* set_rate = app.add_subcommand("rate", "Set the exchange rate between two currencies");
  set_rate->add_option("from", *rate->mutable_from(), "Currency exchanged from")->required();
  set_rate->add_option("to", *rate->mutable_to(), "Currency exchanged into")->required();
  set_rate->add_option("--rate", *ratio, "Minor units of TO per minor unit of FROM, as NUM/DEN")
      ->required();
  set_rate->add_option_function<int64_t>(
      "--fee-bps", [rate](int64_t b) { rate->set_fee_bps(b); }, "Fee, basis points");
  set_rate->callback([&tool, rate, ratio] {
    tool.run = [&tool, rate, ratio] {
      long long num = 0, den = 0;
      if (std::sscanf(ratio->c_str(), "%lld/%lld", &num, &den) != 2 || den <= 0 || num <= 0) {
        return tool.Fail(cli::kExitUsage, "--rate must be NUM/DEN such as 3/2");
      }
      v1::SetExchangeRateRequest q = *rate;
      q.set_rate_num(num);
      q.set_rate_den(den);
      return RunAdmin(tool, "Rate " + q.from() + " → " + q.to() + " set to " + *ratio,
                      [&](grpc::ClientContext* c, v1::AdminReply* r) {
                        return tool.admin().SetExchangeRate(c, q, r);
                      });
    };
  });
}

}  // namespace kyoso::admin
