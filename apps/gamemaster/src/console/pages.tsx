import type { FC } from "hono/jsx";
import { OP_KINDS } from "../domain/operation.js";
import { RUNTIME_STATUSES } from "../domain/runtime-status.js";
import { STOP_REASONS } from "../ports/rtm-client.js";
import type { ActivationJson, ApiResult, OperationPageJson, RuntimeJson } from "./api.js";
import {
  type EngineVersionRow,
  FAILING_STATUSES,
  type GameData,
  type OverviewData,
  TIMELINE_WINDOW_MS,
} from "./data.js";
import {
  consoleHref,
  gameHref,
  Layout,
  Live,
  Refusal,
  relative,
  StatusBadge,
  Table,
  Time,
} from "./views.js";

/** What the operator last did, shown once after the redirect (fixed texts, never echoed input). */
export const DONE_MESSAGES: Readonly<Record<string, string>> = {
  force: "The turn was generated.",
  stop: "The runtime was stopped.",
  patch: "The runtime was patched.",
  banish: "The race was banished.",
  created: "The engine version was registered.",
  deprecated: "The engine version was deprecated.",
};

const Done: FC<{ done: string | undefined }> = ({ done }) => {
  const message = done === undefined ? undefined : DONE_MESSAGES[done];
  return message === undefined ? null : (
    <p class="notice ok" role="status">
      {message}
    </p>
  );
};

// ---------------------------------------------------------------- overview

const Timeline: FC<{ now: Date; due: OverviewData["due"]; truncated: boolean }> = ({
  now,
  due,
  truncated,
}) => {
  if (!due.ok) return <Refusal result={due} what="Could not list the running runtimes" />;
  const ticks = [0, 15, 30, 45, 60];
  return (
    <>
      <div class="timeline" aria-hidden="true">
        {ticks.map((minute) => (
          <span
            class={minute === 0 ? "tick start" : minute === 60 ? "tick end" : "tick"}
            style={`left:${(minute / 60) * 100}%`}
          >
            {minute === 0 ? "now" : `+${minute} min`}
          </span>
        ))}
        {due.data.map((turn) => {
          const share = Math.min(
            1,
            Math.max(0, (turn.at.getTime() - now.getTime()) / TIMELINE_WINDOW_MS),
          );
          return (
            <span
              class={turn.skipped ? "mark skipped" : "mark"}
              style={`left:${(share * 100).toFixed(2)}%`}
              title={`${turn.gameId} ${turn.at.toISOString()}`}
            />
          );
        })}
      </div>
      {due.data.length === 0 ? (
        <p class="muted">No turn is due in the next hour.</p>
      ) : (
        <ol class="due" aria-label="Turns due in the next hour, earliest first">
          {due.data.map((turn) => (
            <li data-game-id={turn.gameId}>
              <Time at={turn.at} /> <span class="muted">({relative(turn.at, now)})</span> —{" "}
              <a href={gameHref(turn.gameId)}>{turn.gameId}</a>{" "}
              {turn.skipped ? (
                <span class="badge warn">skipped: forced turn already ran</span>
              ) : (
                <span class="muted">turn {turn.currentTurn + 1}</span>
              )}
            </li>
          ))}
        </ol>
      )}
      {truncated ? (
        <p class="notice warn">Only the first runtimes were read; the list may be incomplete.</p>
      ) : null}
    </>
  );
};

