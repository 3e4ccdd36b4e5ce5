// Answers once for several asynchronous parts: with the first failure, or OK when every part
// succeeded. The setup holds a part of its own until Release, so `done` cannot run while parts
// are still being handed out.
//
//   std::shared_ptr<StatusJoin> join = StatusJoin::Make(std::move(done));
//   for (const Envelope& e : events) producer->ProduceAsync(e, join->Part());
//   join->Release();   // `done` runs here, or when the last part finishes
//
// Thread-safe: parts may finish on any thread. `done` runs on the thread that finishes last.
#ifndef CSEC_SERVICES_COMMON_BASE_STATUS_JOIN_H_
#define CSEC_SERVICES_COMMON_BASE_STATUS_JOIN_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace csec {

using StatusCallback = absl::AnyInvocable<void(absl::Status)>;

class StatusJoin : public std::enable_shared_from_this<StatusJoin> {
 public:
  static std::shared_ptr<StatusJoin> Make(StatusCallback done);

  // A callback for one more part; each must be called exactly once.
  StatusCallback Part();
  // The setup's own part: call once, after the last Part().
  void Release() { Finish(absl::OkStatus()); }

 private:
  explicit StatusJoin(StatusCallback done) : done_(std::move(done)) {}
  void Finish(absl::Status status);

  absl::Mutex mu_;
  int pending_ ABSL_GUARDED_BY(mu_) = 1;  // the setup's part, until Release
  absl::Status first_failure_ ABSL_GUARDED_BY(mu_);
  StatusCallback done_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_BASE_STATUS_JOIN_H_
