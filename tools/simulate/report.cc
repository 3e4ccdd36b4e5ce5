#include "tools/simulate/report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/base/clock.h"
#include "services/common/base/log.h"

namespace csec::simulate {
namespace {

using csec::dispatch::v1::Envelope;
namespace v1 = csec::dispatch::v1;

constexpr char kCountyTimeZone[] = "America/Los_Angeles";  // protocol.yaml time_zone
constexpr absl::Duration kWeek = absl::Hours(24 * 7);
constexpr absl::Duration kHistogramBin = absl::Minutes(10);
constexpr int kHistogramMaxBins = 36;  // 6 hours; later arrivals go to the last bin
constexpr size_t kTopPersons = 10;

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::string EventKey(const TopicRecord& r) {
  if (!r.envelope.event_id().empty()) return r.envelope.event_id();
  return absl::StrCat("<no id>", r.topic, "/", r.partition, "/", r.offset);
}

// The first record of every event id, in record order.
std::vector<const TopicRecord*> DistinctEvents(const RunFacts& facts) {
  std::set<std::string> seen;
  std::vector<const TopicRecord*> out;
  for (const TopicRecord& r : facts.records) {
    if (seen.insert(EventKey(r)).second) out.push_back(&r);
  }
  return out;
}

std::vector<Count> SortedCounts(const std::map<std::string, int64_t>& counts) {
  std::vector<Count> out;
  for (const auto& [key, n] : counts) out.push_back({key, n});
  return out;
}

// Floor division of durations: the whole weeks from `from` to `t`.
int64_t WeeksBetween(absl::Time from, absl::Time t) {
  const absl::Duration d = t - from;
  absl::Duration rem;
  int64_t n = absl::IDivDuration(d, kWeek, &rem);
  if (from + n * kWeek > t) --n;
  return n;
}

struct CaseInfo {
  bool routed = false;
  bool identification_known = false;
  absl::Time identified_at;
  std::string area_id;
};

std::map<std::string, CaseInfo> Cases(const std::vector<const TopicRecord*>& events) {
  std::map<std::string, CaseInfo> cases;
  // CaseRouted says it best; the referral's own identified_at, else its occurred_at, otherwise.
  for (const TopicRecord* r : events) {
    const Envelope& e = r->envelope;
    if (!e.has_case_routed()) continue;
    CaseInfo& c = cases[e.case_id()];
    if (c.routed) continue;
    c.routed = true;
    c.area_id = e.case_routed().area_id();
    if (e.case_routed().has_identified_at()) {
      c.identified_at = FromProtoTime(e.case_routed().identified_at());
      c.identification_known = true;
    }
  }
  for (const TopicRecord* r : events) {
    const Envelope& e = r->envelope;
    if (!e.has_referral_received()) continue;
    CaseInfo& c = cases[e.case_id()];
    if (c.identification_known) continue;
    const auto& referral = e.referral_received().referral();
    if (referral.has_identified_at()) {
      c.identified_at = FromProtoTime(referral.identified_at());
    } else if (e.has_occurred_at()) {
      c.identified_at = FromProtoTime(e.occurred_at());
    } else {
      continue;
    }
    c.identification_known = true;
  }
  return cases;
}

void BuildDeadlines(const RunFacts& facts, const std::vector<DeadlineHistory>& histories,
                    const std::map<std::string, absl::Time>& broker_times, Report& report) {
  std::map<std::string, DeadlineKindStats> kinds;
  std::map<std::string, std::map<int64_t, WeekCount>> weeks;  // kind → week → counts
  int64_t last_week = -1;
  if (facts.sim_end > facts.sim_start) last_week = WeeksBetween(facts.sim_start, facts.sim_end - absl::Nanoseconds(1));
  for (const DeadlineHistory& h : histories) {
    if (h.armed == nullptr) continue;
    DeadlineKindStats& k = kinds[h.deadline_id];
    if (k.armed == 0) {
      k.deadline_id = h.deadline_id;
      k.duration = h.due_at - h.starts_at;
    }
    ++k.armed;
    if (h.due_at > facts.sim_end) {  // came due after the run's clock stopped: not judged
      ++k.open;
      continue;
    }
    const bool escalated = !h.missed.empty();
    if (escalated) ++k.escalated;
    if (h.MetLate()) ++k.met_late;
    bool met_in_time = false, missed = false;
    if (h.MetInTime()) {
      ++k.met_in_time;
      met_in_time = true;
      if (escalated) ++k.escalated_met_in_time;
    } else if (escalated || !h.met.empty()) {
      ++k.missed;
      missed = true;
    } else if (!h.cancelled.empty()) {
      ++k.cancelled;
    } else {
      ++k.open;
    }
    if (met_in_time || missed) {
      const int64_t week = std::max<int64_t>(0, WeeksBetween(facts.sim_start, h.due_at));
      last_week = std::max(last_week, week);
      WeekCount& w = weeks[h.deadline_id][week];
      w.week = static_cast<int>(week + 1);
      (met_in_time ? w.met_in_time : w.missed) += 1;
    }
  }
  report.weeks = static_cast<int>(last_week + 1);
  for (auto& [id, k] : kinds) {
    if (k.met_in_time + k.missed > 0) {
      k.compliance_pct = 100.0 * static_cast<double>(k.met_in_time) / static_cast<double>(k.met_in_time + k.missed);
    }
    report.deadlines.push_back(k);
    DeadlineWeeks dw;
    dw.deadline_id = id;
    for (int w = 0; w < report.weeks; ++w) {
      auto it = weeks[id].find(w);
      WeekCount c;
      if (it != weeks[id].end()) c = it->second;
      c.week = w + 1;
      dw.weeks.push_back(c);
    }
    report.compliance_by_week.push_back(std::move(dw));
  }

  EscalationStats& esc = report.escalations;
  std::vector<absl::Duration> late_by, real_late;
  for (const DeadlineHistory& h : histories) {
    if (h.armed == nullptr || h.due_at > facts.sim_end) continue;
    for (const TopicRecord* r : h.missed) {
      const auto& m = r->envelope.deadline_missed();
      ++esc.escalations;
      late_by.push_back(FromProtoDuration(m.late_by()));
      auto it = broker_times.find(EventKey(*r));
      const absl::Time on_broker = it != broker_times.end() ? it->second : r->broker_time;
      real_late.push_back(on_broker - facts.clock.RealAt(FromProtoTime(m.due_at())));
    }
    std::optional<MeetingFactTiming> timing = EscalatedMetInTime(h, facts, broker_times);
    if (timing == MeetingFactTiming::kInFlight) ++esc.in_flight;
    if (timing == MeetingFactTiming::kReachedBrokerAfterDue) ++esc.met_in_time_reported_after_due;
  }
  esc.late_by = ComputeDurationStats(std::move(late_by));
  esc.real_late = ComputeDurationStats(std::move(real_late));
}

void BuildArrivals(const std::vector<const TopicRecord*>& events, const std::map<std::string, CaseInfo>& cases,
                   Report& report) {
  // (case, role) → the first arrival.
  std::map<std::pair<std::string, int>, absl::Time> first;
  for (const TopicRecord* r : events) {
    if (!r->envelope.has_arrival_recorded()) continue;
    const auto& a = r->envelope.arrival_recorded();
    const absl::Time at = FromProtoTime(a.arrived_at());
    auto [it, inserted] = first.emplace(std::make_pair(r->envelope.case_id(), static_cast<int>(a.role())), at);
    if (!inserted && at < it->second) it->second = at;
  }
  for (auto [role, name] :
       {std::pair{v1::RESPONDER_ROLE_RESPONDER, "responder"}, std::pair{v1::RESPONDER_ROLE_ADVOCATE, "advocate"}}) {
    ArrivalStats stats;
    stats.role = name;
    std::map<std::string, std::vector<absl::Duration>> by_area;
    for (const auto& [case_id, c] : cases) {
      if (!c.routed || !c.identification_known) continue;
      auto it = first.find({case_id, static_cast<int>(role)});
      if (it == first.end()) {
        ++stats.routed_cases_without_arrival;
        continue;
      }
      const absl::Duration d = it->second - c.identified_at;
      stats.sorted.push_back(d);
      by_area[c.area_id.empty() ? "(none)" : c.area_id].push_back(d);
    }
    std::sort(stats.sorted.begin(), stats.sorted.end());
    stats.overall = ComputeDurationStats(stats.sorted);
    for (auto& [area, values] : by_area) stats.by_area.push_back({area, ComputeDurationStats(std::move(values))});
    report.arrivals.push_back(std::move(stats));
  }
}

void BuildPages(const RunFacts& facts, const std::vector<const TopicRecord*>& events, Report& report) {
  PageStats& p = report.pages;
  std::map<std::string, int64_t> per_case, per_person, by_reason;
  std::set<std::string> page_ids;
  for (const TopicRecord* r : events) {
    const Envelope& e = r->envelope;
    switch (e.body_case()) {
      case Envelope::kPageSent: {
        ++p.sent;
        ++per_case[e.case_id()];
        ++per_person[e.page_sent().person_id()];
        page_ids.insert(e.page_sent().page_id());
        const std::string& reason = e.page_sent().reason();
        ++by_reason[reason.substr(0, reason.find(':'))];
        break;
      }
      case Envelope::kPageAcknowledged:
        ++p.acknowledged;
        break;
      case Envelope::kPageDeclined:
        ++p.declined;
        break;
      case Envelope::kChainExhausted:
        ++p.chains_exhausted;
        break;
      default:
        break;
    }
  }
  p.pages = static_cast<int64_t>(page_ids.size());
  const size_t cases = !facts.reported_case_ids.empty() ? facts.reported_case_ids.size() : per_case.size();
  if (cases > 0) p.sent_per_case_mean = static_cast<double>(p.sent) / static_cast<double>(cases);
  for (const auto& [case_id, n] : per_case) p.sent_per_case_max = std::max(p.sent_per_case_max, n);
  p.persons = static_cast<int64_t>(per_person.size());
  std::vector<Count> persons = SortedCounts(per_person);
  std::stable_sort(persons.begin(), persons.end(), [](const Count& a, const Count& b) { return a.count > b.count; });
  if (persons.size() > kTopPersons) persons.resize(kTopPersons);
  p.per_person_top = std::move(persons);
  p.sent_by_reason = SortedCounts(by_reason);
}

void BuildMedical(const std::vector<const TopicRecord*>& events, const std::map<std::string, CaseInfo>& cases,
                  Report& report) {
  MedicalStats& m = report.medical;
  absl::TimeZone county;
  m.day_share_known = absl::LoadTimeZone(kCountyTimeZone, &county);
  std::map<std::string, int64_t> by_hub, by_cause, exams_by_hub;
  for (const TopicRecord* r : events) {
    const Envelope& e = r->envelope;
    switch (e.body_case()) {
      case Envelope::kMedicalAppointmentScheduled: {
        const auto& s = e.medical_appointment_scheduled();
        ++m.booked;
        ++by_hub[s.appointment().hub_id()];
        if (s.booking_number() != 1) break;
        ++m.first_bookings;
        auto c = cases.find(e.case_id());
        absl::CivilDay day;
        if (!m.day_share_known || c == cases.end() || !c->second.identification_known ||
            !absl::ParseCivilTime(s.appointment().local_date(), &day)) {
          ++m.unknown_day;
          break;
        }
        const absl::CivilDay identified = absl::ToCivilDay(c->second.identified_at, county);
        const int64_t days = day - identified;
        if (days <= 0) {
          ++m.same_day;
        } else if (days == 1) {
          ++m.next_day;
        } else {
          ++m.later_day;
        }
        break;
      }
      case Envelope::kMedicalSchedulingFailed:
        ++m.scheduling_failures;
        ++by_cause[e.medical_scheduling_failed().cause()];
        break;
      case Envelope::kMedicalNoShowRecorded:
        ++m.no_shows;
        break;
      case Envelope::kMedicalAppointmentCancelled:
        ++m.cancelled;
        break;
      case Envelope::kMedicalExamRecorded:
        ++m.exams_recorded;
        ++exams_by_hub[e.medical_exam_recorded().hub_id()];
        break;
      default:
        break;
    }
  }
  m.booked_by_hub = SortedCounts(by_hub);
  m.failures_by_cause = SortedCounts(by_cause);
  m.exams_by_hub = SortedCounts(exams_by_hub);
}

void BuildPlacements(const RunFacts& facts, const std::vector<const TopicRecord*>& events,
                     const std::map<std::string, CaseInfo>& cases, Report& report) {
  std::map<std::string, std::vector<const v1::PlacementRecorded*>> placements;
  for (const TopicRecord* r : events) {
    if (r->envelope.has_placement_recorded())
      placements[r->envelope.case_id()].push_back(&r->envelope.placement_recorded());
  }
  PlacementAt72h& p = report.placement_72h;
  for (const std::string& case_id : facts.reported_case_ids) {
    ++p.cases;
    auto c = cases.find(case_id);
    const v1::PlacementRecorded* latest = nullptr;
    if (c != cases.end() && c->second.identification_known) {
      const absl::Time by = c->second.identified_at + absl::Hours(72);
      for (const v1::PlacementRecorded* pr : placements[case_id]) {
        const absl::Time at = FromProtoTime(pr->placed_at());
        if (at > by) continue;
        if (latest == nullptr || at >= FromProtoTime(latest->placed_at())) latest = pr;
      }
    }
    if (latest == nullptr) {
      ++p.none;
    } else if (latest->kind() == v1::PLACEMENT_KIND_HOME) {
      ++p.home;
    } else if (latest->kind() == v1::PLACEMENT_KIND_SODA_PAD_BED) {
      ++p.soda_pad_bed;
    } else {
      ++p.other;
    }
  }
}

// ----- formatting ----------------------------------------------------------------------------

std::string Rfc3339(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string HumanTime(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", t, absl::UTCTimeZone()); }

// "1h27m30s": whole seconds (rounded toward zero); "0s".
std::string Dur(absl::Duration d) { return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))); }

std::string Pct(int64_t part, int64_t whole) {
  if (whole == 0) return "-";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string Pct(const std::optional<double>& pct) { return pct.has_value() ? absl::StrFormat("%.1f%%", *pct) : "-"; }

std::string RealMs(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " ms"); }

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  std::string s = absl::StrFormat("%.3f", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// "key   value" lines, the values aligned.
std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& rows, const std::string& indent = "  ") {
  size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, DisplayWidth(k));
  std::string out;
  for (const auto& [k, v] : rows) {
    absl::StrAppend(&out, indent, k, std::string(width - DisplayWidth(k) + 2, ' '), v, "\n");
  }
  return out;
}

