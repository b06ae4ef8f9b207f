import { decode } from "@galaxy/notificationintent";
import { closeRedis, createRedis, xaddFlat } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { containerIdFor, DEFAULT_STREAMS } from "./contracts.js";
import { type RunningRtmStub, startRtmStub } from "./server.js";
import type { StubCall } from "./state.js";

const ENGINE = "http://engine.test:8090";

type Entry = { id: string; fields: Record<string, string> };

async function readStream(redis: Redis, stream: string): Promise<Entry[]> {
  const raw = await redis.xrange(stream, "-", "+");
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id, fields };
  });
}

async function waitForEntries(
  redis: Redis,
  stream: string,
  count: number,
  timeoutMs = 10_000,
): Promise<Entry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = await readStream(redis, stream);
    if (entries.length >= count) return entries;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${count} entries on ${stream} (have ${entries.length})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("rtm stub against a real Redis", () => {
  let isolated: IsolatedRedis;
  let redis: Redis;
  let stub: RunningRtmStub | undefined;

  const start = async () => {
    stub = await startRtmStub({
      redisUrl: isolated.url,
      keyPrefix: isolated.keyPrefix,
      engineBaseUrl: ENGINE,
      blockMs: 200,
    });
    return stub;
  };

  beforeAll(async () => {
    isolated = await createIsolatedRedis("rtm-stub");
    redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
  });

  afterEach(async () => {
    await stub?.close();
    stub = undefined;
    await isolated.cleanup();
  });

  afterAll(async () => {
    await closeRedis(redis);
    await isolated.cleanup();
  });

  it("answers a start job with a success result and a container_started event", async () => {
    const running = await start();
    const requestedAt = Date.now();
    await xaddFlat(redis, DEFAULT_STREAMS.startJobs, {
      game_id: "game-1",
      image_ref: "galaxy/game:1.0.0",
      requested_at_ms: String(requestedAt),
    });

    const [result] = await waitForEntries(redis, DEFAULT_STREAMS.jobResults, 1);
    expect(result?.fields).toEqual({
      game_id: "game-1",
      outcome: "success",
      engine_endpoint: `${ENGINE}/games/game-1`,
      error_code: "",
      error_message: "",
      completed_at_ms: expect.stringMatching(/^\d+$/),
    });
    expect(Number(result?.fields.completed_at_ms)).toBeGreaterThanOrEqual(requestedAt);

    const [event] = await waitForEntries(redis, DEFAULT_STREAMS.healthEvents, 1);
    expect(event?.fields).toEqual({
      game_id: "game-1",
      container_id: containerIdFor("game-1"),
      event_type: "container_started",
      occurred_at_ms: expect.stringMatching(/^\d+$/),
      details: JSON.stringify({ image_ref: "galaxy/game:1.0.0" }),
    });

    const calls = (await (await fetch(`${running.url}/_stub/calls`)).json()) as {
      calls: StubCall[];
    };
    expect(calls.calls).toEqual([
      expect.objectContaining({ kind: "start_job", game_id: "game-1", outcome: "success" }),
    ]);
  });

  it("answers a start job with a failure result after fail-next start", async () => {
    const running = await start();
    const armed = await fetch(`${running.url}/_stub/fail-next`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        operation: "start",
        error_code: "image_pull_failed",
        error_message: "manifest unknown",
      }),
    });
    expect(armed.status).toBe(200);
    await xaddFlat(redis, DEFAULT_STREAMS.startJobs, {
      game_id: "game-2",
      image_ref: "galaxy/game:0.0.0-missing",
      requested_at_ms: String(Date.now()),
    });
    const [result] = await waitForEntries(redis, DEFAULT_STREAMS.jobResults, 1);
    expect(result?.fields).toMatchObject({
      game_id: "game-2",
      outcome: "failure",
      engine_endpoint: "",
      error_code: "image_pull_failed",
      error_message: "manifest unknown",
    });
    expect(await redis.xlen(DEFAULT_STREAMS.healthEvents)).toBe(0);
    const [intent] = await waitForEntries(redis, DEFAULT_STREAMS.notificationIntents, 1);
    expect(decode(intent?.fields ?? {})).toMatchObject({
      notification_type: "runtime.image_pull_failed",
      producer: "rtmanager",
      audience_kind: "admin",
      recipient_user_ids: [],
      payload: {
        game_id: "game-2",
        image_ref: "galaxy/game:0.0.0-missing",
        error_code: "image_pull_failed",
        error_message: "manifest unknown",
      },
    });
  });

  it("publishes a health event through the control with the documented fields", async () => {
    const running = await start();
    const before = Date.now();
    const res = await fetch(`${running.url}/_stub/health-events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        game_id: "game-3",
        event_type: "container_exited",
        details: { exit_code: 137 },
      }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [event] = await waitForEntries(redis, DEFAULT_STREAMS.healthEvents, 1);
    expect(event?.id).toBe(id);
    expect(event?.fields).toEqual({
      game_id: "game-3",
      container_id: containerIdFor("game-3"),
      event_type: "container_exited",
      occurred_at_ms: expect.stringMatching(/^\d+$/),
      details: '{"exit_code":137}',
    });
    expect(Number(event?.fields.occurred_at_ms)).toBeGreaterThanOrEqual(before);
  });

  it("resumes from its persisted offset after a restart", async () => {
    await start();
    await xaddFlat(redis, DEFAULT_STREAMS.startJobs, {
      game_id: "game-4",
      image_ref: "img",
      requested_at_ms: "1",
    });
    await waitForEntries(redis, DEFAULT_STREAMS.jobResults, 1);
    await stub?.close();

    await start();
    await xaddFlat(redis, DEFAULT_STREAMS.startJobs, {
      game_id: "game-5",
      image_ref: "img",
      requested_at_ms: "2",
    });
    const results = await waitForEntries(redis, DEFAULT_STREAMS.jobResults, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const all = await readStream(redis, DEFAULT_STREAMS.jobResults);
    expect(all.map((entry) => entry.fields.game_id)).toEqual(["game-4", "game-5"]);
    expect(results).toHaveLength(2);
  });

  it("serves stop and patch over HTTP", async () => {
    const running = await start();
    const stop = await fetch(`${running.url}/api/v1/internal/runtimes/game-6/stop`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "cancelled" }),
    });
    expect(await stop.json()).toEqual({ game_id: "game-6", status: "stopped" });
    const patch = await fetch(`${running.url}/api/v1/internal/runtimes/game-6/patch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ image_ref: "galaxy/game:1.0.1" }),
    });
    expect(await patch.json()).toEqual({ game_id: "game-6", image_ref: "galaxy/game:1.0.1" });
    expect(running.state.listCalls()).toHaveLength(2);
    const events = await waitForEntries(redis, DEFAULT_STREAMS.healthEvents, 2);
    expect(events.map((entry) => [entry.fields.event_type, entry.fields.details])).toEqual([
      ["container_exited", JSON.stringify({ exit_code: 0, reason: "cancelled" })],
      ["container_started", JSON.stringify({ image_ref: "galaxy/game:1.0.1" })],
    ]);
  });
});
