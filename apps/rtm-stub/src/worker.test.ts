import { beforeEach, describe, expect, it } from "vitest";
import { FakeEventPublisher } from "../test/fakes.js";
import { containerIdFor } from "./contracts.js";
import { RtmStubState } from "./state.js";
import { handleStartJob, type StartJobContext } from "./worker.js";

const NOW = 1_800_000_000_000;
let context: StartJobContext & { events: FakeEventPublisher };

beforeEach(() => {
  context = {
    state: new RtmStubState(),
    events: new FakeEventPublisher(),
    engineBaseUrl: "http://engine:8090/",
    now: () => NOW,
  };
});

const job = (fields: Record<string, string>, id = "1-0") => ({ id, fields });

describe("handleStartJob", () => {
  it("publishes container_started then a success result pointing at the engine stub", async () => {
    await handleStartJob(
      job({ game_id: "g 1", image_ref: "galaxy/game:1.0.0", requested_at_ms: "1" }),
      context,
    );
    expect(context.events.healthEvents).toEqual([
      {
        game_id: "g 1",
        container_id: containerIdFor("g 1"),
        event_type: "container_started",
        occurred_at_ms: NOW,
        details: { image_ref: "galaxy/game:1.0.0" },
      },
    ]);
    expect(context.events.jobResults).toEqual([
      {
        game_id: "g 1",
        outcome: "success",
        engine_endpoint: "http://engine:8090/games/g%201",
        error_code: "",
        error_message: "",
        completed_at_ms: NOW,
      },
    ]);
    expect(context.state.listCalls()).toEqual([
      {
        kind: "start_job",
        game_id: "g 1",
        image_ref: "galaxy/game:1.0.0",
        requested_at_ms: "1",
        stream_id: "1-0",
        outcome: "success",
        error_code: "",
        at: new Date(NOW).toISOString(),
      },
    ]);
  });

  it("fails with the armed error code and publishes no health event", async () => {
    context.state.arm("start", {
      errorCode: "image_pull_failed",
      errorMessage: "manifest unknown",
      status: 500,
    });
    await handleStartJob(job({ game_id: "g", image_ref: "img", requested_at_ms: "1" }), context);
    expect(context.events.healthEvents).toEqual([]);
    expect(context.events.jobResults).toEqual([
      {
        game_id: "g",
        outcome: "failure",
        engine_endpoint: "",
        error_code: "image_pull_failed",
        error_message: "manifest unknown",
        completed_at_ms: NOW,
      },
    ]);
    await handleStartJob(job({ game_id: "g", image_ref: "img", requested_at_ms: "2" }), context);
    expect(context.events.jobResults[1]?.outcome).toBe("success");
  });

  it.each([
    ["image_pull_failed", "runtime.image_pull_failed"],
    ["container_start_failed", "runtime.container_start_failed"],
    ["start_config_invalid", "runtime.start_config_invalid"],
    ["docker_unavailable", "runtime.container_start_failed"],
  ])("publishes the admin intent of a %s start before the failure result", async (code, type) => {
    context.state.arm("start", { errorCode: code, errorMessage: "it broke", status: 500 });
    await handleStartJob(
      job({ game_id: "g", image_ref: "galaxy/game:1.0.0", requested_at_ms: "1" }, "7-1"),
      context,
    );
    expect(context.events.intents).toEqual([
      {
        notification_type: type,
        producer: "rtmanager",
        audience_kind: "admin",
        recipient_user_ids: [],
        idempotency_key: `${type}:g:7-1`,
        occurred_at_ms: NOW,
        payload: {
          game_id: "g",
          image_ref: "galaxy/game:1.0.0",
          error_code: code,
          error_message: "it broke",
          attempted_at_ms: NOW,
        },
      },
    ]);
    expect(context.events.jobResults.map((r) => r.outcome)).toEqual(["failure"]);
  });

  it("publishes no intent for a successful start", async () => {
    await handleStartJob(job({ game_id: "g", image_ref: "img", requested_at_ms: "1" }), context);
    expect(context.events.intents).toEqual([]);
  });

  it("keeps an armed failure when publishing it fails, so the retry fails too", async () => {
    context.state.arm("start", {
      errorCode: "start_config_invalid",
      errorMessage: "x",
      status: 500,
    });
    context.events.failNextPublish = true;
    const entry = job({ game_id: "g", image_ref: "img", requested_at_ms: "1" });
    await expect(handleStartJob(entry, context)).rejects.toThrow("redis down");
    await handleStartJob(entry, context);
    expect(context.events.jobResults.map((r) => r.error_code)).toEqual(["start_config_invalid"]);
    expect(context.state.pending().start).toBe(0);
  });

  it("answers a job without image_ref with start_config_invalid", async () => {
    await handleStartJob(job({ game_id: "g", requested_at_ms: "1" }), context);
    expect(context.events.jobResults[0]).toMatchObject({
      outcome: "failure",
      error_code: "start_config_invalid",
    });
    expect(context.events.intents.map((i) => i.notification_type)).toEqual([
      "runtime.start_config_invalid",
    ]);
  });

  it("skips a job without game_id", async () => {
    await handleStartJob(job({ image_ref: "img" }), context);
    expect(context.events.jobResults).toEqual([]);
    expect(context.state.listCalls()[0]).toMatchObject({ outcome: "skipped" });
  });
});
