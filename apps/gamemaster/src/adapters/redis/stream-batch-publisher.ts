import type { Redis } from "ioredis";
import type { OutboxRow, StreamBatchPublisher, StreamBatchResult } from "../../ports/outbox.js";

/** Default retention of the streams GM writes: entries younger than this are never trimmed. */
export const DEFAULT_STREAM_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Key of a stream's high-water mark (the client's `keyPrefix` is added by ioredis). */
export function highWaterMarkKey(stream: string): string {
  return `outbox_hwm:${stream}`;
}

// One call per batch of one stream. KEYS[1] = high-water mark, KEYS[2] = the
// stream; ARGV[1] = MINID for trimming ('' = none), then per row: outbox id,
// field count, fields. Redis runs a script atomically, so the XADDs of the
// rows above the mark and the move of the mark happen together or not at all
// (decision 070): a relay that dies after the call and retries the batch has
// every row skipped, one that dies before it has none appended.
const RELAY_SCRIPT = `
local mark = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = mark
local published = 0
local skipped = 0
local minid = ARGV[1]
local i = 2
while i <= #ARGV do
  local id = tonumber(ARGV[i])
  local count = tonumber(ARGV[i + 1])
  local first = i + 2
  local final = i + 1 + count * 2
  if id > last then
    if minid ~= '' then
      redis.call('XADD', KEYS[2], 'MINID', '~', minid, '*', unpack(ARGV, first, final))
    else
      redis.call('XADD', KEYS[2], '*', unpack(ARGV, first, final))
    end
    last = id
    published = published + 1
  else
    skipped = skipped + 1
  end
  i = final + 1
end
if last > mark then
  redis.call('SET', KEYS[1], string.format('%d', last))
end
return { published, skipped }
`;

type RelayCommand = (
  markKey: string,
  stream: string,
  ...args: (string | number)[]
) => Promise<[number, number]>;

/** Options of {@link RedisStreamBatchPublisher}. */
export interface RedisStreamBatchPublisherOptions {
  redis: Redis;
  /**
   * Stream retention: each XADD trims entries older than this
   * (`MINID ~ now - retentionMs`); 0 = never trim.
   */
  retentionMs?: number;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

/**
 * {@link StreamBatchPublisher} as one Lua script per batch (EVALSHA, loaded
 * on first use by ioredis). Streams are trimmed by age (MINID), never by
 * count, so a consumer that was down for a while finds every entry younger
 * than the retention.
 */
export class RedisStreamBatchPublisher implements StreamBatchPublisher {
  private readonly relay: RelayCommand;

  constructor(private readonly options: RedisStreamBatchPublisherOptions) {
    const { redis } = options;
    if (typeof (redis as unknown as { gmOutboxRelay?: unknown }).gmOutboxRelay !== "function") {
      redis.defineCommand("gmOutboxRelay", { numberOfKeys: 2, lua: RELAY_SCRIPT });
    }
    const command = (redis as unknown as { gmOutboxRelay: RelayCommand }).gmOutboxRelay;
    this.relay = command.bind(redis);
  }

  async publish(stream: string, rows: readonly OutboxRow[]): Promise<StreamBatchResult> {
    if (rows.length === 0) {
      return { published: 0, skipped: 0 };
    }
    const retentionMs = this.options.retentionMs ?? DEFAULT_STREAM_RETENTION_MS;
    const now = this.options.now ?? Date.now;
    const minId = retentionMs > 0 ? `${Math.max(0, now() - retentionMs)}-0` : "";
    const args: (string | number)[] = [minId];
    for (const row of rows) {
      const flat = Object.entries(row.fields).flat();
      args.push(row.id, flat.length / 2, ...flat);
    }
    const [published, skipped] = await this.relay(highWaterMarkKey(stream), stream, ...args);
    return { published, skipped };
  }

  async highWaterMark(stream: string): Promise<number> {
    const value = await this.options.redis.get(highWaterMarkKey(stream));
    return value === null ? 0 : Number(value);
  }
}
