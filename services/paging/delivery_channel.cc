#include "services/paging/delivery_channel.h"

#include <string>

#include "services/common/base/log.h"

namespace csec::paging {

DeliveryResult LogChannel::Send(const Notification& notification) {
  // Ids only: the page's case summary never reaches a log line.
  const std::string page_id =
      notification.event.has_page_sent() ? notification.event.page_sent().page_id() : std::string();
  log::Info("paging.notification_logged", {{"person_id", notification.person_id},
                                           {"channel", ContactKindName(notification.contact.kind)},
                                           {"page_id", page_id},
                                           {"event_id", notification.event.event_id()},
                                           {"delivery_id", notification.delivery_id},
                                           {"try", notification.try_number}});
  return DeliveryResult{.delivered = true, .receipt = "logged", .error = ""};
}

}  // namespace csec::paging
