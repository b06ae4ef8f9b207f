import type {
  EngineVersion,
  OperationEntry,
  OpKind,
  RuntimeRecord,
  RuntimeStatus,
  StopReason,
} from "@galaxy/gamemaster-client";
import { type Command, Option } from "commander";
import type { CommandContext } from "./cli.js";
import { positiveInt } from "./cli.js";
import { UsageError } from "./exit-codes.js";
import { duration, fields, table, time } from "./format.js";
import { confirm } from "./io.js";

type Run = <A extends unknown[]>(
  action: (ctx: CommandContext, ...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  "starting",
  "running",
  "generation_in_progress",
  "generation_failed",
  "stopped",
  "engine_unreachable",
  "finished",
];
const STOP_REASONS: readonly StopReason[] = [
  "admin_request",
  "cancelled",
  "finished",
  "timeout",
  "orphan_cleanup",
];
const OP_KINDS: readonly OpKind[] = [
  "register_runtime",
  "turn_generation",
  "force_next_turn",
  "stop",
  "patch",
  "banish",
  "health_transition",
];
/** `--all` stops after this many pages, so a runaway listing cannot hang a terminal. */
const MAX_PAGES = 100;

function timestamp(value: string): string {
  if (Number.isNaN(Date.parse(value))) {
    throw new UsageError(`not a timestamp: "${value}" (ISO-8601, e.g. 2026-01-01T12:00:00Z)`);
  }
  return new Date(value).toISOString();
}

function jsonObject(value: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`${what}: not JSON: ${value}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${what}: must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function runtimeFields(record: RuntimeRecord): string {
  return fields([
    ["game", record.game_id],
    ["status", record.status],
    ["turn", record.current_turn],
    ["schedule", record.turn_schedule],
    ["next generation", time(record.next_generation_at)],
    ["skip next tick", record.skip_next_tick],
    ["engine version", record.current_engine_version],
    ["image", record.current_image_ref],
    ["endpoint", record.engine_endpoint],
    ["engine health", record.engine_health],
    ["created", time(record.created_at)],
    ["updated", time(record.updated_at)],
    ["started", time(record.started_at)],
    ["stopped", time(record.stopped_at)],
    ["finished", time(record.finished_at)],
  ]);
}

function runtimeTable(items: RuntimeRecord[]): string {
  if (items.length === 0) return "no runtimes\n";
  return table(
    ["GAME", "STATUS", "TURN", "NEXT GENERATION", "SKIP NEXT", "VERSION", "HEALTH"],
    items.map((r) => [
      r.game_id,
      r.status,
      r.current_turn,
      time(r.next_generation_at),
      r.skip_next_tick ? "yes" : "no",
      r.current_engine_version,
      r.engine_health === "" ? "-" : r.engine_health,
    ]),
  );
}

function versionFields(v: EngineVersion): string {
  return fields([
    ["version", v.version],
    ["status", v.status],
    ["image", v.image_ref],
    ["options", JSON.stringify(v.options)],
    ["created", time(v.created_at)],
    ["updated", time(v.updated_at)],
  ]);
}

function operationTable(items: OperationEntry[]): string {
  if (items.length === 0) return "no operations recorded\n";
  return table(
    ["ID", "STARTED", "KIND", "SOURCE", "OUTCOME", "TOOK", "ERROR"],
    items.map((op) => [
      op.id,
      time(op.started_at),
      op.op_kind,
      op.source_ref === "" ? op.op_source : `${op.op_source} (${op.source_ref})`,
      op.outcome,
      duration(op.started_at, op.finished_at),
      op.error_code === "" ? "" : `${op.error_code}: ${op.error_message}`,
    ]),
  );
}

const nextPage = (cursor: string | null) =>
  cursor === null ? "" : `more: repeat with --cursor ${cursor} (or --all)\n`;

/** Registers every galaxy-gm command on `program`. */
export function registerCommands(program: Command, run: Run): void {
  // runtimes ---------------------------------------------------------------
  const runtimes = program
    .command("runtimes")
    .description("List, inspect, stop and patch runtimes.");

  runtimes
    .command("list")
    .description("List runtimes ordered by game id.")
    .addOption(new Option("--status <status>", "only this status").choices(RUNTIME_STATUSES))
    .option(
      "--due-before <time>",
      "only runtimes whose next generation is before this time (ISO-8601)",
    )
    .option("--overdue", "only runtimes whose next generation has already passed")
    .option("--engine-version <version>", "only runtimes on this engine version")
    .addOption(new Option("--limit <n>", "page size (1..200)").argParser(positiveInt))
    .option("--cursor <cursor>", "continue from a previous page")
    .option("--all", "follow every page")
    .action(
      run(
        async (
          ctx,
          opts: {
            status?: RuntimeStatus;
            dueBefore?: string;
            overdue?: boolean;
            engineVersion?: string;
            limit?: number;
            cursor?: string;
            all?: boolean;
          },
        ) => {
          if (opts.dueBefore !== undefined && opts.overdue === true) {
            throw new UsageError("--due-before and --overdue exclude each other");
          }
          const before =
            opts.overdue === true
              ? new Date().toISOString()
              : opts.dueBefore === undefined
                ? undefined
                : timestamp(opts.dueBefore);
          const query = {
            ...(opts.status === undefined ? {} : { status: opts.status }),
            ...(before === undefined ? {} : { next_generation_before: before }),
            ...(opts.engineVersion === undefined ? {} : { engine_version: opts.engineVersion }),
            ...(opts.limit === undefined ? {} : { limit: opts.limit }),
          };
          const items: RuntimeRecord[] = [];
          let cursor = opts.cursor ?? null;
          let pages = 0;
          do {
            const page = await ctx.gm.listRuntimes({
              ...query,
              ...(cursor === null ? {} : { cursor }),
            });
            items.push(...page.items);
            cursor = page.next_cursor;
            pages += 1;
          } while (opts.all === true && cursor !== null && pages < MAX_PAGES);
          ctx.print({ items, next_cursor: cursor }, () => runtimeTable(items) + nextPage(cursor));
        },
      ),
    );

  runtimes
    .command("get")
    .description("Show one runtime record.")
    .argument("<game>", "game id")
    .action(
      run(async (ctx, game: string) => {
        const record = await ctx.gm.getRuntime(game);
        ctx.print(record, () => runtimeFields(record));
      }),
    );

  runtimes
    .command("stop")
    .description("Stop a runtime through the Runtime Manager (asks first; terminal).")
    .argument("<game>", "game id")
    .addOption(
      new Option("--reason <reason>", "why").choices(STOP_REASONS).default("admin_request"),
    )
    .action(
      run(async (ctx, game: string, opts: { reason: StopReason }) => {
        await confirm(
          ctx.io,
          ctx.options.yes === true,
          `Stop the runtime of ${game} (reason ${opts.reason})? This cannot be undone.`,
        );
        const record = await ctx.gm.stopRuntime(game, opts.reason);
        ctx.print(
          record,
          () => `stopped ${record.game_id} at turn ${record.current_turn} (${opts.reason})\n`,
        );
      }),
    );

  runtimes
    .command("patch")
    .description("Move a runtime to another patch release of its engine (asks first).")
    .argument("<game>", "game id")
    .argument("<version>", "target engine version (same major.minor)")
    .action(
      run(async (ctx, game: string, version: string) => {
        await confirm(
          ctx.io,
          ctx.options.yes === true,
          `Patch the engine of ${game} to ${version}?`,
        );
        const record = await ctx.gm.patchRuntime(game, version);
        ctx.print(
          record,
          () =>
            `patched ${record.game_id} to ${record.current_engine_version} (${record.current_image_ref})\n`,
        );
      }),
    );

  // turns ------------------------------------------------------------------
  const turns = program.command("turns").description("Generate turns by hand.");
  turns
    .command("force")
    .description(
      "Generate a turn now (from running or generation_failed, asks first). The next regular activation is then skipped.",
    )
    .argument("<game>", "game id")
    .action(
      run(async (ctx, game: string) => {
        await confirm(ctx.io, ctx.options.yes === true, `Generate a turn of ${game} now?`);
        const record = await ctx.gm.forceNextTurn(game);
        ctx.print(record, () => {
          const lines = [
            `turn ${record.current_turn} generated for ${record.game_id} (${record.status})`,
          ];
          if (record.skip_next_tick && record.next_generation_at !== null) {
            lines.push(
              `the regular activation at ${time(record.next_generation_at)} will be skipped (skip_next_tick); see: galaxy-gm schedule show ${record.game_id}`,
            );
          }
          return `${lines.join("\n")}\n`;
        });
      }),
    );

  // races ------------------------------------------------------------------
  const races = program.command("races").description("Act on the races of a game.");
  races
    .command("banish")
    .description("Banish a race from a game's engine (asks first).")
    .argument("<game>", "game id")
    .argument("<race>", "race name as mapped in the game")
    .action(
      run(async (ctx, game: string, race: string) => {
        await confirm(ctx.io, ctx.options.yes === true, `Banish race ${race} from ${game}?`);
        await ctx.gm.banishRace(game, race);
        ctx.print(
          { game_id: game, race_name: race, banished: true },
          () => `banished ${race} from ${game}\n`,
        );
      }),
    );

  // memberships ------------------------------------------------------------
  const memberships = program
    .command("memberships")
    .description("GM's cached view of a game's roster (filled from Lobby).");
  memberships
    .command("invalidate")
    .description("Drop GM's cached roster of a game, so the next player call asks Lobby again.")
    .argument("<game>", "game id")
    .action(
      run(async (ctx, game: string) => {
        await ctx.gm.invalidateMemberships(game);
        ctx.print(
          { game_id: game, invalidated: true },
          () => `membership cache of ${game} dropped; the next player call reloads it from Lobby\n`,
        );
      }),
    );

  // versions ---------------------------------------------------------------
  const versions = program.command("versions").description("The engine-version registry.");
  versions
    .command("list")
    .description("List engine versions in semver order.")
    .addOption(
      new Option("--status <status>", "only this status").choices(["active", "deprecated"]),
    )
    .action(
      run(async (ctx, opts: { status?: "active" | "deprecated" }) => {
        const items = await ctx.gm.listEngineVersions(opts.status);
        ctx.print({ items }, () =>
          items.length === 0
            ? "no engine versions\n"
            : table(
                ["VERSION", "STATUS", "IMAGE", "UPDATED"],
                items.map((v) => [v.version, v.status, v.image_ref, time(v.updated_at)]),
              ),
        );
      }),
    );

  versions
    .command("get")
    .description("Show one engine version.")
    .argument("<version>", "semver")
    .action(
      run(async (ctx, version: string) => {
        const v = await ctx.gm.getEngineVersion(version);
        ctx.print(v, () => versionFields(v));
      }),
    );

  versions
    .command("create")
    .description("Register an engine version (status active).")
    .argument("<version>", "semver, e.g. 1.4.2")
    .argument("<image-ref>", "container image, e.g. galaxy/game:1.4.2")
    .option("--options <json>", "engine options as a JSON object")
    .action(
      run(async (ctx, version: string, imageRef: string, opts: { options?: string }) => {
        const v = await ctx.gm.createEngineVersion({
          version,
          image_ref: imageRef,
          ...(opts.options === undefined ? {} : { options: jsonObject(opts.options, "--options") }),
        });
        ctx.print(v, () => versionFields(v));
      }),
    );

  versions
    .command("update")
    .description("Change the image, options or status of an engine version.")
    .argument("<version>", "semver")
    .option("--image-ref <ref>", "new container image")
    .option("--options <json>", "new engine options as a JSON object")
    .addOption(new Option("--status <status>", "new status").choices(["active", "deprecated"]))
    .action(
      run(
        async (
          ctx,
          version: string,
          opts: { imageRef?: string; options?: string; status?: "active" | "deprecated" },
        ) => {
          if (
            opts.imageRef === undefined &&
            opts.options === undefined &&
            opts.status === undefined
          ) {
            throw new UsageError("nothing to update: give --image-ref, --options or --status");
          }
          const v = await ctx.gm.updateEngineVersion(version, {
            ...(opts.imageRef === undefined ? {} : { image_ref: opts.imageRef }),
            ...(opts.options === undefined
              ? {}
              : { options: jsonObject(opts.options, "--options") }),
            ...(opts.status === undefined ? {} : { status: opts.status }),
          });
          ctx.print(v, () => versionFields(v));
        },
      ),
    );

  versions
    .command("deprecate")
    .description("Deprecate an engine version: it no longer resolves for new games (asks first).")
    .argument("<version>", "semver")
    .action(
      run(async (ctx, version: string) => {
        await confirm(ctx.io, ctx.options.yes === true, `Deprecate engine version ${version}?`);
        const v = await ctx.gm.deprecateEngineVersion(version);
        ctx.print(v, () => `deprecated ${v.version}\n`);
      }),
    );

  versions
    .command("delete")
    .description(
      "Delete an engine version for good (asks first; refused while a live runtime uses it).",
    )
    .argument("<version>", "semver")
    .action(
      run(async (ctx, version: string) => {
        await confirm(
          ctx.io,
          ctx.options.yes === true,
          `Delete engine version ${version} for good?`,
        );
        await ctx.gm.deleteEngineVersion(version);
        ctx.print({ version, deleted: true }, () => `deleted ${version}\n`);
      }),
    );

  // schedule ---------------------------------------------------------------
  const schedule = program
    .command("schedule")
    .description("When turns will run: a game's next activations, or any expression's.");
  schedule
    .command("show")
    .description("The next activations of a game, marking the ones that generate no turn.")
    .argument("<game>", "game id")
    .addOption(new Option("--count <n>", "how many (1..100)").argParser(positiveInt).default(10))
    .action(
      run(async (ctx, game: string, opts: { count: number }) => {
        const s = await ctx.gm.getRuntimeSchedule(game, opts.count);
        ctx.print(s, () => {
          const header = `${s.game_id}: ${s.status}, turn ${s.current_turn}, schedule "${s.turn_schedule}" (UTC)${s.skip_next_tick ? ", skip_next_tick set" : ""}\n`;
          if (s.activations.length === 0)
            return `${header}not scheduled: no upcoming activations\n`;
          let turn = s.current_turn;
          return (
            header +
            table(
              ["#", "AT", "TURN", "NOTE"],
              s.activations.map((a, index) => {
                if (a.generates_turn) turn += 1;
                const note =
                  a.skip_reason === "skip_next_tick"
                    ? "skipped: a forced turn already took this tick"
                    : a.skip_reason === "runtime_not_running"
                      ? `no turn: runtime is ${s.status}`
                      : "";
                return [index + 1, time(a.at), a.generates_turn ? turn : "-", note];
              }),
            )
          );
        });
      }),
    );

  schedule
    .command("preview")
    .description(
      "The next activations of a cron expression (five fields, UTC), e.g. before creating a game.",
    )
    .argument("<expression>", 'cron expression, quoted: "0 */6 * * *"')
    .addOption(new Option("--count <n>", "how many (1..100)").argParser(positiveInt).default(10))
    .option("--after <time>", "start after this time (ISO-8601; default now)")
    .action(
      run(async (ctx, expression: string, opts: { count: number; after?: string }) => {
        const p = await ctx.gm.previewSchedule({
          turn_schedule: expression,
          count: opts.count,
          ...(opts.after === undefined ? {} : { after: timestamp(opts.after) }),
        });
        ctx.print(p, () =>
          p.activations.length === 0
            ? `"${p.turn_schedule}" never fires after ${time(p.after)}\n`
            : table(
                ["#", "AT"],
                p.activations.map((at, index) => [index + 1, time(at)]),
              ),
        );
      }),
    );

  // ops --------------------------------------------------------------------
  program
    .command("ops")
    .description("A game's operation history (operation_log), the newest first.")
    .argument("<game>", "game id")
    .addOption(new Option("--kind <kind>", "only this kind of operation").choices(OP_KINDS))
    .addOption(new Option("--limit <n>", "page size (1..200)").argParser(positiveInt).default(20))
    .option("--cursor <cursor>", "continue from a previous page")
    .option("--all", "follow every page")
    .action(
      run(
        async (
          ctx,
          game: string,
          opts: { kind?: OpKind; limit: number; cursor?: string; all?: boolean },
        ) => {
          const items: OperationEntry[] = [];
          let cursor = opts.cursor ?? null;
          let pages = 0;
          do {
            const page = await ctx.gm.listOperations(game, {
              limit: opts.limit,
              ...(opts.kind === undefined ? {} : { op_kind: opts.kind }),
              ...(cursor === null ? {} : { cursor }),
            });
            items.push(...page.items);
            cursor = page.next_cursor;
            pages += 1;
          } while (opts.all === true && cursor !== null && pages < MAX_PAGES);
          ctx.print({ items, next_cursor: cursor }, () => operationTable(items) + nextPage(cursor));
        },
      ),
    );
}
