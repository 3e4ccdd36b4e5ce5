// Clock: every read of "now" in csec-dispatch goes through one of these, so tests can run
// ninety minutes of protocol time in a second.
//
//   SystemClock clock;            // production
//   ManualClock test_clock(t0);   // tests
//   test_clock.Advance(absl::Minutes(90));
//   ScaledClock sim(sim_origin, real_origin, 15000);  // simulations: a year in ~35 minutes
//
// A clock's time is protocol time (due instants, occurred-at). Waiting for it is real time, and
// so are the durations of the machinery (leases, retries, timeouts): ToReal and scale() convert.
//
// Thread-safe: any thread may call Now(); ManualClock::Advance may race with readers.
#ifndef CSEC_SERVICES_COMMON_BASE_CLOCK_H_
#define CSEC_SERVICES_COMMON_BASE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace csec {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // How long real time takes to pass `clock_duration` of this clock's time: what to sleep.
  virtual absl::Duration ToReal(absl::Duration clock_duration) const { return clock_duration; }
  // Clock seconds per real second: a real duration (a lease) is `real * scale()` of clock time.
  virtual double scale() const { return 1; }
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

// Runs `scale` times faster than real time and reads `sim_origin` at the real instant
// `real_origin`. Processes given the same three values agree on the time, so a restarted one
// continues the same simulated timeline.
class ScaledClock final : public Clock {
 public:
  ScaledClock(absl::Time sim_origin, absl::Time real_origin, double scale)
      : sim_origin_(sim_origin), real_origin_(real_origin), scale_(scale) {}
  absl::Time Now() const override { return sim_origin_ + (absl::Now() - real_origin_) * scale_; }
  absl::Duration ToReal(absl::Duration clock_duration) const override { return clock_duration / scale_; }
  double scale() const override { return scale_; }

 private:
  const absl::Time sim_origin_;
  const absl::Time real_origin_;
  const double scale_;
};

// Conversions at the protobuf boundary; everything inside works in absl::Time.
google::protobuf::Timestamp ToProtoTime(absl::Time t);
absl::Time FromProtoTime(const google::protobuf::Timestamp& t);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_BASE_CLOCK_H_
