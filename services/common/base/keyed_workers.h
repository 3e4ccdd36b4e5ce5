// A few threads running tasks by key: the tasks of one key run one at a time, in the order they
// were posted (a key always goes to the same thread); different keys run in parallel. For
// handlers whose work about one case must not interleave, though the case's events arrive on
// several topics (each in order, not with each other).
//
//   KeyedWorkers workers(8);
//   workers.Post(event.case_id(), [event, done = std::move(done)]() mutable { done(Process(event)); });
//   workers.Stop();  // after the consumer stopped: runs what is queued, then joins
#ifndef CSEC_SERVICES_COMMON_BASE_KEYED_WORKERS_H_
#define CSEC_SERVICES_COMMON_BASE_KEYED_WORKERS_H_

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace csec {

class KeyedWorkers {
 public:
  explicit KeyedWorkers(int threads);
  ~KeyedWorkers();  // Stop()s
  KeyedWorkers(const KeyedWorkers&) = delete;
  KeyedWorkers& operator=(const KeyedWorkers&) = delete;

  void Post(absl::string_view key, absl::AnyInvocable<void()> task);
  // Runs every task already posted, then joins the threads. Idempotent.
  void Stop();

 private:
  struct Worker {
    absl::Mutex mu;
    std::deque<absl::AnyInvocable<void()>> queue ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
    std::thread thread;
  };
  static void Run(Worker* worker);

  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_BASE_KEYED_WORKERS_H_
