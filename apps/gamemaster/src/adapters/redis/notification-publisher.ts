import { type NotificationIntent, publish } from "@galaxy/notificationintent";
import type { Redis } from "ioredis";
import type { NotificationPublisher } from "../../ports/notification-publisher.js";

/** Options of {@link RedisNotificationPublisher}. */
export interface RedisNotificationPublisherOptions {
  redis: Redis;
  /** Stream name (`notification:intents` by default in config). */
  stream: string;
  /** Called after each successful XADD (intents-published metric). */
  onPublished?: (notificationType: NotificationIntent["notification_type"]) => void;
}

/** {@link NotificationPublisher} over `@galaxy/notificationintent`'s `publish`. */
export class RedisNotificationPublisher implements NotificationPublisher {
  constructor(private readonly options: RedisNotificationPublisherOptions) {}

  async publish(intent: NotificationIntent): Promise<string> {
    const id = await publish(this.options.redis, intent, { stream: this.options.stream });
    this.options.onPublished?.(intent.notification_type);
    return id;
  }
}
