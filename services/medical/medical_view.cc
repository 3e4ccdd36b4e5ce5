#include "services/medical/medical_view.h"

#include "absl/strings/str_cat.h"

namespace csec {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::MedicalHistoryEntry;
using csec::dispatch::v1::MedicalView;

namespace {

MedicalHistoryEntry* Note(const Envelope& event, MedicalView* view, const char* what, const std::string& detail) {
  MedicalHistoryEntry* entry = view->add_history();
  *entry->mutable_at() = event.occurred_at();
  entry->set_what(what);
  entry->set_detail(detail);
  return entry;
}

}  // namespace

bool ApplyToMedicalView(const Envelope& event, MedicalView* view) {
  switch (event.body_case()) {
    case Envelope::kMedicalAppointmentScheduled: {
      const auto& scheduled = event.medical_appointment_scheduled();
      view->set_status(csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
      *view->mutable_appointment() = scheduled.appointment();
      if (scheduled.emergency_care_first()) view->set_emergency_care_first(true);
      *Note(event, view, "scheduled", scheduled.reason())->mutable_appointment() = scheduled.appointment();
      return true;
    }
    case Envelope::kMedicalSchedulingFailed: {
      const auto& failed = event.medical_scheduling_failed();
      view->set_status(csec::dispatch::v1::MEDICAL_STATUS_FAILED);
      Note(event, view, "scheduling_failed", absl::StrCat(failed.cause(), ": ", failed.why()));
      return true;
    }
    case Envelope::kMedicalNoShowRecorded: {
      view->set_status(csec::dispatch::v1::MEDICAL_STATUS_NO_SHOW);
      *Note(event, view, "no_show", absl::StrCat("recorded by ", event.medical_no_show_recorded().recorded_by()))
           ->mutable_appointment() = view->appointment();
      return true;
    }
    case Envelope::kMedicalAppointmentCancelled: {
      view->set_status(csec::dispatch::v1::MEDICAL_STATUS_CANCELLED);
      *Note(event, view, "cancelled", event.medical_appointment_cancelled().reason())->mutable_appointment() =
          view->appointment();
      return true;
    }
    case Envelope::kMedicalExamRecorded: {
      const auto& exam = event.medical_exam_recorded();
      view->set_status(csec::dispatch::v1::MEDICAL_STATUS_COMPLETED);
      MedicalHistoryEntry* entry = Note(event, view, "exam_recorded", absl::StrCat("at ", exam.hub_id()));
      if (view->appointment().hub_id() == exam.hub_id()) *entry->mutable_appointment() = view->appointment();
      return true;
    }
    default:
      return false;
  }
}

}  // namespace csec
