import { describe, expect, it } from "vitest";
import { createTestApp, jsonRequest } from "../../test/support/app-harness.js";
import { seedRunningGame } from "../../test/support/fakes.js";
import type { ApiFetch } from "./api.js";
import { GameMasterApi } from "./api.js";
import { ConsoleData, patchTargets } from "./data.js";

const ORIGIN = "http://localhost";

/** A console form post as a same-origin browser sends it. */
function formPost(fields: Record<string, string>, origin = ORIGIN): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin },
    body: new URLSearchParams(fields).toString(),
  };
}

async function setUp() {
  const t = createTestApp();
  await seedRunningGame(t.runtimes, "g1");
  for (const version of ["1.4.2", "1.4.3", "1.5.0"]) {
    const created = await t.app.request(
      "/api/v1/internal/engine-versions",
      jsonRequest("POST", { version, image_ref: `galaxy/game:${version}` }),
    );
    expect(created.status).toBe(201);
  }
  return t;
}

describe("console pages", () => {
  it("renders the game page from the REST API: record, players, activations, history, patch targets", async () => {
    const t = await setUp();
    t.lastStats.remember("g1", [{ userId: "user-1", planets: 4, population: 400 }]);
    const response = await t.app.request("/console/games/g1");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<dd data-field="current_turn">0</dd>');
    expect(html).toContain("Aelinari");
    expect(html).toMatch(/<td class="num">4<\/td><td class="num">400<\/td>/);
    // Activations computed from next_generation_at and "0 * * * *".
    expect(html).toContain('<time datetime="2026-01-01T11:00:00.000Z">');
    expect(html).toContain('<time datetime="2026-01-01T12:00:00.000Z">');
    // Only 1.4.3 is a patch release of 1.4.2.
    expect(html).toMatch(
      /<select id="a-version" name="version"><option value="1.4.3">1.4.3<\/option><\/select>/,
    );
  });

  it("answers only the live part of a page to the refresh script", async () => {
    const t = await setUp();
    const full = await (await t.app.request("/console/games/g1")).text();
    const live = await (
      await t.app.request("/console/games/g1", { headers: { "x-console-fragment": "live" } })
    ).text();
    expect(full.startsWith("<html")).toBe(true);
    expect(live).not.toContain("<html");
    expect(live).toContain('data-field="current_turn"');
    expect(live).not.toContain("Force next turn…");
  });

  it("logs its page at info and its own REST calls and refresh polls at debug", async () => {
    const t = await setUp();
    t.logger.lines.length = 0;
    await t.app.request("/console/games/g1");
    await t.app.request("/console/games/g1", { headers: { "x-console-fragment": "live" } });
    const completed = t.logger.lines
      .filter((line) => line.msg === "request completed")
      .map((line) => {
        const fields = line.obj as { path: string };
        return `${line.level} ${fields.path}`;
      });
    expect(completed.filter((line) => line.startsWith("info"))).toEqual(["info /console/games/g1"]);
    expect(completed).toContain("debug /api/v1/internal/games/g1/runtime");
    expect(completed.filter((line) => line === "debug /console/games/g1")).toHaveLength(1);
  });

  it("forces a turn through the REST API as admin_rest and redirects to the game page", async () => {
    const t = await setUp();
    const response = await t.app.request("/console/games/g1/actions/force", formPost({}));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/games/g1?done=force");
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(1);
    expect(t.operationLog.entries.at(-1)).toMatchObject({
      opKind: "force_next_turn",
      opSource: "admin_rest",
      sourceRef: "console",
    });
    const page = await (await t.app.request("/console/games/g1?done=force")).text();
    expect(page).toContain("The turn was generated.");
    expect(page).toMatch(/<li data-generates="false" data-skip-reason="skip_next_tick">.*skipped/);
  });

  it("stops, patches and banishes through the REST API", async () => {
    const t = await setUp();
    const patched = await t.app.request(
      "/console/games/g1/actions/patch",
      formPost({ version: "1.4.3" }),
    );
    expect(patched.headers.get("location")).toBe("/console/games/g1?done=patch");
    expect((await t.runtimes.get("g1"))?.currentEngineVersion).toBe("1.4.3");

    const banished = await t.app.request(
      "/console/games/g1/actions/banish",
      formPost({ race: "Aelinari" }),
    );
    expect(banished.headers.get("location")).toBe("/console/games/g1?done=banish");

    const stopped = await t.app.request(
      "/console/games/g1/actions/stop",
      formPost({ reason: "cancelled" }),
    );
    expect(stopped.headers.get("location")).toBe("/console/games/g1?done=stop");
    expect((await t.runtimes.get("g1"))?.status).toBe("stopped");
    expect(
      t.operationLog.entries.map((e) => [e.opKind, e.opSource, e.sourceRef, e.outcome]),
    ).toEqual([
      ["patch", "admin_rest", "console", "success"],
      ["banish", "admin_rest", "console", "success"],
      ["stop", "admin_rest", "console", "success"],
    ]);
  });

  it("shows the envelope of a refused action and changes nothing", async () => {
    const t = await setUp();
    const response = await t.app.request(
      "/console/games/g1/actions/patch",
      formPost({ version: "1.5.0" }),
    );
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toMatch(/role="alert">Patch was refused: <code>semver_patch_only<\/code>/);
    // The window now shows the POST's address; the refresh polls the game page instead.
    expect(html).toContain('data-live-src="/console/games/g1"');
    expect((await t.runtimes.get("g1"))?.currentEngineVersion).toBe("1.4.2");
    expect(t.rtm.calls).toEqual([]);
  });

  it("refuses a cross-site form post before anything is called", async () => {
    const t = await setUp();
    const response = await t.app.request(
      "/console/games/g1/actions/stop",
      formPost({ reason: "admin_request" }, "http://evil.example"),
    );
    expect(response.status).toBe(403);
    expect((await t.runtimes.get("g1"))?.status).toBe("running");
    expect(t.rtm.calls).toEqual([]);
  });

  it("asks for confirmation before an action, with the input carried along", async () => {
    const t = await setUp();
    const html = await (
      await t.app.request("/console/games/g1/confirm?action=banish&race=Aelinari")
    ).text();
    expect(html).toContain("Banish race Aelinari from g1?");
    expect(html).toContain('action="/console/games/g1/actions/banish"');
    expect(html).toContain('<input type="hidden" name="race" value="Aelinari"/>');
    expect(t.operationLog.entries.filter((e) => e.opKind === "banish")).toEqual([]);
  });

  it("escapes what it shows", async () => {
    const t = await setUp();
    const html = await (
      await t.app.request(
        `/console/games/g1/confirm?action=stop&reason=${encodeURIComponent("<b>x</b>")}`,
      )
    ).text();
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
  });

  it("pages runtimes with the REST cursor, keeping the filters", async () => {
    const t = await setUp();
    for (let index = 0; index < 55; index += 1) {
      await seedRunningGame(t.runtimes, `p-${String(index).padStart(2, "0")}`);
    }
    const first = await (await t.app.request("/console/runtimes?status=running")).text();
    expect(first.match(/<tr data-game-id=/g)).toHaveLength(50);
    const next = /<a rel="next" href="([^"]+)">Next page<\/a>/
      .exec(first)?.[1]
      ?.replaceAll("&amp;", "&");
    expect(next).toMatch(/^\/console\/runtimes\?status=running&cursor=/);
    const second = await (await t.app.request(next ?? "")).text();
    // 56 running runtimes (g1 and p-00..p-54), ordered by game id: six on the second page.
    expect(second.match(/<tr data-game-id=/g)).toHaveLength(6);
    expect(second).toContain('<tr data-game-id="p-54">');
    expect(second).not.toContain("Next page");
    expect(second).toContain("First page");
  });

  it("pages the operation history with its cursor", async () => {
    const t = await setUp();
    for (let index = 0; index < 25; index += 1) {
      await t.app.request("/api/v1/internal/games/g1/runtime/force-next-turn", { method: "POST" });
    }
    const first = await (await t.app.request("/console/games/g1")).text();
    expect(first.match(/<tr data-op-kind=/g)).toHaveLength(20);
    const older = /<a rel="next" href="([^"]+)">Older operations<\/a>/
      .exec(first)?.[1]
      ?.replaceAll("&amp;", "&");
    expect(older).toMatch(/^\/console\/games\/g1\?ops_cursor=/);
    const second = await (await t.app.request(older ?? "")).text();
    expect(second.match(/<tr data-op-kind=/g)).toHaveLength(5);
  });

  it("lists engine versions with in-use counts and shows a registry refusal", async () => {
    const t = await setUp();
    const html = await (await t.app.request("/console/engine-versions")).text();
    expect(html).toMatch(/<tr data-version="1.4.2">.*?data-field="in_use">1<\/td>/);
    expect(html).toMatch(/<tr data-version="1.4.3">.*?data-field="in_use">0<\/td>/);

    const refused = await t.app.request(
      "/console/engine-versions",
      formPost({ version: "1.4.3", image_ref: "galaxy/game:1.4.3", options: "" }),
    );
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("<code>conflict</code>");

    const created = await t.app.request(
      "/console/engine-versions",
      formPost({ version: "1.4.4", image_ref: "galaxy/game:1.4.4", options: '{"max_players":8}' }),
    );
    expect(created.status).toBe(303);
    expect((await t.versions.get("1.4.4"))?.options).toEqual({ max_players: 8 });
  });
});

