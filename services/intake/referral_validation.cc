#include "services/intake/referral_validation.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/clock.h"
#include "services/common/domain/referral_source.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::Referral;
using csec::dispatch::v1::ReportIdentificationRequest;

constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxTextLength = 500;
constexpr int kMaxAgeYears = 120;

bool IsPrintableAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

class Problems {
 public:
  void Add(absl::string_view field, absl::string_view rule) { list_.push_back(absl::StrCat(field, ": ", rule)); }
  // True when the id is well-formed, so that it may be looked up (and quoted in a message).
  bool RequireId(absl::string_view field, const std::string& value) {
    if (value.empty()) {
      Add(field, "required");
      return false;
    }
    if (value.size() > kMaxIdLength || !IsPrintableAscii(value)) {
      Add(field, absl::StrCat("must be printable ASCII of at most ", kMaxIdLength, " characters"));
      return false;
    }
    return true;
  }
  void RequireText(absl::string_view field, const std::string& value) {
    if (value.empty()) {
      Add(field, "required");
    } else if (value.size() > kMaxTextLength) {
      Add(field, absl::StrCat("must be at most ", kMaxTextLength, " characters"));
    }
  }
  bool empty() const { return list_.empty(); }
  std::string Join() const { return absl::StrJoin(list_, "; "); }

 private:
  std::vector<std::string> list_;
};

csec::dispatch::v1::SourceKind SourceKindOf(AgencyKind kind) {
  switch (kind) {
    case AgencyKind::kLawEnforcement:
      return csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT;
    case AgencyKind::kSafeYouthZone:
      return csec::dispatch::v1::SOURCE_KIND_SAFE_YOUTH_ZONE;
    case AgencyKind::kHotline:
      return csec::dispatch::v1::SOURCE_KIND_HOTLINE;
  }
  return csec::dispatch::v1::SOURCE_KIND_UNSPECIFIED;
}

// Agency and station are checked against the config: a station of one agency reported under
// another would be recorded, and its agency notified, wrongly.
void CheckSource(const Referral& r, const ProtocolConfig& config, Problems& p) {
  if (!r.has_source()) {
    p.Add("referral.source", "required: who identified the youth (kind, agency_id, station_id)");
    return;
  }
  const auto& source = r.source();
  if (source.kind() == csec::dispatch::v1::SOURCE_KIND_UNSPECIFIED) {
    p.Add("referral.source.kind", "required: LAW_ENFORCEMENT, SAFE_YOUTH_ZONE or HOTLINE");
  }
  const bool agency_well_formed = p.RequireId("referral.source.agency_id", source.agency_id());
  if (agency_well_formed) {
    const Agency* agency = config.FindAgency(source.agency_id());
    if (agency == nullptr) {
      std::vector<absl::string_view> known;
      for (const Agency& a : config.agencies) known.push_back(a.id);
      p.Add("referral.source.agency_id",
            absl::StrCat(
                "\"", source.agency_id(),
                "\" is not an agency of the protocol configuration; expected one of: ", absl::StrJoin(known, ", ")));
    } else if (source.kind() != csec::dispatch::v1::SOURCE_KIND_UNSPECIFIED &&
               source.kind() != SourceKindOf(agency->kind)) {
      // The kind decides whether a station is needed (HOTLINE waives it), so a kind that is not
      // the agency's is the problem to name, not the station it then seems to lack.
      p.Add("referral.source.kind",
            absl::StrCat(
                csec::dispatch::v1::SourceKind_Name(source.kind()).substr(sizeof("SOURCE_KIND_") - 1),
                " does not match agency \"", source.agency_id(), "\", a ", AgencyKindName(agency->kind),
                " agency (referral.source.agency_id): use ",
                csec::dispatch::v1::SourceKind_Name(SourceKindOf(agency->kind)).substr(sizeof("SOURCE_KIND_") - 1),
                " or the agency that identified the youth"));
      return;
    }
  }
  if (!NeedsStation(source) && source.station_id().empty()) return;
  if (!p.RequireId("referral.source.station_id", source.station_id())) return;
  // A station the config does not know is accepted: routing gives it the standard response and
  // a supervisor's review, so a referral from a station added after the config is never lost.
  const Station* station = config.FindStation(source.station_id());
  if (station != nullptr && agency_well_formed && station->agency_id != source.agency_id()) {
    p.Add("referral.source.station_id",
          absl::StrCat("station \"", station->id, "\" belongs to agency \"", station->agency_id, "\", not \"",
                       source.agency_id(), "\" (referral.source.agency_id)"));
  }
}

