// FlowBook's in-memory index over a period's pair records (flow_book.h, Current).
#include <algorithm>
#include <bit>

#include "flow_book.h"

namespace kyoso::ledger {

size_t FlowBook::KeyHash::operator()(const Key& key) const {
  auto mix = [](uint64_t h, const void* p) {
    h ^= reinterpret_cast<uintptr_t>(p) + 0x9E37'79B9'7F4A'7C15ULL + (h << 6) + (h >> 2);
    return h;
  };
  uint64_t h =
      mix(mix(mix(static_cast<uint64_t>(key.flow_class), key.payer), key.payee), key.program);
  return static_cast<size_t>(h * 0xBF58'476D'1CE4'E5B9ULL);
}

namespace {

// The index's first size, and where in a key's hash its slot and its tag come from: the
// slot from the top bits (KeyHash ends with a multiplication, which mixes into them), the
// tag from bits below those, so the two differ for any index under 2^24 slots.
constexpr size_t kMinSlots = 64;
constexpr int kTagShift = 8;

size_t SlotOf(uint64_t hash, size_t slot_count) {
  return static_cast<size_t>(hash >> (64 - std::countr_zero(slot_count)));
}
uint32_t TagOf(uint64_t hash) {
  return static_cast<uint32_t>(hash >> kTagShift);
}

}  // namespace

FlowBook::Record& FlowBook::Current::Find(const Key& key, uint32_t currency) {
  if (2 * (records.size() + 1) > slots.size()) {
    Rehash(std::max(kMinSlots, 2 * slots.size()));
  }
  const uint64_t hash = KeyHash{}(key);
  const uint32_t tag = TagOf(hash);
  const size_t mask = slots.size() - 1;
  for (size_t i = SlotOf(hash, slots.size());; i = (i + 1) & mask) {
    Slot& slot = slots[i];
    if (slot.number == 0) {
      records.push_back(Record{key, currency});
      slot = Slot{tag, static_cast<uint32_t>(records.size())};
      return records.back();
    }
    if (slot.tag == tag && records[slot.number - 1].key == key) return records[slot.number - 1];
  }
}

void FlowBook::Current::Clear(size_t expected) {
  records.clear();
  records.reserve(expected);
  Rehash(std::max(kMinSlots, std::bit_ceil(2 * expected)));
}

void FlowBook::Current::Rehash(size_t slot_count) {
  slots.assign(slot_count, Slot{});
  const size_t mask = slot_count - 1;
  for (size_t number = 1; number <= records.size(); ++number) {
    const uint64_t hash = KeyHash{}(records[number - 1].key);
    size_t i = SlotOf(hash, slot_count);
    while (slots[i].number != 0) i = (i + 1) & mask;
    slots[i] = Slot{TagOf(hash), static_cast<uint32_t>(number)};
  }
}

}  // namespace kyoso::ledger