describe("ConsoleData", () => {
  it("reads activations and history from the REST API, with the history filter", async () => {
    const t = await setUp();
    const paths: string[] = [];
    const fetchApi: ApiFetch = async (path, init) => {
      paths.push(path);
      return t.app.request(path, init);
    };
    await t.app.request("/api/v1/internal/games/g1/runtime/force-next-turn", { method: "POST" });
    const data = new ConsoleData({ api: new GameMasterApi(fetchApi) });
    const game = await data.game("g1", {
      activations: 2,
      operationsLimit: 10,
      opKind: "force_next_turn",
    });
    expect(game.activations).toMatchObject({
      ok: true,
      data: [
        { generates_turn: false, skip_reason: "skip_next_tick" },
        { generates_turn: true, skip_reason: null },
      ],
    });
    expect(game.operations).toMatchObject({
      ok: true,
      data: { items: [{ op_kind: "force_next_turn" }] },
    });
    expect(paths).toContain("/api/v1/internal/games/g1/runtime/schedule?count=2");
    expect(paths).toContain(
      "/api/v1/internal/games/g1/operations?limit=10&op_kind=force_next_turn",
    );
  });

  it("shows a refusal of one part of the game page and the rest of it", async () => {
    const t = await setUp();
    const data = new ConsoleData({
      api: new GameMasterApi(async (path, init) =>
        path.includes("/operations")
          ? Response.json(
              { error: { code: "service_unavailable", message: "db down" } },
              { status: 503 },
            )
          : t.app.request(path, init),
      ),
    });
    const game = await data.game("g1", { activations: 1, operationsLimit: 5 });
    expect(game.runtime.ok).toBe(true);
    expect(game.operations).toEqual({
      ok: false,
      status: 503,
      code: "service_unavailable",
      message: "db down",
    });
  });

  it("lists failing games and the turns due within the hour", async () => {
    const t = await setUp();
    await seedRunningGame(t.runtimes, "g-failed", { status: "generation_failed" });
    const now = new Date("2026-01-01T10:30:00.000Z");
    await seedRunningGame(t.runtimes, "g-later", {
      nextGenerationAt: new Date("2026-01-01T12:00:00.000Z"),
    });
    const data = new ConsoleData({
      api: new GameMasterApi(async (path, init) => t.app.request(path, init)),
      now: () => now,
    });
    const overview = await data.overview();
    expect(overview.failing).toMatchObject({ ok: true, data: [{ game_id: "g-failed" }] });
    expect(overview.due).toMatchObject({ ok: true, data: [{ gameId: "g1", skipped: false }] });
  });
});

describe("patchTargets", () => {
  it("keeps active versions with the same major and minor, highest first", () => {
    const versions = [
      { version: "1.4.1", status: "active" as const },
      { version: "1.4.2", status: "active" as const },
      { version: "1.4.9", status: "deprecated" as const },
      { version: "1.4.10", status: "active" as const },
      { version: "1.5.0", status: "active" as const },
      { version: "2.4.3", status: "active" as const },
    ];
    expect(patchTargets({ current_engine_version: "1.4.2" }, versions)).toEqual([
      "1.4.10",
      "1.4.1",
    ]);
  });
});
