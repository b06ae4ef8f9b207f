import type { NotificationIntent } from "@galaxy/notificationintent";

/**
 * Publisher of notification intents on `notification:intents` (docs/reference.md#notification-intents).
 * Returns the stream entry id; an invalid intent or a Redis failure throws.
 */
export interface NotificationPublisher {
  publish(intent: NotificationIntent): Promise<string>;
}
