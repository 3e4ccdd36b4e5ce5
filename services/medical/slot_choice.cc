#include "services/medical/slot_choice.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace csec::medical {
namespace {

constexpr double kEarthRadiusKm = 6371.0;
// A search never walks more local days than this (a window is days long; this only guards
// against a search built from nonsense instants).
constexpr int kMaxSearchDays = 400;
// ExplainChoice names at most this many passed-over (hub, day) pairs.
constexpr size_t kMaxNamedPassedOver = 3;

const std::optional<OpeningHours>& HoursOn(const HubCalendar& hub, absl::CivilDay day) {
  return hub.hours[DayIndex(absl::GetWeekday(day))];
}

double Radians(double degrees) { return degrees * M_PI / 180.0; }

// Great-circle distance (haversine).
double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  const double dlat = Radians(lat2 - lat1);
  const double dlon = Radians(lon2 - lon1);
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(Radians(lat1)) * std::cos(Radians(lat2)) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

bool HasCoordinates(const HubCalendar& hub) { return hub.latitude.has_value() && hub.longitude.has_value(); }

std::string Ordinal(int n) {
  const int last_two = n % 100;
  const int last = n % 10;
  absl::string_view suffix = "th";
  if (last_two < 11 || last_two > 13) {
    if (last == 1) suffix = "st";
    if (last == 2) suffix = "nd";
    if (last == 3) suffix = "rd";
  }
  return absl::StrCat(n, suffix);
}

std::string LocalTimeText(absl::Time time, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", time, zone);
}

std::string AreaText(const SlotSearch& search) {
  return search.area_id.empty() ? std::string("the case's area") : search.area_id;
}

// "same day (2026-03-06)", "next day (2026-03-07)", "day 3 (2026-03-09)".
std::string DayWords(const MedicalConfig& config, const SlotSearch& search, absl::CivilDay day) {
  const absl::CivilDay identified_day = absl::ToCivilDay(search.identified_at, config.time_zone);
  const int64_t after = day - identified_day;
  std::string words;
  if (after == 0) {
    words = "same day";
  } else if (after == 1) {
    words = "next day";
  } else {
    words = absl::StrCat("day ", after);
  }
  return absl::StrCat(words, " (", FormatLocalDate(day), ")");
}

// "the hub serving spa-4", "nearest hub for spa-3", "2nd nearest hub for spa-4".
std::string HubWords(const MedicalConfig& config, const SlotSearch& search, const SlotGroup& group) {
  if (group.hub_rank == 0) {
    const HubCalendar* hub = config.FindHub(group.hub_id);
    if (hub != nullptr && !search.area_id.empty() && hub->area_id == search.area_id) {
      return absl::StrCat("the hub serving ", search.area_id);
    }
    return absl::StrCat("nearest hub for ", AreaText(search));
  }
  return absl::StrCat(Ordinal(group.hub_rank + 1), " nearest hub for ", AreaText(search));
}

std::string DurationWords(absl::Duration duration) {
  if (duration > absl::ZeroDuration() && duration % absl::Hours(1) == absl::ZeroDuration()) {
    const int64_t hours = duration / absl::Hours(1);
    return absl::StrCat(hours, hours == 1 ? " hour" : " hours");
  }
  return absl::FormatDuration(duration);
}

// "60 minutes", or absl's form for a length that is not whole minutes.
std::string ExamWords(absl::Duration exam) {
  if (exam % absl::Minutes(1) == absl::ZeroDuration()) return absl::StrCat(absl::ToInt64Minutes(exam), " minutes");
  return absl::FormatDuration(exam);
}

bool IsExcluded(const SlotSearch& search, const std::string& hub_id, absl::CivilDay day, int slot) {
  return search.exclude && search.exclude->hub_id == hub_id && search.exclude->day == day &&
         search.exclude->slot_index == slot;
}

// The known hubs a search tries, in its order (only_hub honoured).
std::vector<const HubCalendar*> HubsTried(const MedicalConfig& config, const SlotSearch& search) {
  std::vector<const HubCalendar*> hubs;
  std::set<std::string> seen;
  for (const std::string& id : search.hub_order) {
    if (search.only_hub && id != *search.only_hub) continue;
    const HubCalendar* hub = config.FindHub(id);
    if (hub == nullptr || !seen.insert(id).second) continue;
    hubs.push_back(hub);
  }
  return hubs;
}

// The local days a search walks: from not_before's through window_ends_at's (only_day honoured).
int64_t DaysTried(const MedicalConfig& config, const SlotSearch& search) {
  if (search.not_before >= search.window_ends_at) return 0;
  const absl::CivilDay first = absl::ToCivilDay(search.not_before, config.time_zone);
  const absl::CivilDay last = absl::ToCivilDay(search.window_ends_at, config.time_zone);
  if (search.only_day) return (*search.only_day >= first && *search.only_day <= last) ? 1 : 0;
  return std::min<int64_t>(last - first + 1, kMaxSearchDays);
}

}  // namespace

