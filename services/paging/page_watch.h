// WatchPages: one person's pages and shift starts, live from csec.paging.v1, resumable from a
// token so a phone that lost its connection misses nothing and sees nothing twice.
//
//   absl::Status s = StreamPersonPages(kafka, request,
//       [&] { return context->IsCancelled() || stopping; },
//       [&](const WatchPagesResponse& r) { return writer->Write(r); });
//
// A resume token is opaque to clients: "v1." + base64url of "partition:offset,..." (every
// partition's next offset not yet examined). The first response carries only the token of the
// start; each later one a PageSent or ShiftStarting for the person and the token right after
// it. Reconnecting with the last token received resumes after the last event received; events
// of other people in between are examined again and passed over, never sent.
//
// Threads: StreamPersonPages runs on the caller's thread until the stream ends (one gRPC
// handler thread per stream) and owns one Kafka client (TopicTail) for that time. The token
// functions are pure.
#ifndef CSEC_SERVICES_PAGING_PAGE_WATCH_H_
#define CSEC_SERVICES_PAGING_PAGE_WATCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csec/dispatch/v1/paging_service.pb.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec::paging {

// "v1." + unpadded base64url of "p:o,p:o" (partitions ascending).
std::string EncodeResumeToken(const std::map<int32_t, int64_t>& positions);

// The positions in a token from EncodeResumeToken. InvalidArgument naming `resume_token` and
// what is wrong: an unknown version prefix, bad base64url, an entry that is not
// partition:offset in decimal, a negative or repeated partition, a negative offset.
absl::StatusOr<std::map<int32_t, int64_t>> DecodeResumeToken(absl::string_view token);

// Streams request.person_id's PageSent and ShiftStarting events from csec.paging.v1, starting
// at request.resume_token (empty: from now). Calls `write` with the start token, then with each
// event and the token after it. Returns OK once `write` returns false (the client is gone) or
// `cancelled()` is true (checked at least every 200 ms); InvalidArgument for a missing
// person_id or a malformed resume_token; OutOfRange for a token past the topic's end (the
// topic was recreated: watch without a token); Unavailable when Kafka does not answer at the
// start; NotFound/PermissionDenied/Internal when reading the topic fails for good. Messages
// that are not an Envelope are passed over. Logs nothing about cases.
absl::Status StreamPersonPages(const KafkaSettings& kafka, const csec::dispatch::v1::WatchPagesRequest& request,
                               const std::function<bool()>& cancelled,
                               const std::function<bool(const csec::dispatch::v1::WatchPagesResponse&)>& write);

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGE_WATCH_H_
