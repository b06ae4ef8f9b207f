import { compareVersions, isPatchUpgrade } from "../domain/engine-version.js";
import { isTerminalStatus, type RuntimeStatus } from "../domain/runtime-status.js";
import type {
  ActivationJson,
  ApiResult,
  EngineVersionJson,
  GameMasterApi,
  OperationPageJson,
  RuntimeJson,
} from "./api.js";
import { type OverviewMetrics, overviewMetrics } from "./metrics-text.js";

/** Statuses the overview lists first: the games an operator has to look at. */
export const FAILING_STATUSES = ["generation_failed", "engine_unreachable"] as const;

/** How far ahead the overview's timeline looks. */
export const TIMELINE_WINDOW_MS = 60 * 60 * 1000;

/** Largest page the REST API hands out (internalListRuntimes). */
const PAGE = 200;
/** Pages read at most when the console has to scan every runtime (overview, in-use counts). */
const MAX_SCAN_PAGES = 50;

/** A runtime due inside the timeline window. */
export interface DueTurn {
  gameId: string;
  at: Date;
  currentTurn: number;
  /** The activation generates nothing (skip_next_tick after a forced turn). */
  skipped: boolean;
}

/** Everything the overview page shows. */
export interface OverviewData {
  now: Date;
  metrics: ApiResult<OverviewMetrics>;
  failing: ApiResult<RuntimeJson[]>;
  due: ApiResult<DueTurn[]>;
  /** The scan stopped before the last page (more runtimes than it reads). */
  dueTruncated: boolean;
}

/** Everything the game page shows. */
export interface GameData {
  runtime: ApiResult<RuntimeJson>;
  players: ApiResult<
    { user_id: string; race_name: string; stats: { planets: number; population: number } | null }[]
  >;
  activations: ApiResult<ActivationJson[]>;
  operations: ApiResult<OperationPageJson>;
  /** Active versions the runtime may be patched to (same major.minor, not the current one). */
  patchTargets: string[];
}

/** One row of the engine-versions page. */
export interface EngineVersionRow extends EngineVersionJson {
  /** Runtimes that are not stopped or finished and run this version. */
  inUse: number;
}

/** Options of {@link ConsoleData}. */
export interface ConsoleDataOptions {
  api: GameMasterApi;
  now?: () => Date;
}

function failure<T>(result: ApiResult<unknown>): ApiResult<T> {
  if (result.ok) throw new Error("not a refusal");
  return result;
}

/** Loads what each console page shows, from the REST API. */
export class ConsoleData {
  readonly api: GameMasterApi;
  readonly #now: () => Date;

  constructor(options: ConsoleDataOptions) {
    this.api = options.api;
    this.#now = options.now ?? (() => new Date());
  }

  now(): Date {
    return this.#now();
  }

  async overview(): Promise<OverviewData> {
    const now = this.#now();
    const [metricsText, failing, due] = await Promise.all([
      this.api.metricsText(),
      this.#failing(),
      this.#dueWithin(now, TIMELINE_WINDOW_MS),
    ]);
    return {
      now,
      metrics: metricsText.ok
        ? { ok: true, status: metricsText.status, data: overviewMetrics(metricsText.data) }
        : failure(metricsText),
      failing,
      due: due.result,
      dueTruncated: due.truncated,
    };
  }

