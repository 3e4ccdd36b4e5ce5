// HealthState: whether this process can do its job right now, as named checks ("kafka",
// "redis", "partitions", ...) that whoever watches each dependency keeps up to date. Read by
// the operations endpoint (/readyz, HttpServer) and by gRPC health checking (grpc_server.h),
// so both always tell the same story.
//
//   HealthState health;
//   health.Set("kafka", absl::UnavailableError("no broker reachable"));   // watcher thread
//   health.Set("kafka", absl::OkStatus());                                 // later, recovered
//   absl::Status ready = health.Ready();   // any thread; OK, or Unavailable("kafka: ...")
//   health.SetStopping();                  // on SIGTERM: fail readiness while draining
//
// Thread-safe: any thread may call anything. Ready() and version() never do I/O and never
// wait on a dependency, so a probe is always answered at once. No checks at all means ready.
#ifndef CSEC_SERVICES_COMMON_SERVING_HEALTH_H_
#define CSEC_SERVICES_COMMON_SERVING_HEALTH_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace csec {

class HealthState {
 public:
  HealthState() = default;
  HealthState(const HealthState&) = delete;
  HealthState& operator=(const HealthState&) = delete;

  // Records one check's outcome: OK, or the reason the process cannot work (its message is
  // shown to operators on /readyz, so say what is wrong, e.g. "no broker reachable").
  void Set(absl::string_view check, absl::Status status);

  // OK when every check is OK and the process is not stopping. Otherwise Unavailable with
  // "kafka: <message>; redis: <message>" (failing checks, sorted by name), or "stopping".
  absl::Status Ready() const;

  // One check's last outcome (OK when never set): for code that needs one dependency only,
  // e.g. intake refusing a report at once while Kafka is unreachable.
  absl::Status Check(absl::string_view check) const;

  // From now on Ready() fails with "stopping", so load balancers drain this process while
  // it finishes what it has in flight. There is no way back: stopping is the end.
  void SetStopping();

  // Bumps whenever Ready()'s outcome or message changes (not on a Set that changes nothing),
  // so a watcher can tell "something changed" without comparing messages.
  uint64_t version() const;

  // Blocks until version() != seen or `deadline` passes; returns version(). Use a short
  // deadline in a loop that also checks whether the waiter should give up (a cancelled call).
  uint64_t WaitForChange(uint64_t seen, absl::Time deadline) const;

 private:
  // Recomputes ready_ from checks_/stopping_ and bumps version_ if it changed.
  void UpdateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, absl::Status, std::less<>> checks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status ready_ ABSL_GUARDED_BY(mu_);  // cached, so Ready() is a copy under a lock
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_HEALTH_H_
