#include "services/common/kafka/kafka_partitioner.h"

namespace csec {

int32_t KafkaMurmur2(absl::string_view key) {
  const uint32_t length = static_cast<uint32_t>(key.size());
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = seed ^ length;
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(key[i])); };
  const size_t words = length / 4;
  for (size_t i = 0; i < words; ++i) {
    const size_t at = i * 4;
    uint32_t k = byte(at) | (byte(at + 1) << 8) | (byte(at + 2) << 16) | (byte(at + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = words * 4;
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t KafkaPartitionFor(absl::string_view key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(KafkaMurmur2(key)) & 0x7fffffff) %
                              static_cast<uint32_t>(partitions));
}

}  // namespace csec
