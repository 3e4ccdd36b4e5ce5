// Clock: every read of "now" in csec-dispatch goes through one of these, so tests can run
// ninety minutes of protocol time in a second.
//
//   SystemClock clock;            // production
//   ManualClock test_clock(t0);   // tests
//   test_clock.Advance(absl::Minutes(90));
//
// Thread-safe: any thread may call Now(); ManualClock::Advance may race with readers.
#ifndef CSEC_SERVICES_COMMON_CLOCK_H_
#define CSEC_SERVICES_COMMON_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace csec {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // The process-wide real clock, for code that is not given one.
  static SystemClock& Get();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

// Conversions at the protobuf boundary; everything inside works in absl::Time.
google::protobuf::Timestamp ToProtoTime(absl::Time t);
absl::Time FromProtoTime(const google::protobuf::Timestamp& t);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_CLOCK_H_
