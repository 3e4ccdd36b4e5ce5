// A case's Medical Hub story (CaseView.medical) from its events, shared by the case view
// (intake's projector) and the medical service's own case state, so both tell it the same way.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_VIEW_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_VIEW_H_

#include "csec/dispatch/v1/case_view.pb.h"
#include "csec/dispatch/v1/events.pb.h"

namespace csec {

// Applies one event (in the case's order): MedicalAppointmentScheduled, MedicalSchedulingFailed,
// MedicalNoShowRecorded, MedicalAppointmentCancelled, MedicalExamRecorded; any other body leaves
// the view as it is. Returns whether the event was one of those.
bool ApplyToMedicalView(const csec::dispatch::v1::Envelope& event, csec::dispatch::v1::MedicalView* view);

}  // namespace csec

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_VIEW_H_