  async #failing(): Promise<ApiResult<RuntimeJson[]>> {
    const pages = await Promise.all(
      FAILING_STATUSES.map((status) => this.api.listRuntimes({ status, limit: PAGE })),
    );
    const items: RuntimeJson[] = [];
    for (const page of pages) {
      if (!page.ok) return failure(page);
      items.push(...page.data.items);
    }
    // The longest-failing first: updated_at is when the record entered its status.
    items.sort((a, b) => a.updated_at.localeCompare(b.updated_at));
    return { ok: true, status: 200, data: items };
  }

  async #dueWithin(
    now: Date,
    windowMs: number,
  ): Promise<{ result: ApiResult<DueTurn[]>; truncated: boolean }> {
    const until = new Date(now.getTime() + windowMs);
    const due: DueTurn[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES; page += 1) {
      const result = await this.api.listRuntimes({
        status: "running",
        nextGenerationBefore: until.toISOString(),
        limit: PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (!result.ok) return { result: failure(result), truncated: false };
      for (const record of result.data.items) {
        if (record.next_generation_at === null) continue;
        const at = new Date(record.next_generation_at);
        due.push({
          gameId: record.game_id,
          at,
          currentTurn: record.current_turn,
          skipped: record.skip_next_tick,
        });
      }
      if (result.data.next_cursor === null) {
        due.sort((a, b) => a.at.getTime() - b.at.getTime());
        return { result: { ok: true, status: 200, data: due }, truncated: false };
      }
      cursor = result.data.next_cursor;
    }
    due.sort((a, b) => a.at.getTime() - b.at.getTime());
    return { result: { ok: true, status: 200, data: due }, truncated: true };
  }

  async game(
    gameId: string,
    options: {
      activations: number;
      operationsLimit: number;
      operationsCursor?: string;
      opKind?: string;
    },
  ): Promise<GameData> {
    const runtime = await this.api.getRuntime(gameId);
    if (!runtime.ok) {
      return {
        runtime,
        players: failure(runtime),
        activations: failure(runtime),
        operations: failure(runtime),
        patchTargets: [],
      };
    }
    const [players, schedule, operations, versions] = await Promise.all([
      this.api.listPlayers(gameId),
      this.api.schedule(gameId, options.activations),
      this.api.operations(gameId, {
        limit: options.operationsLimit,
        ...(options.operationsCursor === undefined ? {} : { cursor: options.operationsCursor }),
        ...(options.opKind === undefined ? {} : { opKind: options.opKind }),
      }),
      this.api.listEngineVersions(),
    ]);
    return {
      runtime,
      players: players.ok
        ? { ok: true, status: players.status, data: players.data.items }
        : failure(players),
      activations: schedule.ok
        ? { ok: true, status: schedule.status, data: schedule.data.activations }
        : failure(schedule),
      operations,
      patchTargets: versions.ok ? patchTargets(runtime.data, versions.data.items) : [],
    };
  }

  /** Every engine version with its in-use count, newest first. */
  async engineVersions(): Promise<{ rows: ApiResult<EngineVersionRow[]>; truncated: boolean }> {
    const versions = await this.api.listEngineVersions();
    if (!versions.ok) return { rows: failure(versions), truncated: false };
    const inUse = new Map<string, number>();
    let cursor: string | undefined;
    let truncated = true;
    for (let page = 0; page < MAX_SCAN_PAGES; page += 1) {
      const result = await this.api.listRuntimes({
        limit: PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (!result.ok) return { rows: failure(result), truncated: false };
      for (const record of result.data.items) {
        if (isTerminalStatus(record.status as RuntimeStatus)) continue;
        inUse.set(
          record.current_engine_version,
          (inUse.get(record.current_engine_version) ?? 0) + 1,
        );
      }
      if (result.data.next_cursor === null) {
        truncated = false;
        break;
      }
      cursor = result.data.next_cursor;
    }
    const rows = versions.data.items
      .map((version) => ({ ...version, inUse: inUse.get(version.version) ?? 0 }))
      .sort((a, b) => compareVersions(b.version, a.version));
    return { rows: { ok: true, status: 200, data: rows }, truncated };
  }
}

/** Active versions `record` may be patched to, highest first (the rule of internalPatchRuntime). */
export function patchTargets(
  record: Pick<RuntimeJson, "current_engine_version">,
  versions: readonly Pick<EngineVersionJson, "version" | "status">[],
): string[] {
  return versions
    .filter(
      (v) => v.status === "active" && isPatchUpgrade(record.current_engine_version, v.version),
    )
    .map((v) => v.version)
    .sort((a, b) => compareVersions(b, a));
}
