#include "services/common/kafka/kafka_partitioner.h"

#include <gtest/gtest.h>

// Values from Kafka's own tests (UtilsTest.testMurmur2): our producers use Java's partitioner,
// so a case's partition can be computed, and must agree with the broker's clients.
TEST(KafkaPartitioner, Murmur2MatchesKafkasJavaClient) {
  EXPECT_EQ(csec::KafkaMurmur2("21"), -973932308);
  EXPECT_EQ(csec::KafkaMurmur2("foobar"), -790332482);
  EXPECT_EQ(csec::KafkaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(csec::KafkaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(csec::KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(csec::KafkaMurmur2("abc"), 479470107);
}

TEST(KafkaPartitioner, PartitionIsThePositiveHashModuloTheCount) {
  // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 6 = 0.
  EXPECT_EQ(csec::KafkaPartitionFor("foobar", 6), 1357151166 % 6);
  EXPECT_EQ(csec::KafkaPartitionFor("21", 1), 0);
}
