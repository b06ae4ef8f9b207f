import type { NotificationIntent } from "@galaxy/notificationintent";
import type { HealthEvent, JobResult } from "../src/contracts.js";
import type { RtmEventPublisher } from "../src/events.js";

/** An in-memory {@link RtmEventPublisher} for unit tests. */
export class FakeEventPublisher implements RtmEventPublisher {
  readonly healthEvents: HealthEvent[] = [];
  readonly jobResults: JobResult[] = [];
  readonly intents: NotificationIntent[] = [];
  failNextPublish = false;
  private seq = 0;

  async publishHealthEvent(event: HealthEvent): Promise<string> {
    this.maybeFail();
    this.healthEvents.push(event);
    return this.nextId();
  }

  async publishJobResult(result: JobResult): Promise<string> {
    this.maybeFail();
    this.jobResults.push(result);
    return this.nextId();
  }

  async publishIntent(intent: NotificationIntent): Promise<string> {
    this.maybeFail();
    this.intents.push(intent);
    return this.nextId();
  }

  private maybeFail(): void {
    if (this.failNextPublish) {
      this.failNextPublish = false;
      throw new Error("redis down");
    }
  }

  private nextId(): string {
    this.seq += 1;
    return `1-${this.seq}`;
  }
}
