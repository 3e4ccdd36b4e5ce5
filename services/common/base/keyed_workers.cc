#include "services/common/base/keyed_workers.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace csec {

KeyedWorkers::KeyedWorkers(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    workers_.push_back(std::make_unique<Worker>());
    Worker* w = workers_.back().get();
    w->thread = std::thread([w] { Run(w); });
  }
}

KeyedWorkers::~KeyedWorkers() { Stop(); }

void KeyedWorkers::Stop() {
  for (auto& w : workers_) {
    absl::MutexLock lock(&w->mu);
    w->stopping = true;
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void KeyedWorkers::Post(absl::string_view key, absl::AnyInvocable<void()> task) {
  Worker* w = workers_[absl::Hash<absl::string_view>{}(key) % workers_.size()].get();
  absl::MutexLock lock(&w->mu);
  w->queue.push_back(std::move(task));
}

void KeyedWorkers::Run(Worker* w) {
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&w->mu);
      w->mu.Await(absl::Condition(
          +[](Worker* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) { return w->stopping || !w->queue.empty(); }, w));
      if (w->queue.empty()) return;  // stopping, and everything posted has run
      task = std::move(w->queue.front());
      w->queue.pop_front();
    }
    task();
  }
}

}  // namespace csec