void CheckTimeAndPlace(const Referral& r, absl::Time now, Problems& p) {
  if (!r.has_identified_at()) {
    p.Add("referral.identified_at", "required: when the youth was identified");
  } else if (FromProtoTime(r.identified_at()) > now + kAllowedClockSkew) {
    p.Add("referral.identified_at", "must not be in the future");
  }
  p.RequireText("referral.staging.address", r.staging().address());
  if (r.staging().has_latitude() && (r.staging().latitude() < -90 || r.staging().latitude() > 90)) {
    p.Add("referral.staging.latitude", "must be between -90 and 90");
  }
  if (r.staging().has_longitude() && (r.staging().longitude() < -180 || r.staging().longitude() > 180)) {
    p.Add("referral.staging.longitude", "must be between -180 and 180");
  }
  p.RequireText("referral.reporting_officer.name", r.reporting_officer().name());
  p.RequireText("referral.reporting_officer.phone", r.reporting_officer().phone());
}

// The calendar day the youth was identified, in the county's time zone: a birthday is a day
// there, and 20:00 in Los Angeles is already tomorrow in UTC.
absl::CivilDay IdentificationDay(const Referral& r, absl::TimeZone zone) {
  return absl::ToCivilDay(FromProtoTime(r.identified_at()), zone);
}