int SlotsOn(const HubCalendar& hub, absl::CivilDay day) {
  const std::optional<OpeningHours>& hours = HoursOn(hub, day);
  if (!hours || hub.exam_length <= absl::ZeroDuration()) return 0;
  const int open_minutes = hours->close_minute - hours->open_minute;
  if (open_minutes <= 0) return 0;
  absl::Duration remainder;
  return static_cast<int>(absl::IDivDuration(absl::Minutes(open_minutes), hub.exam_length, &remainder));
}

absl::Time SlotStart(const HubCalendar& hub, absl::CivilDay day, int slot, absl::TimeZone zone) {
  const std::optional<OpeningHours>& hours = HoursOn(hub, day);
  const int64_t open_seconds = hours ? int64_t{hours->open_minute} * 60 : 0;
  // Local wall-clock time: CivilSecond normalises seconds past the day's end.
  const int64_t seconds = open_seconds + int64_t{slot} * absl::ToInt64Seconds(hub.exam_length);
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 0, 0, seconds), zone);
}

absl::Time SlotEnd(const HubCalendar& hub, absl::CivilDay day, int slot, absl::TimeZone zone) {
  return SlotStart(hub, day, slot, zone) + hub.exam_length;
}

std::string FormatLocalDate(absl::CivilDay day) { return absl::FormatCivilTime(day); }

std::optional<absl::CivilDay> ParseLocalDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  // ParseCivilTime normalises (2026-02-30 → 2026-03-02): only a date that reads back is real.
  if (absl::FormatCivilTime(day) != text) return std::nullopt;
  return day;
}

std::vector<std::string> HubOrder(const MedicalConfig& config, const std::vector<std::string>& candidate_hub_ids) {
  std::vector<std::string> order;
  std::set<std::string> listed;
  for (const std::string& id : candidate_hub_ids) {
    if (config.FindHub(id) == nullptr || !listed.insert(id).second) continue;
    order.push_back(id);
  }
  const HubCalendar* origin = nullptr;
  for (const std::string& id : order) {
    const HubCalendar* hub = config.FindHub(id);
    if (HasCoordinates(*hub)) {
      origin = hub;
      break;
    }
  }
  std::vector<std::pair<double, const HubCalendar*>> located;
  std::vector<const HubCalendar*> unlocated;
  for (const HubCalendar& hub : config.hubs) {
    if (listed.contains(hub.hub_id)) continue;
    if (origin != nullptr && HasCoordinates(hub)) {
      located.emplace_back(DistanceKm(*origin->latitude, *origin->longitude, *hub.latitude, *hub.longitude), &hub);
    } else {
      unlocated.push_back(&hub);
    }
  }
  std::stable_sort(located.begin(), located.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [distance, hub] : located) order.push_back(hub->hub_id);
  for (const HubCalendar* hub : unlocated) order.push_back(hub->hub_id);
  return order;
}

SlotSearch NewSlotSearch(const MedicalConfig& config, absl::string_view area_id, absl::Time identified_at,
                         absl::Time now, const std::vector<std::string>& candidate_hub_ids) {
  SlotSearch search;
  search.area_id = std::string(area_id);
  search.identified_at = identified_at;
  search.not_before = std::max(identified_at, now) + config.lead_time;
  search.window_ends_at = identified_at + config.window;
  search.hub_order = HubOrder(config, candidate_hub_ids);
  return search;
}

