#include "node/releases.h"

#include <numeric>

#include "node/translate.h"

namespace kyoso::node {
namespace {

// The discrete Laplace parameters (s, t) for P(x) ~ exp(-|x| s / t) with s/t =
// (epsilon / 2) / sensitivity = epsilon_milli / (2,000 x sensitivity), reduced.
std::pair<uint64_t, uint64_t> NoiseParameters(uint64_t sensitivity, uint32_t epsilon_milli) {
  uint64_t s = epsilon_milli, t = 2'000 * sensitivity;
  uint64_t common = std::gcd(s, t);
  return {s / common, t / common};
}

const std::vector<std::string>* PartitionsFor(ledger::GroupBy group_by,
                                              const ReleasesConfig& config) {
  switch (group_by) {
    case ledger::GroupBy::kDistrict:
      return &config.districts;
    case ledger::GroupBy::kSector:
      return &config.sectors;
    case ledger::GroupBy::kProgram:
      return &config.programs;
    case ledger::GroupBy::kKind:
      break;
  }
  return nullptr;
}

grpc::Status ReadGroup(std::string_view field, const std::string& name,
                       const ReleasesConfig& config, ledger::GroupBy* group_by,
                       std::vector<std::string>* partitions) {
  std::optional<ledger::GroupBy> parsed = ledger::GroupByFromName(name);
  const std::vector<std::string>* list = parsed ? PartitionsFor(*parsed, config) : nullptr;
  if (list == nullptr) return InvalidField(field, "must be district, sector or program");
  if (list->empty()) {
    return InvalidField(field, "has no public partition list: set [releases] " + name +
                                   "s in the node's configuration");
  }
  *group_by = *parsed;
  *partitions = *list;
  return grpc::Status::OK;
}

}  // namespace

std::string MonthText(int32_t day) {
  return ledger::DayText(day).substr(0, 7);
}

std::optional<int32_t> MonthFromText(std::string_view text) {
  if (text.size() != 7) return std::nullopt;
  return ledger::DayFromText(std::string(text) + "-01");
}

grpc::Status ToReleaseSpec(const v1::PublishReleaseRequest& q, const ReleasesConfig& config,
                           ledger::ReleaseSpec* spec) {
  if (q.id().empty() || q.id().size() > ledger::kReleaseIdMax) {
    return InvalidField("id", "must be 1 to 64 bytes");
  }
  if (q.currency().empty()) return InvalidField("currency", "is required");
  std::optional<int32_t> month = MonthFromText(q.month());
  if (!month) return InvalidField("month", "must be a month like 2026-03");
  std::optional<ledger::FlowClass> flow_class = q.flow_class().empty()
                                                    ? ledger::FlowClass::kPayment
                                                    : ledger::FlowClassFromName(q.flow_class());
  if (!flow_class) {
    return InvalidField("flow_class", "must be payment, refund, issuance, redemption or exchange");
  }
  if (q.epsilon_milli() < 1 || q.epsilon_milli() > 1'000) {
    return InvalidField("epsilon_milli", "must be 1 to 1,000 (thousandths of epsilon)");
  }
  spec->currency = q.currency();
  spec->month = *month;
  spec->flow_class = *flow_class;
  spec->bounds = config.bounds;
  if (grpc::Status status = ReadGroup("payer_group", q.payer_group(), config, &spec->payer_group,
                                      &spec->payer_partitions);
      !status.ok()) {
    return status;
  }
  return ReadGroup("payee_group", q.payee_group(), config, &spec->payee_group,
                   &spec->payee_partitions);
}

uint64_t NoiseScale(uint64_t sensitivity, uint32_t epsilon_milli) {
  auto [s, t] = NoiseParameters(sensitivity, epsilon_milli);
  return (t + s - 1) / s;
}

ledger::PublishRelease AddNoise(const std::string& id, const ledger::ReleaseSpec& spec,
                                const ledger::BoundedTable& bounded, uint32_t epsilon_milli,
                                uint32_t budget_milli, crypto::UniformSource& uniform) {
  auto [count_s, count_t] = NoiseParameters(ledger::CountSensitivity(spec.bounds), epsilon_milli);
  auto [sum_s, sum_t] = NoiseParameters(ledger::SumSensitivity(spec.bounds), epsilon_milli);
  ledger::PublishRelease release;
  release.id = id;
  release.spec = spec;
  release.epsilon_milli = epsilon_milli;
  release.budget_milli = budget_milli;
  release.count_margin = crypto::DiscreteLaplaceMargin95(count_s, count_t);
  release.sum_margin = crypto::DiscreteLaplaceMargin95(sum_s, sum_t);
  for (const ledger::BoundedCell& cell : bounded.cells) {
    // Bounded figures are far from int64's edge (the ledger checks the sums fit).
    release.cells.push_back(ledger::ReleaseCell{
        static_cast<int64_t>(cell.count) + crypto::SampleDiscreteLaplace(uniform, count_s, count_t),
        cell.sum + crypto::SampleDiscreteLaplace(uniform, sum_s, sum_t)});
  }
  release.contributors = bounded.contributors;
  return release;
}

void ToProto(const ledger::Release& stored, v1::Release* out) {
  const ledger::PublishRelease& release = stored.release;
  const ledger::ReleaseSpec& spec = release.spec;
  out->set_id(release.id);
  out->set_currency(spec.currency);
  out->set_month(MonthText(spec.month));
  out->set_flow_class(std::string(ledger::FlowClassName(spec.flow_class)));
  out->set_payer_group(std::string(ledger::GroupByName(spec.payer_group)));
  out->set_payee_group(std::string(ledger::GroupByName(spec.payee_group)));
  for (const std::string& name : spec.payer_partitions) out->add_payer_partitions(name);
  for (const std::string& name : spec.payee_partitions) out->add_payee_partitions(name);
  out->mutable_bounds()->set_max_cells(spec.bounds.max_cells);
  out->mutable_bounds()->set_max_count(spec.bounds.max_count);
  out->mutable_bounds()->set_max_amount_minor(spec.bounds.max_amount);
  out->set_epsilon_milli(release.epsilon_milli);
  out->set_budget_milli(release.budget_milli);
  out->set_spent_after_milli(stored.spent_after_milli);
  out->set_published_at_ns(stored.published_at);
  out->set_mechanism("discrete_laplace");
  out->set_count_noise_scale(
      NoiseScale(ledger::CountSensitivity(spec.bounds), release.epsilon_milli));
  out->set_sum_noise_scale(NoiseScale(ledger::SumSensitivity(spec.bounds), release.epsilon_milli));
  auto count_margin = static_cast<int64_t>(release.count_margin);
  auto sum_margin = static_cast<int64_t>(release.sum_margin);
  size_t columns = spec.payee_partitions.size();
  for (size_t i = 0; i < release.cells.size(); ++i) {
    const ledger::ReleaseCell& cell = release.cells[i];
    v1::ReleaseCell* to = out->add_cells();
    to->set_payer_group(spec.payer_partitions[i / columns]);
    to->set_payee_group(spec.payee_partitions[i % columns]);
    to->set_count(cell.count);
    to->set_count_low(cell.count - count_margin);
    to->set_count_high(cell.count + count_margin);
    to->set_sum_minor(cell.sum);
    to->set_sum_low_minor(cell.sum - sum_margin);
    to->set_sum_high_minor(cell.sum + sum_margin);
  }
}

}  // namespace kyoso::node
