import pg from "pg";
import type { Logger } from "../../ports/logger.js";
import type { OutboxCommitSignal } from "../../ports/outbox.js";
import { OUTBOX_NOTIFY_CHANNEL } from "./outbox-store.js";

/** Options of {@link PostgresOutboxCommitListener}. */
export interface OutboxCommitListenerOptions {
  url: string;
  logger: Logger;
  /** Pause before reconnecting a lost LISTEN connection; default 1 000 ms. */
  reconnectMs?: number;
}

/**
 * {@link OutboxCommitSignal} as `LISTEN gamemaster_outbox` on a dedicated
 * connection (a pooled one would be returned to the pool and stop
 * listening). A lost connection is reopened; listeners are called on every
 * (re)connect too, since a notification sent while it was down is lost.
 */
export class PostgresOutboxCommitListener implements OutboxCommitSignal {
  private readonly listeners: (() => void)[] = [];
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OutboxCommitListenerOptions) {
    void this.connect();
  }

  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) {
      return;
    }
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: 3_000,
      application_name: "gamemaster:outbox-listener",
    });
    this.client = client;
    let failed = false;
    const retry = (error: unknown) => {
      if (failed || this.closed) {
        return;
      }
      failed = true;
      this.options.logger.warn({ err: error }, "outbox LISTEN connection lost, reconnecting");
      client.end().catch(() => undefined);
      this.timer = setTimeout(() => void this.connect(), this.options.reconnectMs ?? 1_000);
      this.timer.unref();
    };
    client.on("error", retry);
    client.on("end", () => retry(new Error("connection ended")));
    client.on("notification", (message) => {
      if (message.channel === OUTBOX_NOTIFY_CHANNEL) {
        this.emit();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      this.emit();
    } catch (error) {
      retry(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }
}
