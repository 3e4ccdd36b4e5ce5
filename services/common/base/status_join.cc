#include "services/common/base/status_join.h"

#include <utility>

namespace csec {

std::shared_ptr<StatusJoin> StatusJoin::Make(StatusCallback done) {
  return std::shared_ptr<StatusJoin>(new StatusJoin(std::move(done)));
}

StatusCallback StatusJoin::Part() {
  {
    absl::MutexLock lock(&mu_);
    ++pending_;
  }
  return [self = shared_from_this()](absl::Status status) { self->Finish(std::move(status)); };
}

void StatusJoin::Finish(absl::Status status) {
  StatusCallback done;
  absl::Status result;
  {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && first_failure_.ok()) first_failure_ = std::move(status);
    if (--pending_ > 0) return;
    done = std::move(done_);
    result = first_failure_;
  }
  done(std::move(result));
}

}  // namespace csec
