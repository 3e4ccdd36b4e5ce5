#include "services/common/serving/health.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace csec {

void HealthState::Set(absl::string_view check, absl::Status status) {
  absl::MutexLock lock(&mu_);
  auto it = checks_.find(check);
  if (it == checks_.end()) {
    checks_.emplace(std::string(check), std::move(status));
  } else {
    it->second = std::move(status);
  }
  UpdateLocked();
}

absl::Status HealthState::Ready() const {
  absl::MutexLock lock(&mu_);
  return ready_;
}

void HealthState::SetStopping() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  UpdateLocked();
}

uint64_t HealthState::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

uint64_t HealthState::WaitForChange(uint64_t seen, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return version_ != seen; };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  return version_;
}

void HealthState::UpdateLocked() {
  absl::Status ready;
  if (stopping_) {
    ready = absl::UnavailableError("stopping");
  } else {
    std::string reasons;
    for (const auto& [name, status] : checks_) {
      if (status.ok()) continue;
      // A status with no message still names its code, so the reason is never blank.
      absl::string_view why = status.message();
      std::string code;
      if (why.empty()) {
        code = absl::StatusCodeToString(status.code());
        why = code;
      }
      absl::StrAppend(&reasons, reasons.empty() ? "" : "; ", name, ": ", why);
    }
    if (!reasons.empty()) ready = absl::UnavailableError(reasons);
  }
  // Status equality compares code and message, which is exactly what readers can observe.
  if (ready != ready_) {
    ready_ = std::move(ready);
    ++version_;  // absl::Mutex wakes AwaitWithDeadline waiters when their condition turns true
  }
}

absl::Status HealthState::Check(absl::string_view check) const {
  absl::MutexLock lock(&mu_);
  auto it = checks_.find(check);
  return it == checks_.end() ? absl::OkStatus() : it->second;
}

}  // namespace csec