// "YYYY-MM-DD" exactly (four, two and two ASCII digits) naming a day the calendar has:
// 2010-02-30 and 2010-1-2 are refused. Parsed by hand: absl's parser skips leading spaces and
// takes one-digit months.
std::optional<absl::CivilDay> ParseDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int f = 0; f < 3; ++f) {
    for (size_t i = spans[f].first; i < spans[f].first + spans[f].second; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  const auto [year, month, day] = fields;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  const absl::CivilDay date(year, month, day);
  // CivilDay normalises 2010-02-30 to 2010-03-02: a day that moved does not exist.
  if (date.month() != month || date.day() != day) return std::nullopt;
  return date;
}

// Age in whole years on `day`: the years since birth, less one if this year's birthday is still
// to come. A youth who turns 18 the day after she was identified was 17 that day.
int AgeOn(absl::CivilDay birth, absl::CivilDay day) {
  // CivilDay normalises Feb 29 of a common year to Mar 1: a leap-day child's birthday counts as
  // March 1 in other years. The later of the two candidate days, so she is never taken for 18
  // a day early.
  const absl::CivilDay birthday(day.year(), birth.month(), birth.day());
  return static_cast<int>(day.year() - birth.year()) - (day < birthday ? 1 : 0);
}

// Returns the age the referral proves the youth has reached on the day of identification, if
// any: an estimated birth year proves only (year difference - 1), since the birthday may not
// have come yet; a birth date proves the exact age. The largest wins.
int ProvenAge(const Referral& r, absl::TimeZone zone) {
  const auto& y = r.youth();
  int proven = 0;
  if (y.has_age_years()) proven = y.age_years();
  if (!r.has_identified_at()) return proven;
  const absl::CivilDay identified = IdentificationDay(r, zone);
  if (y.has_estimated_birth_year()) {
    proven = std::max(proven, static_cast<int>(identified.year()) - y.estimated_birth_year() - 1);
  }
  if (const std::optional<absl::CivilDay> birth = ParseDate(y.identity().birth_date())) {
    proven = std::max(proven, AgeOn(*birth, identified));
  }
  return proven;
}

// The identity is the child's: a message quotes none of its values, only the field's name.
void CheckIdentity(const Referral& r, absl::TimeZone zone, Problems& p) {
  constexpr absl::string_view kBirthDate = "referral.youth.identity.birth_date";
  const std::string& text = r.youth().identity().birth_date();
  if (text.empty()) return;  // not known
  const std::optional<absl::CivilDay> birth = ParseDate(text);
  if (!birth) {
    p.Add(kBirthDate, "must be a date as YYYY-MM-DD");
    return;
  }
  if (!r.has_identified_at()) return;  // already reported; nothing to compare with
  const absl::CivilDay identified = IdentificationDay(r, zone);
  if (*birth > identified) {
    p.Add(kBirthDate, "must not be after the day the youth was identified (referral.identified_at)");
  } else if (*birth < absl::CivilDay(identified.year() - kMaxAgeYears, identified.month(), identified.day())) {
    p.Add(kBirthDate, absl::StrCat("must be within ", kMaxAgeYears,
                                   " years before the day the youth was identified (referral.identified_at)"));
  } else if (r.youth().has_age_years() && r.youth().age_years() != AgeOn(*birth, identified)) {
    // Two fields that disagree: the sender must say which is right. Neither value is quoted
    // beyond the age the sender gave.
    p.Add("referral.youth.age_years",
          absl::StrCat(r.youth().age_years(), " contradicts ", kBirthDate,
                       ", which gives another age on the day of identification (referral.identified_at); "
                       "correct one of them, or leave age_years out"));
  }
}

void CheckYouth(const Referral& r, absl::TimeZone zone, Problems& p) {
  if (!r.has_youth()) {
    p.Add("referral.youth", "required: at least the agency's pseudonymous reference");
    return;
  }
  const auto& y = r.youth();
  p.RequireId("referral.youth.pseudonym_ref", y.pseudonym_ref());
  if (y.has_age_years() && (y.age_years() < 0 || y.age_years() > kMaxAgeYears)) {
    p.Add("referral.youth.age_years", "must be between 0 and 120 when given (leave it out when unknown)");
  }
  if (y.has_estimated_birth_year() && r.has_identified_at()) {
    const int identified_year = static_cast<int>(IdentificationDay(r, zone).year());
    if (y.estimated_birth_year() > identified_year || y.estimated_birth_year() < identified_year - kMaxAgeYears) {
      p.Add("referral.youth.estimated_birth_year", "must be a year within 120 years before identified_at");
    }
  }
  CheckIdentity(r, zone, p);
  if (y.jurisdiction().dual_status_lead() != csec::dispatch::v1::LEAD_AGENCY_UNSPECIFIED &&
      !y.jurisdiction().dual_status()) {
    p.Add("referral.youth.jurisdiction.dual_status_lead", "only meaningful when dual_status is true");
  }
}

// The checks every fact shares; `fact` names the request's fact field.
template <typename Request>
void CheckFactBasics(const Request& r, bool has_fact, absl::string_view fact, Problems& p) {
  p.RequireId("request_id", r.request_id());
  p.RequireId("case_id", r.case_id());
  if (!has_fact) p.Add(fact, "required");
}

void CheckFactTime(absl::string_view field, bool has_time, const google::protobuf::Timestamp& t, absl::Time now,
                   Problems& p) {
  if (!has_time) {
    p.Add(field, "required");
  } else if (FromProtoTime(t) > now + kAllowedClockSkew) {
    p.Add(field, "must not be in the future");
  }
}

absl::Status Verdict(const Problems& p) { return p.empty() ? absl::OkStatus() : absl::InvalidArgumentError(p.Join()); }

}  // namespace