std::vector<SlotGroup> RankSlots(const MedicalConfig& config, const SlotSearch& search) {
  std::vector<SlotGroup> groups;
  if (search.not_before >= search.window_ends_at || search.not_before == absl::InfinitePast() ||
      search.window_ends_at == absl::InfiniteFuture()) {
    return groups;
  }
  const absl::TimeZone zone = config.time_zone;
  const absl::CivilDay first_day = absl::ToCivilDay(search.not_before, zone);
  const absl::CivilDay last_day = std::min(absl::ToCivilDay(search.window_ends_at, zone), first_day + kMaxSearchDays);

  std::vector<absl::Time> starts;  // of each group's first slot, for the emergency order
  for (absl::CivilDay day = first_day; day <= last_day; ++day) {
    if (search.only_day && day != *search.only_day) continue;
    std::set<std::string> seen;
    for (size_t rank = 0; rank < search.hub_order.size(); ++rank) {
      const std::string& id = search.hub_order[rank];
      if (search.only_hub && id != *search.only_hub) continue;
      if (!seen.insert(id).second) continue;
      const HubCalendar* hub = config.FindHub(id);
      if (hub == nullptr) continue;

      std::optional<SlotGroup> open_group;  // the run being collected
      auto finish = [&]() {
        if (!open_group) return;
        starts.push_back(SlotStart(*hub, day, open_group->first_slot, zone));
        groups.push_back(std::move(*open_group));
        open_group.reset();
      };
      const int slots = SlotsOn(*hub, day);
      for (int slot = 0; slot < slots; ++slot) {
        const absl::Time start = SlotStart(*hub, day, slot, zone);
        const bool fits = start >= search.not_before && start + hub->exam_length <= search.window_ends_at &&
                          !IsExcluded(search, id, day, slot);
        if (!fits) {
          finish();
          continue;
        }
        if (open_group && !search.emergency) {
          open_group->last_slot = slot;
          continue;
        }
        finish();
        open_group = SlotGroup{.hub_id = id,
                               .day = day,
                               .first_slot = slot,
                               .last_slot = slot,
                               .capacity = hub->daily_capacity,
                               .hub_rank = static_cast<int>(rank)};
      }
      finish();
    }
  }

  if (search.emergency) {
    std::vector<size_t> index(groups.size());
    for (size_t i = 0; i < index.size(); ++i) index[i] = i;
    std::stable_sort(index.begin(), index.end(), [&](size_t a, size_t b) {
      if (starts[a] != starts[b]) return starts[a] < starts[b];
      return groups[a].hub_rank < groups[b].hub_rank;
    });
    std::vector<SlotGroup> sorted;
    sorted.reserve(groups.size());
    for (size_t i : index) sorted.push_back(std::move(groups[i]));
    groups = std::move(sorted);
  }
  return groups;
}

std::string ExplainChoice(const MedicalConfig& config, const SlotSearch& search, const std::vector<SlotGroup>& ranked,
                          size_t chosen) {
  if (chosen >= ranked.size()) return "no slot was chosen";
  const SlotGroup& group = ranked[chosen];
  const HubCalendar* hub = config.FindHub(group.hub_id);

  std::string text;
  if (search.emergency) {
    text = "soonest slot at any hub: ";
    if (hub != nullptr) {
      absl::StrAppend(&text,
                      absl::FormatTime("%H:%M %Z", SlotStart(*hub, group.day, group.first_slot, config.time_zone),
                                       config.time_zone),
                      " ");
    }
  }
  absl::StrAppend(&text, DayWords(config, search, group.day), " at ", group.hub_id, ", ",
                  HubWords(config, search, group));

  // The (hub, day) pairs passed over before it, in order, each once.
  std::vector<std::string> passed;
  std::set<std::string> named;
  for (size_t i = 0; i < chosen; ++i) {
    const SlotGroup& earlier = ranked[i];
    if (earlier.hub_id == group.hub_id && earlier.day == group.day && !search.emergency) continue;
    std::string name = absl::StrCat(earlier.hub_id, " ", FormatLocalDate(earlier.day));
    if (search.emergency) {
      if (const HubCalendar* earlier_hub = config.FindHub(earlier.hub_id)) {
        absl::StrAppend(
            &name, " ",
            absl::FormatTime("%H:%M", SlotStart(*earlier_hub, earlier.day, earlier.first_slot, config.time_zone),
                             config.time_zone));
      }
    }
    if (named.insert(name).second) passed.push_back(std::move(name));
  }
  if (!passed.empty()) {
    const size_t shown = std::min(passed.size(), kMaxNamedPassedOver);
    std::vector<std::string> first(passed.begin(), passed.begin() + static_cast<std::ptrdiff_t>(shown));
    absl::StrAppend(&text, "; earlier: ", absl::StrJoin(first, ", "));
    if (passed.size() > shown) absl::StrAppend(&text, " and ", passed.size() - shown, " more");
    absl::StrAppend(&text, " full or closed");
  }
  return text;
}

