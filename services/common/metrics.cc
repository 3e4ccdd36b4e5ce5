#include "services/common/metrics.h"

#include "absl/strings/str_cat.h"

namespace csec {

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics();
  return *metrics;
}

Counter& Metrics::GetCounter(absl::string_view name, absl::string_view help, absl::string_view labels) {
  absl::MutexLock lock(&mu_);
  Family& family = families_[std::string(name)];
  if (family.help.empty()) family.help = std::string(help);
  auto& counter = family.by_labels[std::string(labels)];
  if (!counter) counter = std::make_unique<Counter>();
  return *counter;
}

std::string Metrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", family.help, "\n# TYPE ", name, " counter\n");
    for (const auto& [labels, counter] : family.by_labels) {
      absl::StrAppend(&out, name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ",
                      counter->Value(), "\n");
    }
  }
  return out;
}

}  // namespace csec