absl::Status ValidateArrival(const csec::dispatch::v1::RecordArrivalRequest& r, absl::Time now) {
  Problems p;
  CheckFactBasics(r, r.has_arrival(), "arrival", p);
  if (r.arrival().role() == csec::dispatch::v1::RESPONDER_ROLE_UNSPECIFIED) {
    p.Add("arrival.role", "required: RESPONDER (CTU or MART) or ADVOCATE");
  }
  p.RequireId("arrival.person_id", r.arrival().person_id());
  CheckFactTime("arrival.arrived_at", r.arrival().has_arrived_at(), r.arrival().arrived_at(), now, p);
  return Verdict(p);
}

absl::Status ValidateMdt(const csec::dispatch::v1::RecordMdtRequest& r, absl::Time now) {
  Problems p;
  CheckFactBasics(r, r.has_mdt(), "mdt", p);
  CheckFactTime("mdt.held_at", r.mdt().has_held_at(), r.mdt().held_at(), now, p);
  if (r.mdt().has_follow_up_at() && r.mdt().has_held_at() &&
      FromProtoTime(r.mdt().follow_up_at()) < FromProtoTime(r.mdt().held_at())) {
    p.Add("mdt.follow_up_at", "must not be before held_at");
  }
  return Verdict(p);
}

absl::Status ValidatePlacement(const csec::dispatch::v1::RecordPlacementRequest& r, absl::Time now) {
  Problems p;
  CheckFactBasics(r, r.has_placement(), "placement", p);
  if (r.placement().kind() == csec::dispatch::v1::PLACEMENT_KIND_UNSPECIFIED) {
    p.Add("placement.kind", "required: HOME, SODA_PAD_BED or OTHER");
  }
  if (r.placement().kind() == csec::dispatch::v1::PLACEMENT_KIND_SODA_PAD_BED) {
    p.RequireId("placement.facility_id", r.placement().facility_id());
  }
  CheckFactTime("placement.placed_at", r.placement().has_placed_at(), r.placement().placed_at(), now, p);
  return Verdict(p);
}

absl::Status ValidateMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& r, absl::Time now) {
  Problems p;
  CheckFactBasics(r, r.has_exam(), "exam", p);
  p.RequireId("exam.hub_id", r.exam().hub_id());
  CheckFactTime("exam.examined_at", r.exam().has_examined_at(), r.exam().examined_at(), now, p);
  return Verdict(p);
}

absl::Status ValidateClose(const csec::dispatch::v1::CloseCaseRequest& r, absl::Time now) {
  Problems p;
  CheckFactBasics(r, r.has_closed(), "closed", p);
  p.RequireText("closed.reason", r.closed().reason());
  CheckFactTime("closed.closed_at", r.closed().has_closed_at(), r.closed().closed_at(), now, p);
  return Verdict(p);
}

absl::Status ValidateReport(const ReportIdentificationRequest& request, absl::Time now, const ProtocolConfig& config) {
  Problems problems;
  problems.RequireId("idempotency_key", request.idempotency_key());
  if (!request.has_referral()) {
    problems.Add("referral", "required");
  } else {
    CheckSource(request.referral(), config, problems);
    CheckTimeAndPlace(request.referral(), now, problems);
    CheckYouth(request.referral(), config.time_zone, problems);
  }
  if (!problems.empty()) return absl::InvalidArgumentError(problems.Join());
  // Age unknown counts as a minor: only a proven adult is turned away. The message gives the
  // age, never the birth date it may come from.
  if (const int age = ProvenAge(request.referral(), config.time_zone); age >= kAdultAge) {
    return absl::FailedPreconditionError(absl::StrCat(
        "referral.youth: the First Responder Protocol covers minors; the referral shows the youth is at least ", age,
        ". Refer an adult to adult victim services."));
  }
  return absl::OkStatus();
}

}  // namespace csec::intake
