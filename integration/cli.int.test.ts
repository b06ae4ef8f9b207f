import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createGame, startGame, waitForRuntime } from "./support/games.js";
import { expectStatus } from "./support/http.js";
import { freePorts } from "./support/stack.js";
import { useStack } from "./support/use-stack.js";

// galaxy-gm as an operator runs it: the BUILT binary (packages/gamemaster-cli/bin → dist/) as a
// child process against a real GM (and stubs), its stdin not a terminal, GAMEMASTER_URL set.

const CLI_DIR = fileURLToPath(new URL("../packages/gamemaster-cli/", import.meta.url));
const BIN = `${CLI_DIR}bin/galaxy-gm.js`;

const stackOf = useStack({ label: "int_cli" });

const GAME = "cli-1";
// The suite's games run on QUIET_SCHEDULE (1 January 00:00 UTC): the next two activations.
const YEAR = new Date().getUTCFullYear();
const T1 = `${YEAR + 1}-01-01T00:00:00.000Z`;
const T2 = `${YEAR + 2}-01-01T00:00:00.000Z`;
const asShown = (iso: string) => iso.replace("T", " ").replace(".000Z", "Z");

const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function galaxyGm(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (!existsSync(`${CLI_DIR}dist/main.js`)) {
    throw new Error(
      "packages/gamemaster-cli is not built; run `pnpm exec turbo run build` first (`pnpm test` does it)",
    );
  }
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          GAMEMASTER_URL: stackOf().gm.url,
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

async function json<T>(args: string[]): Promise<T> {
  const run = await galaxyGm(["--json", ...args]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe("galaxy-gm against a real Game Master", () => {
  it("runtimes list prints the running game as a table", async () => {
    const stack = stackOf();
    await createGame(stack, { gameId: GAME, members: [ANN, BOB] });
    await startGame(stack, GAME);
    await waitForRuntime(stack, GAME, "running", (record) => record.status === "running");

    const run = await galaxyGm(["runtimes", "list"]);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^GAME\s+STATUS\s+TURN\s+NEXT GENERATION/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      new RegExp(`^${GAME}\\s+running\\s+0\\s+${asShown(T1)}\\s+no\\s+1\\.0\\.0`),
    );
  });

  it("filters runtimes list like the API (--status, --engine-version, --due-before)", async () => {
    const ids = async (args: string[]) =>
      (await json<{ items: { game_id: string }[] }>(["runtimes", "list", ...args])).items.map(
        (item) => item.game_id,
      );
    expect(await ids(["--status", "running"])).toEqual([GAME]);
    expect(await ids(["--status", "stopped"])).toEqual([]);
    expect(await ids(["--engine-version", "9.9.9"])).toEqual([]);
    expect(await ids(["--due-before", "2030-01-01T00:00:00Z"])).toEqual([GAME]);
    expect(await ids(["--overdue"])).toEqual([]);
  });

  it("turns force asks for confirmation: without a terminal and without --yes it changes nothing", async () => {
    const run = await galaxyGm(["turns", "force", GAME]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pass --yes");
    const record = await json<{ current_turn: number }>(["runtimes", "get", GAME]);
    expect(record.current_turn).toBe(0);
  });

  it("turns force --yes generates a turn; schedule show then marks the skipped activation", async () => {
    const forced = await galaxyGm(["turns", "force", GAME, "--yes", "--source-ref", "ticket-42"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`turn 1 generated for ${GAME}`);
    expect(forced.stdout).toContain("will be skipped");

    const shown = await galaxyGm(["schedule", "show", GAME, "--count", "3"]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trimEnd().split("\n");
    expect(lines[0]).toContain("skip_next_tick set");
    expect(lines[2]).toMatch(
      new RegExp(`^1\\s+${asShown(T1)}\\s+-\\s+skipped: a forced turn already took this tick$`),
    );
    expect(lines[3]).toMatch(new RegExp(`^2\\s+${asShown(T2)}\\s+2$`));

    const schedule = await json<{
      activations: { at: string; generates_turn: boolean; skip_reason: string | null }[];
    }>(["schedule", "show", GAME, "--count", "2"]);
    expect(schedule.activations).toEqual([
      { at: T1, generates_turn: false, skip_reason: "skip_next_tick" },
      { at: T2, generates_turn: true, skip_reason: null },
    ]);
  });

  it("ops shows the forced turn, newest first, with the caller's source and reference", async () => {
    const run = await galaxyGm(["ops", GAME]);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trimEnd().split("\n").slice(1);
    expect(rows[0]).toMatch(/force_next_turn\s+admin_rest \(ticket-42\)\s+success/);
    expect(rows.at(-1)).toMatch(/register_runtime\s+lobby_internal\s+success/);

    const page = await json<{ items: { op_kind: string }[]; next_cursor: string | null }>([
      "ops",
      GAME,
      "--kind",
      "register_runtime",
    ]);
    expect(page).toEqual({
      items: [expect.objectContaining({ op_kind: "register_runtime" })],
      next_cursor: null,
    });
  });

  it("schedule preview lists activations, an empty list for a schedule that never fires, and a refusal naming the field", async () => {
    const preview = await json<{ activations: string[] }>([
      "schedule",
      "preview",
      "0 */6 * * *",
      "--count",
      "2",
      "--after",
      "2026-03-01T00:00:00Z",
    ]);
    expect(preview.activations).toEqual(["2026-03-01T06:00:00.000Z", "2026-03-01T12:00:00.000Z"]);

    const never = await galaxyGm(["schedule", "preview", "0 0 30 2 *"]);
    expect(never.code).toBe(0);
    expect(never.stdout).toContain("never fires");

    const invalid = await galaxyGm(["schedule", "preview", "0 25 * * *"]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toMatch(/invalid_request: .*turn_schedule: hour field/);
  });

  it("manages engine versions and patches the runtime to a new patch release", async () => {
    const created = await json<{ version: string; status: string }>([
      "versions",
      "create",
      "1.0.1",
      "galaxy/game:1.0.1",
      "--options",
      '{"max_players":4}',
    ]);
    expect(created).toMatchObject({ version: "1.0.1", status: "active" });
    const listed = await galaxyGm(["versions", "list"]);
    expect(listed.stdout).toMatch(/1\.0\.1\s+active\s+galaxy\/game:1\.0\.1/);
    const updated = await json<{ image_ref: string }>([
      "versions",
      "update",
      "1.0.1",
      "--image-ref",
      "galaxy/game:1.0.1-r2",
    ]);
    expect(updated.image_ref).toBe("galaxy/game:1.0.1-r2");

    const patched = await galaxyGm(["runtimes", "patch", GAME, "1.0.1", "--yes"]);
    expect(patched.code, patched.stderr).toBe(0);
    expect(patched.stdout).toContain(`patched ${GAME} to 1.0.1 (galaxy/game:1.0.1-r2)`);

    // In use by a live runtime: the hard delete is refused (4xx → 3), 1.0.0 is free again.
    const refused = await galaxyGm(["versions", "delete", "1.0.1", "--yes"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("engine_version_in_use");
    expect((await galaxyGm(["versions", "deprecate", "1.0.0", "--yes"])).code).toBe(0);
    expect((await galaxyGm(["versions", "delete", "1.0.0", "--yes"])).code).toBe(0);
    expect((await galaxyGm(["versions", "get", "1.0.0"])).code).toBe(3);
  });

  it("races banish --yes banishes a mapped race and refuses an unknown one", async () => {
    const banished = await galaxyGm(["races", "banish", GAME, "Borgh", "--yes"]);
    expect(banished.code, banished.stderr).toBe(0);
    expect(banished.stdout).toContain(`banished Borgh from ${GAME}`);
    const unknown = await galaxyGm(["races", "banish", GAME, "Nobody", "--yes"]);
    expect(unknown.code).toBe(3);
  });

  it("memberships invalidate drops GM's cached roster (idempotent)", async () => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const run = await galaxyGm(["memberships", "invalidate", GAME]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`membership cache of ${GAME} dropped`);
    }
  });

  it("exits 4 when GM's neighbour fails (5xx) and when GM is not reachable", async () => {
    const stack = stackOf();
    await expectStatus(200, "POST", `${stack.rtm.url}/_stub/fail-next`, {
      body: { operation: "stop" },
    });
    const failed = await galaxyGm(["runtimes", "stop", GAME, "--yes"]);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain("runtime_manager_unavailable");

    const [closedPort] = await freePorts(1);
    const down = await galaxyGm(["runtimes", "list"], {
      GAMEMASTER_URL: `http://127.0.0.1:${closedPort}`,
    });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain("GM unreachable");
  });

  it("runtimes stop --yes stops the game; its schedule is then empty", async () => {
    const stopped = await galaxyGm(["runtimes", "stop", GAME, "--yes", "--reason", "cancelled"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    const schedule = await json<{ status: string; activations: unknown[] }>([
      "schedule",
      "show",
      GAME,
    ]);
    expect(schedule).toMatchObject({ status: "stopped", activations: [] });
    const again = await galaxyGm(["runtimes", "stop", GAME, "--yes"]);
    expect(again.code).toBe(3);
  });

  it("exits 2 on usage errors and 3 for an unknown game", async () => {
    expect((await galaxyGm(["runtimes", "lst"])).code).toBe(2);
    expect((await galaxyGm(["ops", GAME, "--limit", "0"])).code).toBe(2);
    expect((await galaxyGm(["runtimes", "list", "--status", "paused"])).code).toBe(2);
    expect((await galaxyGm(["runtimes"])).code).toBe(2);
    const missing = await galaxyGm(["runtimes", "get", "no-such-game"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("runtime_not_found");
  });

  it("answers --help on every command", async () => {
    const commands = [
      [],
      ["runtimes"],
      ["runtimes", "list"],
      ["runtimes", "get"],
      ["runtimes", "stop"],
      ["runtimes", "patch"],
      ["turns", "force"],
      ["races", "banish"],
      ["memberships", "invalidate"],
      ["versions", "list"],
      ["versions", "create"],
      ["versions", "update"],
      ["versions", "deprecate"],
      ["versions", "delete"],
      ["schedule", "show"],
      ["schedule", "preview"],
      ["ops"],
    ];
    for (const command of commands) {
      const run = await galaxyGm([...command, "--help"]);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout, command.join(" ")).toMatch(/^Usage: galaxy-gm/);
    }
  });
});