SchedulingFailure ExplainFailure(const MedicalConfig& config, const SlotSearch& search,
                                 const std::vector<SlotGroup>& ranked, int closed_groups) {
  const absl::TimeZone zone = config.time_zone;
  const std::string window_end = LocalTimeText(search.window_ends_at, zone);
  const absl::Duration window_length = search.window_ends_at - search.identified_at;
  const std::string window = absl::StrCat("the exam window (", DurationWords(window_length), " from identification at ",
                                          LocalTimeText(search.identified_at, zone), ") ends ", window_end);
  SchedulingFailure failure;

  if (ranked.empty()) {
    std::vector<const HubCalendar*> hubs = HubsTried(config, search);
    std::optional<absl::Duration> shortest;
    for (const HubCalendar* hub : hubs) {
      if (!shortest || hub->exam_length < *shortest) shortest = hub->exam_length;
    }
    if (!shortest) {
      for (const HubCalendar& hub : config.hubs) {
        if (!shortest || hub.exam_length < *shortest) shortest = hub.exam_length;
      }
    }
    const absl::Duration exam = shortest.value_or(absl::Hours(1));
    std::vector<std::string> ids;
    for (const HubCalendar* hub : hubs) ids.push_back(hub->hub_id);
    const std::string hub_list = hubs.empty() ? std::string("no known hub")
                                              : absl::StrCat(hubs.size(), hubs.size() == 1 ? " hub (" : " hubs (",
                                                             absl::StrJoin(ids, ", "), ")");
    if (search.not_before + exam > search.window_ends_at) {
      failure.cause = "window_passed";
      failure.why = absl::StrCat(window, "; no exam may start before ", LocalTimeText(search.not_before, zone),
                                 ", too late for even the shortest exam (", ExamWords(exam), ") to end by then (tried ",
                                 hub_list, ")");
    } else {
      const int64_t days = DaysTried(config, search);
      failure.cause = "hubs_closed";
      failure.why = absl::StrCat(window, "; none of ", hub_list, " is open for a whole exam between ",
                                 LocalTimeText(search.not_before, zone), " and the window's end (", days,
                                 days == 1 ? " local day" : " local days", " tried)");
    }
    return failure;
  }

  std::set<std::string> hubs;
  std::set<absl::CivilDay> days;
  for (const SlotGroup& group : ranked) {
    hubs.insert(group.hub_id);
    days.insert(group.day);
  }
  const std::string tried = absl::StrCat(hubs.size(), hubs.size() == 1 ? " hub" : " hubs", " over ", days.size(),
                                         days.size() == 1 ? " day" : " days", " tried");
  if (closed_groups >= static_cast<int>(ranked.size())) {
    failure.cause = "hubs_closed";
    failure.why = absl::StrCat(window, "; every hub day that fits was closed by a hub coordinator (", tried, ")");
  } else {
    failure.cause = "no_capacity";
    failure.why = absl::StrCat(window, "; every hub day that fits is fully booked (", tried,
                               closed_groups > 0 ? absl::StrCat(", ", closed_groups, " of ", ranked.size(),
                                                                " hub days closed by a hub coordinator")
                                                 : "",
                               ")");
  }
  return failure;
}

}  // namespace csec::medical
