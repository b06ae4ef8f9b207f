import { describe, expect, it } from "vitest";
import { createTestApp } from "../../../test/support/app-harness.js";
import type { OpKind } from "../../domain/operation.js";

const OPERATIONS = "/api/v1/internal/games/g1/operations";

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function seed(t: ReturnType<typeof createTestApp>, kinds: OpKind[], gameId = "g1") {
  return Promise.all(
    kinds.map((opKind, index) =>
      t.operationLog.append({
        gameId,
        opKind,
        opSource: "admin_rest",
        sourceRef: `ref-${index}`,
        outcome: index === 1 ? "failure" : "success",
        errorCode: index === 1 ? "engine_unreachable" : "",
        errorMessage: index === 1 ? "engine answered 500" : "",
        startedAt: new Date(Date.UTC(2026, 0, 1, 10, index)),
        finishedAt: new Date(Date.UTC(2026, 0, 1, 10, index, 1)),
      }),
    ),
  );
}

describe("GET /games/{game_id}/operations", () => {
  it("lists the game's entries newest first with every operation_log column", async () => {
    const t = createTestApp();
    await seed(t, ["register_runtime", "turn_generation", "force_next_turn"]);
    await seed(t, ["stop"], "other-game");
    const body = await json(await t.app.request(OPERATIONS));
    expect(body.next_cursor).toBeNull();
    const items = body.items as Record<string, unknown>[];
    expect(items.map((item) => item.op_kind)).toEqual([
      "force_next_turn",
      "turn_generation",
      "register_runtime",
    ]);
    expect(items[1]).toEqual({
      id: 2,
      game_id: "g1",
      op_kind: "turn_generation",
      op_source: "admin_rest",
      source_ref: "ref-1",
      outcome: "failure",
      error_code: "engine_unreachable",
      error_message: "engine answered 500",
      started_at: "2026-01-01T10:01:00.000Z",
      finished_at: "2026-01-01T10:01:01.000Z",
    });
  });

  it("pages with the cursor until the oldest entry, without repeats or gaps", async () => {
    const t = createTestApp();
    await seed(t, ["register_runtime", "turn_generation", "turn_generation", "stop", "patch"]);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${OPERATIONS}?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`;
      const body = await json(await t.app.request(url));
      seen.push(...(body.items as { id: number }[]).map((item) => item.id));
      cursor = body.next_cursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
  });

  it("filters by op_kind, also across pages", async () => {
    const t = createTestApp();
    await seed(t, ["turn_generation", "stop", "turn_generation", "patch", "turn_generation"]);
    const first = await json(await t.app.request(`${OPERATIONS}?op_kind=turn_generation&limit=2`));
    expect((first.items as { id: number }[]).map((item) => item.id)).toEqual([5, 3]);
    const second = await json(
      await t.app.request(
        `${OPERATIONS}?op_kind=turn_generation&limit=2&cursor=${String(first.next_cursor)}`,
      ),
    );
    expect((second.items as { id: number }[]).map((item) => item.id)).toEqual([1]);
    expect(second.next_cursor).toBeNull();
  });

  it("answers an empty page for a game without entries (the log outlives the record)", async () => {
    const t = createTestApp();
    const response = await t.app.request(OPERATIONS);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ items: [], next_cursor: null });
  });

  it("refuses an unknown op_kind, a limit outside 1..200 and a forged cursor", async () => {
    const t = createTestApp();
    const forged = Buffer.from("op:abc").toString("base64url");
    for (const query of [
      "op_kind=dance",
      "limit=0",
      "limit=201",
      `cursor=${forged}`,
      "cursor=!!",
    ]) {
      const response = await t.app.request(`${OPERATIONS}?${query}`);
      expect(response.status, query).toBe(400);
      expect(await json(response)).toMatchObject({ error: { code: "invalid_request" } });
    }
  });
});