// A text table: the first `left` columns left-aligned (names), the others right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> header, size_t left = 1) : left_(left) { rows_.push_back(std::move(header)); }
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Render(const std::string& indent = "  ") const {
    std::vector<size_t> widths;
    for (const auto& row : rows_) {
      if (widths.size() < row.size()) widths.resize(row.size(), 0);
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
    std::string out;
    for (size_t r = 0; r < rows_.size(); ++r) {
      std::string line = indent;
      for (size_t i = 0; i < rows_[r].size(); ++i) {
        const std::string& cell = rows_[r][i];
        const std::string pad(widths[i] - DisplayWidth(cell), ' ');
        if (i > 0) line += "  ";
        line += i < left_ ? cell + pad : pad + cell;
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
      if (r == 0) {
        std::string rule = indent;
        for (size_t i = 0; i < widths.size(); ++i) rule += (i > 0 ? "  " : "") + std::string(widths[i], '-');
        out += rule + "\n";
      }
    }
    return out;
  }

 private:
  size_t left_ = 1;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON writer: commas and escaping; the caller keeps objects and arrays balanced.
class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(absl::string_view key) {
    Separate();
    absl::StrAppend(&out_, "\"", log::JsonEscape(key), "\":");
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(absl::string_view v) { return Raw(absl::StrCat("\"", log::JsonEscape(v), "\"")); }
  JsonWriter& Int(int64_t v) { return Raw(absl::StrCat(v)); }
  JsonWriter& Double(double v) { return Raw(Num(v)); }
  JsonWriter& Bool(bool v) { return Raw(v ? "true" : "false"); }
  JsonWriter& Null() { return Raw("null"); }
  JsonWriter& Seconds(absl::Duration d) { return Double(absl::ToDoubleSeconds(d)); }
  JsonWriter& Millis(absl::Duration d) { return Double(absl::ToDoubleMilliseconds(d)); }
  JsonWriter& OptionalDouble(const std::optional<double>& v) { return v.has_value() ? Double(*v) : Null(); }
  // Shorthands for a member.
  JsonWriter& Field(absl::string_view k, absl::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(absl::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(absl::string_view k, const std::string& v) { return Key(k).String(v); }
  JsonWriter& Field(absl::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Field(absl::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Field(absl::string_view k, double v) { return Key(k).Double(v); }
  JsonWriter& Field(absl::string_view k, bool v) { return Key(k).Bool(v); }
  std::string Take() { return std::move(out_); }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  JsonWriter& Raw(absl::string_view v) {
    Separate();
    absl::StrAppend(&out_, v);
    return *this;
  }
  JsonWriter& Open(char c) {
    Separate();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  JsonWriter& Close(char c) {
    out_ += c;
    first_.pop_back();
    return *this;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

void StatsJson(JsonWriter& j, absl::string_view key, const DurationStats& s, bool real_ms) {
  j.Key(key).BeginObject().Field("count", s.count);
  if (real_ms) {
    j.Key("p50_real_ms").Millis(s.p50).Key("p90_real_ms").Millis(s.p90).Key("max_real_ms").Millis(s.max);
  } else {
    j.Key("p50_s").Seconds(s.p50).Key("p90_s").Seconds(s.p90).Key("max_s").Seconds(s.max);
  }
  j.EndObject();
}

void CountsJson(JsonWriter& j, absl::string_view key, const std::vector<Count>& counts) {
  j.Key(key).BeginObject();
  for (const Count& c : counts) j.Field(c.key, c.count);
  j.EndObject();
}

// Histogram of the arrival times: `bins` bins of kHistogramBin from zero; the last holds
// everything later. Negative times (arrival before identification) go to the first.
int HistogramBins(const Report& r) {
  absl::Duration longest = absl::ZeroDuration();
  for (const ArrivalStats& a : r.arrivals) {
    if (!a.sorted.empty()) longest = std::max(longest, a.sorted.back());
  }
  absl::Duration rem;
  const int64_t needed = absl::IDivDuration(longest, kHistogramBin, &rem) + 1;
  return static_cast<int>(std::clamp<int64_t>(needed, 1, kHistogramMaxBins));
}

std::vector<int64_t> Histogram(const ArrivalStats& a, int bins) {
  std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
  absl::Duration rem;
  for (absl::Duration d : a.sorted) {
    int64_t i = d < absl::ZeroDuration() ? 0 : absl::IDivDuration(d, kHistogramBin, &rem);
    counts[static_cast<size_t>(std::min<int64_t>(i, bins - 1))] += 1;
  }
  return counts;
}

std::string XmlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;  // not XML
        out += c;
    }
  }
  return out;
}

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
const char* Color(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

// A "nice" upper bound for an axis of counts, and its tick step.
std::pair<int64_t, int64_t> NiceAxis(int64_t max) {
  if (max <= 0) return {1, 1};
  int64_t step = 1;
  while (max / step > 5) {
    if (max / (step * 2) <= 5) {
      step *= 2;
      break;
    }
    if (max / (step * 5) <= 5) {
      step *= 5;
      break;
    }
    step *= 10;
  }
  return {((max + step - 1) / step) * step, step};
}

}  // namespace

absl::Duration NearestRank(const std::vector<absl::Duration>& sorted, int p) {
  const size_t n = sorted.size();
  size_t rank = (static_cast<size_t>(p) * n + 99) / 100;  // ceil(p/100 * n)
  rank = std::clamp<size_t>(rank, 1, n);
  return sorted[rank - 1];
}

DurationStats ComputeDurationStats(std::vector<absl::Duration> values) {
  DurationStats s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.count = static_cast<int64_t>(values.size());
  s.p50 = NearestRank(values, 50);
  s.p90 = NearestRank(values, 90);
  s.max = values.back();
  return s;
}

Report BuildReport(const RunFacts& facts) {
  Report report;
  const std::vector<const TopicRecord*> events = DistinctEvents(facts);
  const std::map<std::string, absl::Time> broker_times = EarliestBrokerTimes(facts);
  const std::map<std::string, CaseInfo> cases = Cases(events);

  RunSummary& run = report.run;
  run.label = facts.label;
  run.scale = facts.clock.scale;
  run.sim_start = facts.sim_start;
  run.sim_end = facts.sim_end;
  if (facts.clock.scale > 0) run.real_duration = (facts.sim_end - facts.sim_start) / facts.clock.scale;
  run.referrals_reported = static_cast<int64_t>(facts.reported_case_ids.size());
  run.events = static_cast<int64_t>(events.size());
  for (const FaultRecord& f : facts.faults) {
    const double real_s = absl::ToDoubleSeconds(f.real_end - f.real_start);
    run.faults.push_back({f.what, real_s, real_s * facts.clock.scale / 60.0});
  }

  BuildDeadlines(facts, CollectDeadlines(facts), broker_times, report);
  BuildArrivals(events, cases, report);
  BuildPages(facts, events, report);
  BuildMedical(events, cases, report);
  BuildPlacements(facts, events, cases, report);
  report.violations = CheckInvariants(facts);
  return report;
}

std::string ReportJson(const Report& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("percentiles", "nearest-rank");
  j.Key("run").BeginObject();
  j.Field("label", r.run.label).Field("scale", r.run.scale);
  j.Field("sim_start", Rfc3339(r.run.sim_start)).Field("sim_end", Rfc3339(r.run.sim_end));
  j.Key("sim_duration_s").Seconds(r.run.sim_end - r.run.sim_start);
  j.Key("real_duration_s").Seconds(r.run.real_duration);
  j.Field("referrals_reported", r.run.referrals_reported).Field("events", r.run.events);
  j.Key("faults").BeginArray();
  for (const FaultSummary& f : r.run.faults) {
    j.BeginObject().Field("what", f.what).Field("real_seconds", f.real_seconds).Field("sim_minutes", f.sim_minutes);
    j.EndObject();
  }
  j.EndArray().EndObject();

  j.Key("deadlines").BeginArray();
  for (const DeadlineKindStats& d : r.deadlines) {
    j.BeginObject().Field("deadline_id", d.deadline_id).Key("duration_s").Seconds(d.duration);
    j.Field("armed", d.armed).Field("met_in_time", d.met_in_time).Field("missed", d.missed);
    j.Field("cancelled", d.cancelled).Field("open", d.open).Field("escalated", d.escalated);
    j.Field("met_late", d.met_late).Field("escalated_met_in_time", d.escalated_met_in_time);
    j.Key("compliance_pct").OptionalDouble(d.compliance_pct);
    j.EndObject();
  }
  j.EndArray();

  const int bins = HistogramBins(r);
  j.Key("time_to_arrival").BeginObject();
  j.Key("histogram_bin_s").Seconds(kHistogramBin);
  for (const ArrivalStats& a : r.arrivals) {
    j.Key(a.role).BeginObject();
    StatsJson(j, "overall", a.overall, false);
    j.Field("routed_cases_without_arrival", a.routed_cases_without_arrival);
    j.Key("by_area").BeginObject();
    for (const AreaArrival& area : a.by_area) StatsJson(j, area.area_id, area.stats, false);
    j.EndObject();
    j.Key("histogram").BeginArray();
    for (int64_t n : Histogram(a, bins)) j.Int(n);
    j.EndArray();
    j.EndObject();
  }
  j.EndObject();

  j.Key("escalations").BeginObject();
  j.Field("count", r.escalations.escalations);
  StatsJson(j, "late_by", r.escalations.late_by, false);
  StatsJson(j, "real_lateness", r.escalations.real_late, true);
  j.Field("scale", r.run.scale);
  j.Field("in_flight", r.escalations.in_flight);
  j.Field("met_in_time_reported_after_due", r.escalations.met_in_time_reported_after_due);
  j.EndObject();

  const PageStats& p = r.pages;
  j.Key("pages").BeginObject();
  j.Field("sent", p.sent).Field("pages", p.pages).Field("sent_per_case_mean", p.sent_per_case_mean);
  j.Field("sent_per_case_max", p.sent_per_case_max).Field("persons", p.persons);
  j.Key("per_person_top").BeginArray();
  for (const Count& c : p.per_person_top) j.BeginObject().Field("person_id", c.key).Field("sent", c.count).EndObject();
  j.EndArray();
  j.Field("acknowledged", p.acknowledged).Field("declined", p.declined).Field("chains_exhausted", p.chains_exhausted);
  CountsJson(j, "sent_by_reason", p.sent_by_reason);
  j.EndObject();

  const MedicalStats& m = r.medical;
  j.Key("medical").BeginObject();
  j.Field("booked", m.booked);
  CountsJson(j, "booked_by_hub", m.booked_by_hub);
  j.Field("first_bookings", m.first_bookings);
  if (m.day_share_known) {
    j.Field("same_day", m.same_day).Field("next_day", m.next_day).Field("later_day", m.later_day);
    j.Field("unknown_day", m.unknown_day);
  } else {
    j.Key("same_day").Null().Key("next_day").Null().Key("later_day").Null().Key("unknown_day").Null();
  }
  j.Field("no_shows", m.no_shows).Field("scheduling_failures", m.scheduling_failures);
  CountsJson(j, "failures_by_cause", m.failures_by_cause);
  j.Field("cancelled", m.cancelled).Field("exams_recorded", m.exams_recorded);
  CountsJson(j, "exams_by_hub", m.exams_by_hub);
  j.EndObject();

  const PlacementAt72h& pl = r.placement_72h;
  j.Key("placement_at_72h").BeginObject();
  j.Field("cases", pl.cases).Field("home", pl.home).Field("soda_pad_bed", pl.soda_pad_bed);
  j.Field("other", pl.other).Field("none", pl.none);
  j.EndObject();

  j.Field("weeks", r.weeks);
  j.Key("compliance_by_week").BeginObject();
  for (const DeadlineWeeks& dw : r.compliance_by_week) {
    j.Key(dw.deadline_id).BeginArray();
    for (const WeekCount& w : dw.weeks) {
      j.BeginObject().Field("week", w.week).Field("met_in_time", w.met_in_time).Field("missed", w.missed).EndObject();
    }
    j.EndArray();
  }
  j.EndObject();

  j.Key("invariants").BeginObject();
  j.Field("all_held", r.violations.empty());
  j.Key("violations").BeginArray();
  for (const Violation& v : r.violations) {
    j.BeginObject().Field("invariant", v.invariant).Field("case_id", v.case_id).Field("detail", v.detail).EndObject();
  }
  j.EndArray().EndObject();
  j.EndObject();
  return j.Take() + "\n";
}

std::string ReportText(const Report& r) {
  std::string out;
  const std::string scale = absl::StrCat(Num(r.run.scale), "x");
  absl::StrAppend(&out, "csec-simulate report", r.run.label.empty() ? "" : ": ", r.run.label, "\n");
  absl::StrAppend(&out, "(durations simulated unless marked real; percentiles nearest-rank)\n\n");

  absl::StrAppend(&out, "run\n");
  out += KeyValues({
      {"scale", absl::StrCat(scale, " (1 real s = ", Num(r.run.scale), " simulated s)")},
      {"simulated", absl::StrCat(HumanTime(r.run.sim_start), " .. ", HumanTime(r.run.sim_end), " (",
                                 Dur(r.run.sim_end - r.run.sim_start), ")")},
      {"real duration", Dur(r.run.real_duration)},
      {"referrals reported", absl::StrCat(r.run.referrals_reported)},
      {"events", absl::StrCat(r.run.events)},
      {"faults", absl::StrCat(r.run.faults.size())},
  });
  if (!r.run.faults.empty()) {
    Table faults({"fault", "real s", "simulated min"});
    for (const FaultSummary& f : r.run.faults) {
      faults.Row({f.what, absl::StrFormat("%.1f", f.real_seconds), absl::StrFormat("%.1f", f.sim_minutes)});
    }
    out += "\n" + faults.Render();
  }

  absl::StrAppend(&out, "\ndeadlines (compliance = met in time / (met in time + missed))\n");
  Table deadlines({"deadline", "due after", "armed", "met in time", "missed", "escalated", "met late", "cancelled",
                   "open", "compliance"});
  for (const DeadlineKindStats& d : r.deadlines) {
    deadlines.Row({d.deadline_id, Dur(d.duration), absl::StrCat(d.armed), absl::StrCat(d.met_in_time),
                   absl::StrCat(d.missed), absl::StrCat(d.escalated), absl::StrCat(d.met_late),
                   absl::StrCat(d.cancelled), absl::StrCat(d.open), Pct(d.compliance_pct)});
  }
  out += r.deadlines.empty() ? "  (no deadline armed)\n" : deadlines.Render();

  absl::StrAppend(&out, "\ntime to arrival (identification to first arrival)\n");
  Table arrivals({"role", "area", "cases", "p50", "p90", "max"}, 2);
  for (const ArrivalStats& a : r.arrivals) {
    auto row = [&](const std::string& area, const DurationStats& s) {
      arrivals.Row({a.role, area, absl::StrCat(s.count), s.count ? Dur(s.p50) : "-", s.count ? Dur(s.p90) : "-",
                    s.count ? Dur(s.max) : "-"});
    };
    row("all", a.overall);
    for (const AreaArrival& area : a.by_area) row(area.area_id, area.stats);
    arrivals.Row({a.role, "no arrival", absl::StrCat(a.routed_cases_without_arrival), "", "", ""});
  }
  out += arrivals.Render();

  const EscalationStats& e = r.escalations;
  absl::StrAppend(&out, "\nescalations (DeadlineMissed)\n");
  Table esc({"", "count", "p50", "p90", "max"});
  esc.Row({"late by (simulated)", absl::StrCat(e.late_by.count), Dur(e.late_by.p50), Dur(e.late_by.p90),
           Dur(e.late_by.max)});
  esc.Row({absl::StrCat("late by (real, at scale ", scale, ")"), absl::StrCat(e.real_late.count),
           RealMs(e.real_late.p50), RealMs(e.real_late.p90), RealMs(e.real_late.max)});
  out += esc.Render();
  absl::StrAppend(&out, "  escalated while the meeting fact was in flight: ", e.in_flight, "\n");
  absl::StrAppend(&out, "  escalated, met in time by a fact reported after the due instant: ",
                  e.met_in_time_reported_after_due, "\n");

  const PageStats& p = r.pages;
  absl::StrAppend(&out, "\npages\n");
  out += KeyValues({
      {"sent (notifications)", absl::StrCat(p.sent)},
      {"pages (distinct ids)", absl::StrCat(p.pages)},
      {"sent per case, mean", absl::StrFormat("%.2f", p.sent_per_case_mean)},
      {"sent per case, max", absl::StrCat(p.sent_per_case_max)},
      {"people paged", absl::StrCat(p.persons)},
      {"acknowledged", absl::StrCat(p.acknowledged)},
      {"declined", absl::StrCat(p.declined)},
      {"chains exhausted", absl::StrCat(p.chains_exhausted)},
  });
  if (!p.sent_by_reason.empty()) {
    Table reasons({"reason", "sent"});
    for (const Count& c : p.sent_by_reason) reasons.Row({c.key, absl::StrCat(c.count)});
    out += "\n" + reasons.Render();
  }
  if (!p.per_person_top.empty()) {
    Table persons({"most paged", "sent"});
    for (const Count& c : p.per_person_top) persons.Row({c.key, absl::StrCat(c.count)});
    out += "\n" + persons.Render();
  }

  const MedicalStats& m = r.medical;
  absl::StrAppend(&out, "\nMedical Hubs\n");
  Table hubs({"hub", "booked", "exams recorded"});
  std::map<std::string, std::pair<int64_t, int64_t>> hub_rows;
  for (const Count& c : m.booked_by_hub) hub_rows[c.key].first = c.count;
  for (const Count& c : m.exams_by_hub) hub_rows[c.key].second = c.count;
  for (const auto& [hub, n] : hub_rows) hubs.Row({hub, absl::StrCat(n.first), absl::StrCat(n.second)});
  hubs.Row({"all", absl::StrCat(m.booked), absl::StrCat(m.exams_recorded)});
  out += hubs.Render();
  if (m.day_share_known) {
    absl::StrAppend(&out, "  first bookings: ", m.first_bookings, "; same day ", m.same_day, " (",
                    Pct(m.same_day, m.first_bookings), "), next day ", m.next_day, " (",
                    Pct(m.next_day, m.first_bookings), "), later ", m.later_day, " (",
                    Pct(m.later_day, m.first_bookings), ")",
                    m.unknown_day > 0 ? absl::StrCat(", day unknown ", m.unknown_day) : "", "\n");
  } else {
    absl::StrAppend(&out, "  first bookings: ", m.first_bookings, " (same/next day: time zone ", kCountyTimeZone,
                    " not available)\n");
  }
  absl::StrAppend(&out, "  no-shows: ", m.no_shows, "; cancelled: ", m.cancelled,
                  "; scheduling failures: ", m.scheduling_failures);
  if (!m.failures_by_cause.empty()) {
    std::vector<std::string> causes;
    for (const Count& c : m.failures_by_cause) causes.push_back(absl::StrCat(c.key, " ", c.count));
    absl::StrAppend(&out, " (", absl::StrJoin(causes, ", "), ")");
  }
  out += "\n";

  const PlacementAt72h& pl = r.placement_72h;
  absl::StrAppend(&out, "\nat 72 hours (latest placement recorded by identification + 72h)\n");
  Table placement({"status", "cases", "share"});
  placement.Row({"home", absl::StrCat(pl.home), Pct(pl.home, pl.cases)});
  placement.Row({"SODA/PAD bed", absl::StrCat(pl.soda_pad_bed), Pct(pl.soda_pad_bed, pl.cases)});
  placement.Row({"other", absl::StrCat(pl.other), Pct(pl.other, pl.cases)});
  placement.Row({"none recorded", absl::StrCat(pl.none), Pct(pl.none, pl.cases)});
  placement.Row({"all", absl::StrCat(pl.cases), ""});
  out += placement.Render();

  if (!r.compliance_by_week.empty() && r.weeks > 0) {
    absl::StrAppend(&out, "\ncompliance by week of the due instant (met in time/missed)\n");
    std::vector<std::string> header = {"week"};
    for (const DeadlineWeeks& dw : r.compliance_by_week) header.push_back(dw.deadline_id);
    Table weeks(header);
    for (int w = 0; w < r.weeks; ++w) {
      std::vector<std::string> row = {absl::StrCat(w + 1)};
      for (const DeadlineWeeks& dw : r.compliance_by_week) {
        const WeekCount& c = dw.weeks[static_cast<size_t>(w)];
        row.push_back(c.met_in_time + c.missed == 0 ? "-"
                                                    : absl::StrCat(c.met_in_time, "/", c.missed, " ",
                                                                   Pct(c.met_in_time, c.met_in_time + c.missed)));
      }
      weeks.Row(std::move(row));
    }
    out += weeks.Render();
  }

  out += "\n";
  if (r.violations.empty()) {
    out += "invariants: all held\n";
  } else {
    out += "invariant violations\n";
    for (const Violation& v : r.violations)
      absl::StrAppend(&out, "  ", v.invariant, "  ", v.case_id, "  ", v.detail, "\n");
    absl::StrAppend(&out, "invariants: ", r.violations.size(), " violated\n");
  }
  return out;
}

std::string ReportSvg(const Report& r) {
  constexpr int kWidth = 900;
  constexpr int kLeft = 80, kRight = 30, kPlotW = kWidth - kLeft - kRight, kPlotH = 230;
  constexpr int kChart1Top = 100, kChart2Top = kChart1Top + kPlotH + 150;
  constexpr int kHeight = kChart2Top + kPlotH + 110;
  std::string s;
  absl::StrAppend(&s, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"", kWidth, "\" height=\"",
                  kHeight, "\" viewBox=\"0 0 ", kWidth, " ", kHeight,
                  "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
  absl::StrAppend(&s, "<rect x=\"0\" y=\"0\" width=\"", kWidth, "\" height=\"", kHeight, "\" fill=\"#ffffff\"/>\n");
  absl::StrAppend(&s, "<text x=\"", kWidth / 2, "\" y=\"28\" text-anchor=\"middle\" font-size=\"18\">",
                  XmlEscape(absl::StrCat("csec-simulate", r.run.label.empty() ? "" : ": ", r.run.label)), "</text>\n");
  absl::StrAppend(&s, "<text x=\"", kWidth / 2, "\" y=\"46\" text-anchor=\"middle\" fill=\"#555555\">",
                  XmlEscape(absl::StrCat(r.run.referrals_reported, " referrals, simulated ", HumanTime(r.run.sim_start),
                                         " .. ", HumanTime(r.run.sim_end), ", scale ", Num(r.run.scale), "x")),
                  "</text>\n");

  auto axes = [&](int top, const std::string& title, const std::string& xlabel, const std::string& ylabel) {
    absl::StrAppend(&s, "<text x=\"", kWidth / 2, "\" y=\"", top - 14, "\" text-anchor=\"middle\" font-size=\"15\">",
                    XmlEscape(title), "</text>\n");
    absl::StrAppend(&s, "<line x1=\"", kLeft, "\" y1=\"", top + kPlotH, "\" x2=\"", kLeft + kPlotW, "\" y2=\"",
                    top + kPlotH, "\" stroke=\"#000000\"/>\n");
    absl::StrAppend(&s, "<line x1=\"", kLeft, "\" y1=\"", top, "\" x2=\"", kLeft, "\" y2=\"", top + kPlotH,
                    "\" stroke=\"#000000\"/>\n");
    absl::StrAppend(&s, "<text x=\"", kLeft + kPlotW / 2, "\" y=\"", top + kPlotH + 38, "\" text-anchor=\"middle\">",
                    XmlEscape(xlabel), "</text>\n");
    absl::StrAppend(&s, "<text x=\"", 22, "\" y=\"", top + kPlotH / 2,
                    "\" text-anchor=\"middle\" transform=\"rotate(-90 22 ", top + kPlotH / 2, ")\">", XmlEscape(ylabel),
                    "</text>\n");
  };
  auto legend = [&](int y, const std::vector<std::pair<std::string, std::string>>& entries) {
    int x = kLeft;
    for (const auto& [name, color] : entries) {
      absl::StrAppend(&s, "<rect x=\"", x, "\" y=\"", y - 10, "\" width=\"12\" height=\"12\" fill=\"", color, "\"/>\n");
      absl::StrAppend(&s, "<text x=\"", x + 17, "\" y=\"", y, "\">", XmlEscape(name), "</text>\n");
      x += 30 + 7 * static_cast<int>(name.size());
    }
  };

  // 1. Compliance by week, one line per deadline kind.
  axes(kChart1Top, "Compliance by week per deadline (met in time / (met in time + missed))",
       "simulated week of the due instant (week 1 starts at the run's start)", "compliance, %");
  absl::StrAppend(&s, "<g id=\"compliance-by-week\">\n");
  for (int pct = 0; pct <= 100; pct += 25) {
    const double y = kChart1Top + kPlotH - kPlotH * pct / 100.0;
    absl::StrAppend(&s, "<line x1=\"", kLeft, "\" y1=\"", Num(y), "\" x2=\"", kLeft + kPlotW, "\" y2=\"", Num(y),
                    "\" stroke=\"#dddddd\"/>\n");
    absl::StrAppend(&s, "<text x=\"", kLeft - 6, "\" y=\"", Num(y + 4), "\" text-anchor=\"end\">", pct, "</text>\n");
  }
  const int weeks = std::max(r.weeks, 1);
  auto week_x = [&](int w) {  // w: 0-based
    return weeks == 1 ? kLeft + kPlotW / 2.0 : kLeft + 20 + (kPlotW - 40) * static_cast<double>(w) / (weeks - 1);
  };
  const int week_step = std::max(1, (weeks + 19) / 20);
  for (int w = 0; w < weeks; w += week_step) {
    absl::StrAppend(&s, "<text x=\"", Num(week_x(w)), "\" y=\"", kChart1Top + kPlotH + 16, "\" text-anchor=\"middle\">",
                    w + 1, "</text>\n");
  }
  std::vector<std::pair<std::string, std::string>> entries;
  bool any_point = false;
  for (size_t k = 0; k < r.compliance_by_week.size(); ++k) {
    const DeadlineWeeks& dw = r.compliance_by_week[k];
    const char* color = Color(k);
    entries.push_back({dw.deadline_id, color});
    std::vector<std::string> segment;
    auto flush = [&] {
      if (segment.size() > 1) {
        absl::StrAppend(&s, "<polyline fill=\"none\" stroke=\"", color, "\" stroke-width=\"2\" points=\"",
                        absl::StrJoin(segment, " "), "\"/>\n");
      }
      segment.clear();
    };
    for (const WeekCount& c : dw.weeks) {
      const int64_t n = c.met_in_time + c.missed;
      if (n == 0) {
        flush();
        continue;
      }
      any_point = true;
      const double x = week_x(c.week - 1);
      const double y = kChart1Top + kPlotH - kPlotH * static_cast<double>(c.met_in_time) / static_cast<double>(n);
      segment.push_back(absl::StrCat(Num(x), ",", Num(y)));
      absl::StrAppend(&s, "<circle cx=\"", Num(x), "\" cy=\"", Num(y), "\" r=\"3\" fill=\"", color, "\"><title>",
                      XmlEscape(absl::StrCat(dw.deadline_id, " week ", c.week, ": ", c.met_in_time, " met in time, ",
                                             c.missed, " missed")),
                      "</title></circle>\n");
    }
    flush();
  }
  if (!any_point) {
    absl::StrAppend(&s, "<text x=\"", kLeft + kPlotW / 2, "\" y=\"", kChart1Top + kPlotH / 2,
                    "\" text-anchor=\"middle\" fill=\"#777777\">no deadline came due</text>\n");
  }
  absl::StrAppend(&s, "</g>\n");
  legend(kChart1Top + kPlotH + 62, entries);

  // 2. Time to arrival, responder and advocate bars per 10-minute bin.
  const int bins = HistogramBins(r);
  const int64_t bin_minutes = absl::ToInt64Minutes(kHistogramBin);
  axes(kChart2Top, "Time to arrival (identification to first arrival), responder and advocate",
       absl::StrCat("simulated minutes from identification (", bin_minutes, "-minute bins; the last holds all later)"),
       "cases");
  absl::StrAppend(&s, "<g id=\"time-to-arrival\">\n");
  std::vector<std::vector<int64_t>> counts;
  int64_t top = 0;
  for (const ArrivalStats& a : r.arrivals) {
    counts.push_back(Histogram(a, bins));
    for (int64_t n : counts.back()) top = std::max(top, n);
  }
  const auto [y_max, y_step] = NiceAxis(top);
  for (int64_t v = 0; v <= y_max; v += y_step) {
    const double y = kChart2Top + kPlotH - kPlotH * static_cast<double>(v) / static_cast<double>(y_max);
    absl::StrAppend(&s, "<line x1=\"", kLeft, "\" y1=\"", Num(y), "\" x2=\"", kLeft + kPlotW, "\" y2=\"", Num(y),
                    "\" stroke=\"#dddddd\"/>\n");
    absl::StrAppend(&s, "<text x=\"", kLeft - 6, "\" y=\"", Num(y + 4), "\" text-anchor=\"end\">", v, "</text>\n");
  }
  const double bin_w = static_cast<double>(kPlotW) / bins;
  const double bar_w = counts.empty() ? bin_w : (bin_w - 2) / static_cast<double>(counts.size());
  const int label_step = std::max(1, (bins + 11) / 12);
  for (int b = 0; b <= bins; b += label_step) {
    absl::StrAppend(&s, "<text x=\"", Num(kLeft + b * bin_w), "\" y=\"", kChart2Top + kPlotH + 16,
                    "\" text-anchor=\"middle\">", b * bin_minutes, "</text>\n");
  }
  std::vector<std::pair<std::string, std::string>> arrival_entries;
  const char* const kRoleColors[] = {"#1f77b4", "#ff7f0e"};
  for (size_t a = 0; a < counts.size(); ++a) {
    const char* color = kRoleColors[a % 2];
    arrival_entries.push_back({r.arrivals[a].role, color});
    for (int b = 0; b < bins; ++b) {
      const int64_t n = counts[a][static_cast<size_t>(b)];
      if (n == 0) continue;
      const double h = kPlotH * static_cast<double>(n) / static_cast<double>(y_max);
      absl::StrAppend(&s, "<rect x=\"", Num(kLeft + b * bin_w + 1 + static_cast<double>(a) * bar_w), "\" y=\"",
                      Num(kChart2Top + kPlotH - h), "\" width=\"", Num(bar_w), "\" height=\"", Num(h), "\" fill=\"",
                      color, "\"><title>",
                      XmlEscape(absl::StrCat(r.arrivals[a].role, " ", b * bin_minutes, b + 1 == bins ? "+" : "-",
                                             b + 1 == bins ? "" : absl::StrCat((b + 1) * bin_minutes), " min: ", n)),
                      "</title></rect>\n");
    }
  }
  // The arrival deadline, where it falls inside the histogram.
  for (const DeadlineKindStats& d : r.deadlines) {
    if (d.deadline_id != "responder_arrival" || d.duration <= absl::ZeroDuration()) continue;
    const double x = kLeft + bin_w * absl::FDivDuration(d.duration, kHistogramBin);
    if (x > kLeft + kPlotW) continue;
    absl::StrAppend(&s, "<line x1=\"", Num(x), "\" y1=\"", kChart2Top, "\" x2=\"", Num(x), "\" y2=\"",
                    kChart2Top + kPlotH, "\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n");
    absl::StrAppend(
        &s, "<text x=\"", Num(x - 4), "\" y=\"", kChart2Top + 12, "\" text-anchor=\"end\" fill=\"#d62728\">",
        XmlEscape(absl::StrCat("arrival deadline ", absl::ToInt64Minutes(d.duration), " min")), "</text>\n");
  }
  if (top == 0) {
    absl::StrAppend(&s, "<text x=\"", kLeft + kPlotW / 2, "\" y=\"", kChart2Top + kPlotH / 2,
                    "\" text-anchor=\"middle\" fill=\"#777777\">no arrival recorded</text>\n");
  }
  absl::StrAppend(&s, "</g>\n");
  legend(kChart2Top + kPlotH + 62, arrival_entries);
  s += "</svg>\n";
  return s;
}

namespace {

struct WhatIfRow {
  std::string name;  // for people
  std::string key;   // for machines
  std::vector<std::optional<double>> values;
  enum class Kind { kCount, kPercent, kDuration, kRatio } kind = Kind::kCount;
};

std::vector<WhatIfRow> WhatIfRows(const std::vector<Report>& runs) {
  std::set<std::string> kinds;
  for (const Report& r : runs) {
    for (const DeadlineKindStats& d : r.deadlines) kinds.insert(d.deadline_id);
  }
  std::vector<WhatIfRow> rows;
  auto add = [&](std::string name, std::string key, WhatIfRow::Kind kind,
                 const std::function<std::optional<double>(const Report&)>& value) {
    WhatIfRow row;
    row.name = std::move(name);
    row.key = std::move(key);
    row.kind = kind;
    for (const Report& r : runs) row.values.push_back(value(r));
    rows.push_back(std::move(row));
  };
  auto deadline = [](const Report& r, const std::string& id) -> const DeadlineKindStats* {
    for (const DeadlineKindStats& d : r.deadlines) {
      if (d.deadline_id == id) return &d;
    }
    return nullptr;
  };
  for (const std::string& id : kinds) {
    add(absl::StrCat(id, " met in time"), absl::StrCat(id, ".met_in_time"), WhatIfRow::Kind::kCount,
        [&](const Report& r) -> std::optional<double> {
          const DeadlineKindStats* d = deadline(r, id);
          return d ? std::optional<double>(static_cast<double>(d->met_in_time)) : std::optional<double>(0);
        });
    add(absl::StrCat(id, " missed"), absl::StrCat(id, ".missed"), WhatIfRow::Kind::kCount,
        [&](const Report& r) -> std::optional<double> {
          const DeadlineKindStats* d = deadline(r, id);
          return d ? std::optional<double>(static_cast<double>(d->missed)) : std::optional<double>(0);
        });
    add(absl::StrCat(id, " compliance"), absl::StrCat(id, ".compliance_pct"), WhatIfRow::Kind::kPercent,
        [&](const Report& r) -> std::optional<double> {
          const DeadlineKindStats* d = deadline(r, id);
          return d ? d->compliance_pct : std::nullopt;
        });
  }
  for (const char* role : {"responder", "advocate"}) {
    for (int p : {50, 90}) {
      add(absl::StrCat(role, " arrival p", p), absl::StrCat("arrival.", role, ".p", p, "_s"),
          WhatIfRow::Kind::kDuration, [&](const Report& r) -> std::optional<double> {
            for (const ArrivalStats& a : r.arrivals) {
              if (a.role != role || a.overall.count == 0) continue;
              return absl::ToDoubleSeconds(p == 50 ? a.overall.p50 : a.overall.p90);
            }
            return std::nullopt;
          });
    }
  }
  add("pages sent per case", "pages.sent_per_case_mean", WhatIfRow::Kind::kRatio,
      [](const Report& r) -> std::optional<double> { return r.pages.sent_per_case_mean; });
  add("pages sent", "pages.sent", WhatIfRow::Kind::kCount,
      [](const Report& r) -> std::optional<double> { return static_cast<double>(r.pages.sent); });
  add("chains exhausted", "pages.chains_exhausted", WhatIfRow::Kind::kCount,
      [](const Report& r) -> std::optional<double> { return static_cast<double>(r.pages.chains_exhausted); });
  add("escalations", "escalations", WhatIfRow::Kind::kCount,
      [](const Report& r) -> std::optional<double> { return static_cast<double>(r.escalations.escalations); });
  add("escalation late by p90", "escalations.late_by.p90_s", WhatIfRow::Kind::kDuration,
      [](const Report& r) -> std::optional<double> {
        if (r.escalations.late_by.count == 0) return std::nullopt;
        return absl::ToDoubleSeconds(r.escalations.late_by.p90);
      });
  add("invariant violations", "violations", WhatIfRow::Kind::kCount,
      [](const Report& r) -> std::optional<double> { return static_cast<double>(r.violations.size()); });
  return rows;
}

}  // namespace

std::string WhatIfText(const std::vector<Report>& runs) {
  std::vector<std::string> header = {"what if"};
  for (size_t i = 0; i < runs.size(); ++i) {
    header.push_back(runs[i].run.label.empty() ? absl::StrCat("run ", i + 1) : runs[i].run.label);
  }
  Table table(header);
  for (const WhatIfRow& row : WhatIfRows(runs)) {
    std::vector<std::string> cells = {row.name};
    for (const std::optional<double>& v : row.values) {
      if (!v.has_value()) {
        cells.push_back("-");
        continue;
      }
      switch (row.kind) {
        case WhatIfRow::Kind::kCount:
          cells.push_back(absl::StrCat(static_cast<int64_t>(*v)));
          break;
        case WhatIfRow::Kind::kPercent:
          cells.push_back(absl::StrFormat("%.1f%%", *v));
          break;
        case WhatIfRow::Kind::kDuration:
          cells.push_back(Dur(absl::Seconds(*v)));
          break;
        case WhatIfRow::Kind::kRatio:
          cells.push_back(absl::StrFormat("%.2f", *v));
          break;
      }
    }
    table.Row(std::move(cells));
  }
  return absl::StrCat("what-if (durations simulated; percentiles nearest-rank)\n", table.Render());
}

std::string WhatIfJson(const std::vector<Report>& runs) {
  JsonWriter j;
  j.BeginObject();
  j.Key("runs").BeginArray();
  for (const Report& r : runs) j.String(r.run.label);
  j.EndArray();
  j.Key("rows").BeginArray();
  for (const WhatIfRow& row : WhatIfRows(runs)) {
    j.BeginObject().Field("metric", row.key).Field("name", row.name);
    j.Key("values").BeginArray();
    for (const std::optional<double>& v : row.values) j.OptionalDouble(v);
    j.EndArray().EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.Take() + "\n";
}

}  // namespace csec::simulate