const OverviewLive: FC<{ data: OverviewData }> = ({ data }) => {
  const metrics = data.metrics;
  return (
    <>
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">Runtimes by status</h2>
        {metrics.ok ? (
          <ul class="counts" id="status-counts">
            {RUNTIME_STATUSES.map((status) => {
              const n = metrics.data.runtimesByStatus[status] ?? 0;
              const bad = (FAILING_STATUSES as readonly string[]).includes(status) && n > 0;
              return (
                <li>
                  <a
                    class={bad ? "bad" : undefined}
                    href={consoleHref("/runtimes", { status })}
                    data-status={status}
                  >
                    <span class="n">{n}</span>
                    <span class="label">
                      {status.split("_").map((part, index) => (
                        <>
                          {index === 0 ? "" : "_"}
                          {index === 0 ? null : <wbr />}
                          {part}
                        </>
                      ))}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        ) : (
          <Refusal result={metrics} what="Could not read /metrics" />
        )}
      </section>

      <section aria-labelledby="failing-h">
        <h2 id="failing-h">Failing games</h2>
        {!data.failing.ok ? (
          <Refusal result={data.failing} what="Could not list the failing runtimes" />
        ) : data.failing.data.length === 0 ? (
          <p class="muted" id="no-failing">
            No game is in generation_failed or engine_unreachable.
          </p>
        ) : (
          <Table caption="Games that need an operator, longest-failing first" id="failing">
            <thead>
              <tr>
                <th scope="col">Game</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Turn
                </th>
                <th scope="col">Engine health</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {data.failing.data.map((record) => (
                <tr data-game-id={record.game_id}>
                  <td>
                    <a href={gameHref(record.game_id)}>{record.game_id}</a>
                  </td>
                  <td>
                    <StatusBadge status={record.status} />
                  </td>
                  <td class="num">{record.current_turn}</td>
                  <td>{record.engine_health === "" ? "—" : record.engine_health}</td>
                  <td>
                    <Time at={record.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="due-h">
        <h2 id="due-h">Turns due in the next hour</h2>
        <Timeline now={data.now} due={data.due} truncated={data.dueTruncated} />
      </section>

      <section aria-labelledby="health-h">
        <h2 id="health-h">Scheduler and outbox</h2>
        {metrics.ok ? (
          <dl class="facts" id="engine-numbers">
            <dt>Scheduler lag</dt>
            <dd>
              {metrics.data.schedulerLag === null
                ? "no due game picked up yet"
                : `mean ${metrics.data.schedulerLag.meanSeconds.toFixed(3)} s, p95 ≤ ${
                    metrics.data.schedulerLag.p95AtMostSeconds ?? "?"
                  } s over ${metrics.data.schedulerLag.count} pick-ups`}
            </dd>
            <dt>Failed generations</dt>
            <dd>{metrics.data.failedGenerations} since start</dd>
            <dt>Outbox backlog</dt>
            <dd>
              {metrics.data.outboxBacklog === null
                ? "not reported by this Game Master"
                : `${metrics.data.outboxBacklog} events`}
            </dd>
            <dt>Oldest unpublished event</dt>
            <dd>
              {metrics.data.outboxOldestAgeSeconds === null
                ? "not reported by this Game Master"
                : `${metrics.data.outboxOldestAgeSeconds.toFixed(1)} s old`}
            </dd>
          </dl>
        ) : (
          <Refusal result={metrics} what="Could not read /metrics" />
        )}
        <p class="small muted">
          The same numbers as <a href="/metrics">/metrics</a>.
        </p>
      </section>
    </>
  );
};

/** The overview: counts, failing games first, the next hour's turns, scheduler and outbox. */
export const OverviewPage: FC<{ data: OverviewData; refreshMs: number; fragment: boolean }> = (
  props,
) => {
  const live = <OverviewLive data={props.data} />;
  if (props.fragment) return live;
  return (
    <Layout title="Overview" page="overview">
      <h1>Overview</h1>
      <Live refreshMs={props.refreshMs} label="Overview data" src={consoleHref("/")}>
        {live}
      </Live>
    </Layout>
  );
};

// ---------------------------------------------------------------- runtimes

/** Filters of the runtimes page, as read from its query string. */
export interface RuntimesQuery {
  status?: string;
  engineVersion?: string;
  gameId?: string;
  cursor?: string;
}

const RuntimeTable: FC<{ rows: RuntimeJson[] }> = ({ rows }) => (
  <Table caption="Runtimes, ordered by game id" id="runtimes">
    <thead>
      <tr>
        <th scope="col">Game</th>
        <th scope="col">Status</th>
        <th scope="col" class="num">
          Turn
        </th>
        <th scope="col">Engine version</th>
        <th scope="col">Next generation</th>
        <th scope="col">Schedule</th>
      </tr>
    </thead>
    <tbody>
      {rows.map((record) => (
        <tr data-game-id={record.game_id}>
          <td>
            <a href={gameHref(record.game_id)}>{record.game_id}</a>
          </td>
          <td>
            <StatusBadge status={record.status} />
          </td>
          <td class="num">{record.current_turn}</td>
          <td>{record.current_engine_version}</td>
          <td>
            <Time at={record.next_generation_at} empty="not scheduled" />
            {record.skip_next_tick ? <span class="badge warn"> skips next tick</span> : null}
          </td>
          <td>
            <code>{record.turn_schedule}</code>
          </td>
        </tr>
      ))}
    </tbody>
  </Table>
);

/** The runtimes list: filters, one REST page, a link to the next. */
export const RuntimesPage: FC<{
  query: RuntimesQuery;
  result: ApiResult<{ items: RuntimeJson[]; next_cursor: string | null }>;
  versions: string[];
  refreshMs: number;
  fragment: boolean;
}> = (props) => {
  const { query, result } = props;
  const live = !result.ok ? (
    <Refusal
      result={result}
      what={
        query.gameId === undefined ? "Could not list runtimes" : `No runtime for ${query.gameId}`
      }
    />
  ) : result.data.items.length === 0 ? (
    <p class="muted">No runtime matches.</p>
  ) : (
    <>
      <RuntimeTable rows={result.data.items} />
      <nav class="pager" aria-label="Pages">
        {query.cursor === undefined ? null : (
          <a
            href={consoleHref("/runtimes", {
              status: query.status,
              engine_version: query.engineVersion,
            })}
          >
            First page
          </a>
        )}
        {result.data.next_cursor === null ? null : (
          <a
            rel="next"
            href={consoleHref("/runtimes", {
              status: query.status,
              engine_version: query.engineVersion,
              cursor: result.data.next_cursor,
            })}
          >
            Next page
          </a>
        )}
      </nav>
    </>
  );
  if (props.fragment) return live;
  return (
    <Layout title="Runtimes" page="runtimes">
      <h1>Runtimes</h1>
      <form
        class="inline panel"
        method="get"
        action={consoleHref("/runtimes")}
        aria-label="Filter runtimes"
      >
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">any</option>
            {RUNTIME_STATUSES.map((status) => (
              <option value={status} selected={query.status === status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-version">Engine version</label>
          <select id="f-version" name="engine_version">
            <option value="">any</option>
            {props.versions.map((version) => (
              <option value={version} selected={query.engineVersion === version}>
                {version}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-game">Game id</label>
          <input id="f-game" name="game_id" type="search" value={query.gameId ?? ""} />
        </div>
        <button type="submit">Filter</button>
        <a class="button secondary" href={consoleHref("/runtimes")}>
          Clear
        </a>
      </form>
      <Live
        refreshMs={props.refreshMs}
        label="Runtimes"
        src={consoleHref("/runtimes", {
          status: query.status,
          engine_version: query.engineVersion,
          game_id: query.gameId,
          cursor: query.cursor,
        })}
      >
        {live}
      </Live>
    </Layout>
  );
};

// ---------------------------------------------------------------- game

/** How the page says why an activation generates no turn. */
const SKIP_REASONS: Readonly<Record<string, { badge: string; text: string }>> = {
  skip_next_tick: {
    badge: "skipped",
    text: "a forced turn already ran; this tick only clears skip_next_tick",
  },
  runtime_not_running: {
    badge: "no turn",
    text: "the scheduler only generates turns of running games",
  },
};

const Activations: FC<{ result: ApiResult<ActivationJson[]> }> = ({ result }) => {
  if (!result.ok) return <Refusal result={result} what="Could not read the schedule" />;
  if (result.data.length === 0) return <p class="muted">Not scheduled.</p>;
  return (
    <ol class="activations" id="activations">
      {result.data.map((activation) => {
        const skip =
          activation.skip_reason === null
            ? undefined
            : (SKIP_REASONS[activation.skip_reason] ?? {
                badge: "no turn",
                text: activation.skip_reason,
              });
        return (
          <li
            data-generates={String(activation.generates_turn)}
            data-skip-reason={activation.skip_reason ?? ""}
          >
            <Time at={activation.at} />{" "}
            {skip === undefined ? (
              <span class="muted">turn generated</span>
            ) : (
              <>
                <span class="badge warn">{skip.badge}</span>{" "}
                <span class="small muted">{skip.text}</span>
              </>
            )}
          </li>
        );
      })}
    </ol>
  );
};

const Operations: FC<{
  gameId: string;
  opKind: string | undefined;
  result: ApiResult<OperationPageJson>;
}> = ({ gameId, opKind, result }) => {
  if (!result.ok) return <Refusal result={result} what="Could not read the operation history" />;
  if (result.data.items.length === 0) {
    return (
      <p class="muted">No operation recorded{opKind === undefined ? "" : ` of kind ${opKind}`}.</p>
    );
  }
  return (
    <>
      <Table caption="Operation history, newest first" id="operations">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Operation</th>
            <th scope="col">Source</th>
            <th scope="col">Outcome</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {result.data.items.map((entry) => (
            <tr data-op-kind={entry.op_kind} data-outcome={entry.outcome}>
              <td>
                <Time at={entry.finished_at} />
              </td>
              <td>{entry.op_kind}</td>
              <td>
                {entry.op_source}
                {entry.source_ref === "" ? null : <span class="muted"> ({entry.source_ref})</span>}
              </td>
              <td>
                <span class={`badge ${entry.outcome === "success" ? "ok" : "bad"}`}>
                  {entry.outcome}
                </span>
              </td>
              <td>
                {entry.error_code === "" ? (
                  "—"
                ) : (
                  <>
                    <code>{entry.error_code}</code> {entry.error_message}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {result.data.next_cursor === null ? null : (
        <nav class="pager" aria-label="Operation history pages">
          <a
            rel="next"
            href={gameHref(gameId, { ops_cursor: result.data.next_cursor, ops_kind: opKind })}
          >
            Older operations
          </a>
        </nav>
      )}
    </>
  );
};

const GameLive: FC<{ data: GameData; opKind: string | undefined }> = ({ data, opKind }) => {
  const runtime = data.runtime;
  if (!runtime.ok) return <Refusal result={runtime} what="Could not read the runtime" />;
  const r = runtime.data;
  return (
    <>
      <div class="grid">
        <section class="panel" aria-labelledby="runtime-h">
          <h2 id="runtime-h">Runtime</h2>
          <dl class="facts" id="runtime-facts">
            <dt>Status</dt>
            <dd data-field="status">
              <StatusBadge status={r.status} />
            </dd>
            <dt>Current turn</dt>
            <dd data-field="current_turn">{r.current_turn}</dd>
            <dt>Engine version</dt>
            <dd data-field="current_engine_version">{r.current_engine_version}</dd>
            <dt>Image</dt>
            <dd>
              <code>{r.current_image_ref}</code>
            </dd>
            <dt>Engine endpoint</dt>
            <dd>
              <code>{r.engine_endpoint}</code>
            </dd>
            <dt>Engine health</dt>
            <dd>{r.engine_health === "" ? "—" : r.engine_health}</dd>
            <dt>Schedule</dt>
            <dd>
              <code>{r.turn_schedule}</code> (UTC)
            </dd>
            <dt>Next generation</dt>
            <dd>
              <Time at={r.next_generation_at} empty="not scheduled" />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time at={r.started_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time at={r.updated_at} />
            </dd>
            {r.stopped_at === null ? null : (
              <>
                <dt>Stopped</dt>
                <dd>
                  <Time at={r.stopped_at} />
                </dd>
              </>
            )}
            {r.finished_at === null ? null : (
              <>
                <dt>Finished</dt>
                <dd>
                  <Time at={r.finished_at} />
                </dd>
              </>
            )}
          </dl>
        </section>
        <section class="panel" aria-labelledby="next-h">
          <h2 id="next-h">Next activations</h2>
          <Activations result={data.activations} />
        </section>
      </div>

      <section aria-labelledby="players-h">
        <h2 id="players-h">Players and last stats</h2>
        {!data.players.ok ? (
          <Refusal result={data.players} what="Could not list the players" />
        ) : (
          <Table
            caption="Who plays which race, with the stats of the last published snapshot"
            id="players"
          >
            <thead>
              <tr>
                <th scope="col">User id</th>
                <th scope="col">Race</th>
                <th scope="col" class="num">
                  Planets
                </th>
                <th scope="col" class="num">
                  Population
                </th>
              </tr>
            </thead>
            <tbody>
              {data.players.data.map((player) => (
                <tr>
                  <td>{player.user_id}</td>
                  <td>{player.race_name}</td>
                  <td class="num">{player.stats?.planets ?? "—"}</td>
                  <td class="num">{player.stats?.population ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="ops-h">
        <h2 id="ops-h">Operation history</h2>
        <Operations gameId={r.game_id} opKind={opKind} result={data.operations} />
      </section>
    </>
  );
};

const GameActions: FC<{ data: GameData; gameId: string }> = ({ data, gameId }) => {
  if (!data.runtime.ok) return null;
  const confirm = gameHref(gameId).concat("/confirm");
  const r = data.runtime.data;
  const races = data.players.ok ? data.players.data.map((p) => p.race_name) : [];
  return (
    <section aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      <p class="small muted">
        Each action asks for confirmation first and is sent as <code>X-Op-Source: admin_rest</code>.
      </p>
      <div class="actions">
        <form class="panel" method="get" action={confirm}>
          <h3>Force next turn</h3>
          <p class="small">Generates a turn now; the next regular activation is then skipped.</p>
          <input type="hidden" name="action" value="force" />
          <button type="submit">Force next turn…</button>
        </form>
        <form class="panel" method="get" action={confirm}>
          <h3>Stop</h3>
          <label for="a-reason">Reason</label>
          <select id="a-reason" name="reason">
            {STOP_REASONS.map((reason) => (
              <option value={reason}>{reason}</option>
            ))}
          </select>
          <input type="hidden" name="action" value="stop" />
          <p>
            <button type="submit" class="danger">
              Stop…
            </button>
          </p>
        </form>
        <form class="panel" method="get" action={confirm}>
          <h3>Patch</h3>
          <label for="a-version">Version (patch releases of {r.current_engine_version})</label>
          {data.patchTargets.length === 0 ? (
            <p class="small muted" id="no-patch-target">
              No active patch release of {r.current_engine_version} is registered.
            </p>
          ) : null}
          <select id="a-version" name="version" disabled={data.patchTargets.length === 0}>
            {data.patchTargets.map((version) => (
              <option value={version}>{version}</option>
            ))}
          </select>
          <input type="hidden" name="action" value="patch" />
          <p>
            <button type="submit" disabled={data.patchTargets.length === 0}>
              Patch…
            </button>
          </p>
        </form>
        <form class="panel" method="get" action={confirm}>
          <h3>Banish a race</h3>
          <label for="a-race">Race</label>
          <select id="a-race" name="race" disabled={races.length === 0}>
            {races.map((race) => (
              <option value={race}>{race}</option>
            ))}
          </select>
          <input type="hidden" name="action" value="banish" />
          <p>
            <button type="submit" class="danger" disabled={races.length === 0}>
              Banish…
            </button>
          </p>
        </form>
      </div>
    </section>
  );
};

/** One game: the record, its schedule, players, history and the admin actions. */
export const GamePage: FC<{
  gameId: string;
  data: GameData;
  done: string | undefined;
  refused: ApiResult<unknown> | undefined;
  refusedWhat: string | undefined;
  /** The operation-history filter and page. */
  opKind: string | undefined;
  opsCursor: string | undefined;
  refreshMs: number;
  fragment: boolean;
}> = (props) => {
  const live = <GameLive data={props.data} opKind={props.opKind} />;
  if (props.fragment) return live;
  return (
    <Layout title={`Game ${props.gameId}`} page="game">
      <p class="small">
        <a href={consoleHref("/runtimes")}>Runtimes</a> / {props.gameId}
      </p>
      <h1>Game {props.gameId}</h1>
      <Done done={props.done} />
      {props.refused === undefined ? null : (
        <Refusal result={props.refused} what={props.refusedWhat ?? "Refused"} />
      )}
      <Live
        refreshMs={props.refreshMs}
        label="Game data"
        src={gameHref(props.gameId, { ops_cursor: props.opsCursor, ops_kind: props.opKind })}
      >
        {live}
      </Live>
      <form
        class="inline"
        method="get"
        action={gameHref(props.gameId)}
        aria-label="Filter the history"
      >
        <div>
          <label for="f-kind">Operation history: kind</label>
          <select id="f-kind" name="ops_kind">
            <option value="">any</option>
            {OP_KINDS.map((kind) => (
              <option value={kind} selected={props.opKind === kind}>
                {kind}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <GameActions data={props.data} gameId={props.gameId} />
    </Layout>
  );
};

/** What an action does, as the confirmation asks it. */
export interface PendingAction {
  action: "force" | "stop" | "patch" | "banish" | "deprecate";
  /** The form fields sent on confirmation. */
  fields: Record<string, string>;
  question: string;
  consequence: string;
  /** Where the confirmation posts to. */
  postTo: string;
  cancelTo: string;
  danger: boolean;
}

/** The confirmation step every action goes through. */
export const ConfirmPage: FC<{ pending: PendingAction; page: "game" | "engine-versions" }> = ({
  pending,
  page,
}) => (
  <Layout title="Confirm" page={page}>
    <h1>Confirm</h1>
    <form class="panel" method="post" action={pending.postTo}>
      <p>
        <strong id="confirm-question">{pending.question}</strong>
      </p>
      <p>{pending.consequence}</p>
      {Object.entries(pending.fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <p class="form inline">
        <button type="submit" class={pending.danger ? "danger" : undefined} autofocus>
          Confirm
        </button>{" "}
        <a class="button secondary" href={pending.cancelTo}>
          Cancel
        </a>
      </p>
    </form>
  </Layout>
);

// ---------------------------------------------------------------- engine versions

/** The registry: versions with their in-use count, create, deprecate. */
export const EngineVersionsPage: FC<{
  rows: ApiResult<EngineVersionRow[]>;
  truncated: boolean;
  done: string | undefined;
  refused: ApiResult<unknown> | undefined;
  form: { version: string; image_ref: string; options: string };
  refreshMs: number;
  fragment: boolean;
}> = (props) => {
  const rows = props.rows;
  const live = !rows.ok ? (
    <Refusal result={rows} what="Could not list engine versions" />
  ) : rows.data.length === 0 ? (
    <p class="muted">No engine version is registered.</p>
  ) : (
    <>
      <Table caption="Engine versions, highest first" id="engine-versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Image</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              In use
            </th>
            <th scope="col">Updated</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.data.map((row) => (
            <tr data-version={row.version}>
              <td>{row.version}</td>
              <td>
                <code>{row.image_ref}</code>
              </td>
              <td>
                <span class={`badge ${row.status === "active" ? "ok" : ""}`}>{row.status}</span>
              </td>
              <td class="num" data-field="in_use">
                {row.inUse}
              </td>
              <td>
                <Time at={row.updated_at} />
              </td>
              <td>
                {row.status === "active" ? (
                  <form method="get" action={consoleHref("/engine-versions/confirm")}>
                    <input type="hidden" name="version" value={row.version} />
                    <button
                      type="submit"
                      class="secondary"
                      aria-label={`Deprecate ${row.version}…`}
                    >
                      Deprecate…
                    </button>
                  </form>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {props.truncated ? (
        <p class="notice warn">In-use counts cover only the first runtimes read.</p>
      ) : null}
    </>
  );
  if (props.fragment) return live;
  return (
    <Layout title="Engine versions" page="engine-versions">
      <h1>Engine versions</h1>
      <Done done={props.done} />
      {props.refused === undefined ? null : (
        <Refusal result={props.refused} what="The registry refused" />
      )}
      <Live
        refreshMs={props.refreshMs}
        label="Engine versions"
        src={consoleHref("/engine-versions")}
      >
        {live}
      </Live>
      <section aria-labelledby="create-h">
        <h2 id="create-h">Register a version</h2>
        <form class="panel" method="post" action={consoleHref("/engine-versions")}>
          <div class="actions">
            <div>
              <label for="v-version">Version (semver, e.g. 1.4.2)</label>
              <input id="v-version" name="version" required value={props.form.version} />
            </div>
            <div>
              <label for="v-image">Image reference</label>
              <input id="v-image" name="image_ref" required value={props.form.image_ref} />
            </div>
            <div>
              <label for="v-options">Options (JSON object, optional)</label>
              <textarea id="v-options" name="options" rows={2}>
                {props.form.options}
              </textarea>
            </div>
          </div>
          <p>
            <button type="submit">Register</button>
          </p>
        </form>
      </section>
    </Layout>
  );
};

/** The page for an unknown console path. */
export const NotFoundPage: FC<{ path: string }> = ({ path }) => (
  <Layout title="Not found" page="overview">
    <h1>Not found</h1>
    <p>
      No console page at <code>{path}</code>. Go to the <a href={consoleHref("/")}>overview</a>.
    </p>
  </Layout>
);
