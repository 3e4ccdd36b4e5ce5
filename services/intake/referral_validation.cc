#include "services/intake/referral_validation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/clock.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::Referral;
using csec::dispatch::v1::ReportIdentificationRequest;

constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxTextLength = 500;

bool IsPrintableAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

class Problems {
 public:
  void Add(absl::string_view field, absl::string_view rule) { list_.push_back(absl::StrCat(field, ": ", rule)); }
  void RequireId(absl::string_view field, const std::string& value) {
    if (value.empty()) {
      Add(field, "required");
    } else if (value.size() > kMaxIdLength || !IsPrintableAscii(value)) {
      Add(field, absl::StrCat("must be printable ASCII of at most ", kMaxIdLength, " characters"));
    }
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

void CheckSource(const Referral& r, Problems& p) {
  if (!r.has_source()) {
    p.Add("referral.source", "required: who identified the youth (kind, agency_id, station_id)");
    return;
  }
  if (r.source().kind() == csec::dispatch::v1::SOURCE_KIND_UNSPECIFIED) {
    p.Add("referral.source.kind", "required: LAW_ENFORCEMENT, SAFE_YOUTH_ZONE or HOTLINE");
  }
  p.RequireId("referral.source.agency_id", r.source().agency_id());
  p.RequireId("referral.source.station_id", r.source().station_id());
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

// Returns the age the referral proves the youth has reached, if any: an estimated birth year
// proves only (year difference - 1), since the birthday may not have come yet.
int ProvenAge(const Referral& r) {
  const auto& y = r.youth();
  int proven = 0;
  if (y.has_age_years()) proven = y.age_years();
  if (y.has_estimated_birth_year() && r.has_identified_at()) {
    const int identified_year = absl::ToCivilYear(FromProtoTime(r.identified_at()), absl::UTCTimeZone()).year();
    proven = std::max(proven, identified_year - y.estimated_birth_year() - 1);
  }
  return proven;
}

void CheckYouth(const Referral& r, Problems& p) {
  if (!r.has_youth()) {
    p.Add("referral.youth", "required: at least the agency's pseudonymous reference");
    return;
  }
  const auto& y = r.youth();
  p.RequireId("referral.youth.pseudonym_ref", y.pseudonym_ref());
  if (y.has_age_years() && (y.age_years() < 0 || y.age_years() > 120)) {
    p.Add("referral.youth.age_years", "must be between 0 and 120 when given (leave it out when unknown)");
  }
  if (y.has_estimated_birth_year() && r.has_identified_at()) {
    const int identified_year = absl::ToCivilYear(FromProtoTime(r.identified_at()), absl::UTCTimeZone()).year();
    if (y.estimated_birth_year() > identified_year || y.estimated_birth_year() < identified_year - 120) {
      p.Add("referral.youth.estimated_birth_year", "must be a year within 120 years before identified_at");
    }
  }
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

absl::Status Verdict(const Problems& p) {
  return p.empty() ? absl::OkStatus() : absl::InvalidArgumentError(p.Join());
}

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

absl::Status ValidateReport(const ReportIdentificationRequest& request, absl::Time now) {
  Problems problems;
  problems.RequireId("idempotency_key", request.idempotency_key());
  if (!request.has_referral()) {
    problems.Add("referral", "required");
  } else {
    CheckSource(request.referral(), problems);
    CheckTimeAndPlace(request.referral(), now, problems);
    CheckYouth(request.referral(), problems);
  }
  if (!problems.empty()) return absl::InvalidArgumentError(problems.Join());
  // Age unknown counts as a minor: only a proven adult is turned away.
  if (const int age = ProvenAge(request.referral()); age >= kAdultAge) {
    return absl::FailedPreconditionError(absl::StrCat(
        "referral.youth: the First Responder Protocol covers minors; the referral shows the youth is at least ",
        age, ". Refer an adult to adult victim services."));
  }
  return absl::OkStatus();
}

}  // namespace csec::intake
