import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { ERROR_STATUS, isErrorCode } from "@galaxy/errors";
import { type RunningRtmStub, startRtmStub } from "@galaxy/rtm-stub";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import fc from "fast-check";
import { Pool } from "undici";
import { type FakeLobbyServer, startFakeLobby } from "../support/fake-lobby.js";
import { startTestGameMaster, type TestGameMaster } from "../support/gamemaster.js";
import { loadOperations } from "./contract.js";
import { type FuzzRequest, type Hints, requestArbitrary } from "./requests.js";

/** Games, versions, users and races the generator steers requests at. */
const GAMES = ["fz-1", "fz-2", "fz-3"];
const VERSIONS = ["1.4.2", "1.4.3", "1.5.0", "2.0.0"];
const ROSTER = [
  { user_id: "user-1", race_name: "Aelinari" },
  { user_id: "user-2", race_name: "Borg" },
];

/** An engine endpoint nobody listens on: the one neighbour that is really down in a run. */
const DOWN_ENGINE = "http://127.0.0.1:9";

/**
 * Whether a 5xx is a neighbour's fault: an engine error only for a request
 * that named the endpoint nobody listens on (a register-runtime against it
 * fails, so no game ever points there), an RTM failure (the RTM stub's own
 * answer). Every other 5xx — above all `internal_error` — is a GM bug.
 */
function neighbourAtFault(request: FuzzRequest, code: string | undefined): boolean {
  if (code === "engine_unreachable" || code === "engine_protocol_violation") {
    return request.body?.includes(DOWN_ENGINE) === true;
  }
  return code === "runtime_manager_unavailable";
}

/** A stack trace or source path in an answer. */
const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|node:internal|node_modules|\/src\/\w+/;

/** One problem the fuzzer found, with what reproduces it. */

/** A POST that reaches the register-runtime route, whatever operation it was generated from. */
function isRegisterRuntime(request: FuzzRequest): boolean {
  return (
    request.method === "POST" &&
    /^\/api\/v1\/internal\/games\/[^/?]+\/runtime(\?|$)/.test(request.path)
  );
}

export interface Finding {
  kind:
    | "unexpected_5xx"
    | "reset"
    | "bad_envelope"
    | "stack_trace"
    | "refused_but_wrote"
    | "client_error";
  request: {
    operationId: string;
    mutation: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
  };
  status?: number;
  detail: string;
}

/** What a run saw. */
export interface FuzzReport {
  seed: number;
  requests: number;
  /** Answers by status. */
  statuses: Record<string, number>;
  /** 5xx that name a neighbour (allowed). */
  neighbour5xx: number;
  /** The first few of them, with their requests, to judge that the neighbour was really at fault. */
  neighbourSamples: Finding[];
  /** Requests the HTTP client refused to send (e.g. a header it cannot encode). */
  unsent: number;
  unexpected5xx: number;
  resets: number;
  badEnvelopes: number;
  stackTraces: number;
  refusedWrites: number;
  /** GM still answered /healthz at every check and at the end. */
  alive: boolean;
  findings: Finding[];
  durationMs: number;
}

/** The processes a run talks to. */
export interface FuzzStack {
  gm: TestGameMaster;
  engine: RunningEngineStub;
  rtm: RunningRtmStub;
  lobby: FakeLobbyServer;
  close(): Promise<void>;
}

const AUDIT_SQL = `
  create schema if not exists fuzz_audit;
  create table if not exists fuzz_audit.writes (
    id bigserial primary key, tbl text not null, op text not null);
  create or replace function fuzz_audit.record() returns trigger language plpgsql as $$
    begin insert into fuzz_audit.writes (tbl, op) values (TG_TABLE_NAME, TG_OP); return null; end $$;
  ${["runtime_records", "engine_versions", "player_mappings", "operation_log"]
    .map(
      (table) => `drop trigger if exists fuzz_audit on gamemaster.${table};
  create trigger fuzz_audit after insert or update or delete on gamemaster.${table}
    for each row execute function fuzz_audit.record();`,
    )
    .join("\n")}
`;

/**
 * Starts GM (in-process, real PostgreSQL, Redis and sockets; no background
 * workers, so every row change comes from a request) with the engine stub,
 * the RTM stub and a fake Lobby that knows the fuzz games' rosters. A
 * trigger on every GM table records each row written, so the run can tell
 * which request wrote what.
 */
export async function startFuzzStack(label = "gm_fuzz"): Promise<FuzzStack> {
  const engine = await startEngineStub({ host: "127.0.0.1" });
  const lobby = await startFakeLobby();
  const rtmRedis: IsolatedRedis = await createIsolatedRedis(`${label}_rtm`);
  const rtm = await startRtmStub({
    redisUrl: rtmRedis.url,
    keyPrefix: rtmRedis.keyPrefix,
    engineBaseUrl: engine.url,
    blockMs: 200,
  });
  for (const game of GAMES) {
    lobby.setRoster(
      game,
      ROSTER.map((member) => [member.user_id, member.race_name, "active"]),
    );
  }
  const gm = await startTestGameMaster({
    label,
    env: {
      GAMEMASTER_LOBBY_BASE_URL: lobby.url,
      GAMEMASTER_RTM_BASE_URL: rtm.url,
      GAMEMASTER_ENGINE_TIMEOUT: "500ms",
      GAMEMASTER_LOBBY_TIMEOUT: "500ms",
      GAMEMASTER_RTM_TIMEOUT: "1s",
    },
    start: { workers: false },
  });
  for (const version of VERSIONS) {
    const created = await gm.call("POST", "/api/v1/internal/engine-versions", {
      version,
      image_ref: `galaxy/game:${version}`,
    });
    if (created.status !== 201) {
      throw new Error(`seeding engine version ${version} failed: ${created.status}`);
    }
  }
  await gm.sql.query(AUDIT_SQL);
  return {
    gm,
    engine,
    rtm,
    lobby,
    async close() {
      await gm.close();
      await rtm.close();
      await rtmRedis.cleanup();
      await lobby.close();
      await engine.close();
    },
  };
}

function hints(stack: FuzzStack): Hints {
  return {
    game_id: fc.constantFrom(...GAMES),
    version: fc.constantFrom(...VERSIONS),
    target_engine_version: fc.constantFrom(...VERSIONS),
    race_name: fc.constantFrom(...ROSTER.map((member) => member.race_name)),
    user_id: fc.constantFrom(...ROSTER.map((member) => member.user_id)),
    "x-user-id": fc.constantFrom("user-1", "user-2", "user-9"),
    "x-op-source": fc.constantFrom("lobby_internal", "admin_rest", "gateway"),
    turn: fc.constantFrom("0", "1", "2"),
    image_ref: fc.constantFrom(...VERSIONS.map((version) => `galaxy/game:${version}`)),
    engine_endpoint: fc.constantFrom(
      ...GAMES.map((game) => stack.engine.engineEndpoint(game)),
      DOWN_ENGINE,
    ),
    turn_schedule: fc.constantFrom("0 */6 * * *", "*/5 * * * *"),
    members: fc.constant(ROSTER),
  };
}

function describeRequest(request: FuzzRequest): Finding["request"] {
  return {
    operationId: request.operationId,
    mutation: request.mutation,
    method: request.method,
    path: request.path.length > 300 ? `${request.path.slice(0, 300)}…` : request.path,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        value.length > 100 ? `${value.slice(0, 100)}…(${value.length})` : value,
      ]),
    ),
    ...(request.body === undefined
      ? {}
      : {
          body:
            request.body.length > 300
              ? `${request.body.slice(0, 300)}…(${request.body.length} chars)`
              : request.body,
        }),
  };
}

function envelopeProblem(status: number, text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Object.keys(parsed).join() !== "error") {
    return "not {error}";
  }
  const error = (parsed as { error: unknown }).error;
  if (
    typeof error !== "object" ||
    error === null ||
    Object.keys(error).sort().join() !== "code,message"
  ) {
    return "error is not {code,message}";
  }
  const { code, message } = error as { code: unknown; message: unknown };
  if (typeof message !== "string" || message === "") return "message is not a non-empty string";
  if (!isErrorCode(code)) return `unknown code ${String(code)}`;
  if (ERROR_STATUS[code] !== status) return `code ${code} with status ${status}`;
  return undefined;
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "ECONNREFUSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Options of {@link runFuzz}. */
export interface RunFuzzOptions {
  seed: number;
  requests: number;
  /** Keep-alive connections the requests share. */
  connections?: number;
  /** Progress lines (long runs). */
  progress?: (line: string) => void;
}

/**
 * Sends `requests` generated requests, one at a time over a small pool of
 * keep-alive connections (so every request after the first travels on a
 * socket an earlier answer left open), and checks every answer.
 */
export async function runFuzz(stack: FuzzStack, options: RunFuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const operations = loadOperations();
  const samples = fc.sample(requestArbitrary(operations, hints(stack)), {
    seed: options.seed,
    numRuns: options.requests,
  });
  const pool = new Pool(stack.gm.gm.url, {
    connections: options.connections ?? 4,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 20_000,
    bodyTimeout: 20_000,
  });
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    statuses: {},
    neighbour5xx: 0,
    neighbourSamples: [],
    unsent: 0,
    unexpected5xx: 0,
    resets: 0,
    badEnvelopes: 0,
    stackTraces: 0,
    refusedWrites: 0,
    alive: true,
    findings: [],
    durationMs: 0,
  };
  const find = (finding: Finding) => {
    if (report.findings.length < 50) report.findings.push(finding);
  };
  let lastWrite = Number(
    (
      await stack.gm.sql.query<{ id: string }>(
        "select coalesce(max(id), 0) as id from fuzz_audit.writes",
      )
    ).rows[0]?.id ?? 0,
  );
  try {
    for (const [index, request] of samples.entries()) {
      report.requests += 1;
      let status: number;
      let text: string;
      try {
        const response = await pool.request({
          method: request.method as "GET",
          path: request.path,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        if (
          code === "UND_ERR_INVALID_ARG" ||
          code === "ERR_INVALID_URL" ||
          code === "ERR_INVALID_CHAR"
        ) {
          report.unsent += 1;
          continue;
        }
        if (NETWORK_ERROR_CODES.has(code)) {
          report.resets += 1;
          find({
            kind: "reset",
            request: describeRequest(request),
            detail: `${code}: ${(error as Error).message}`,
          });
        } else {
          find({
            kind: "client_error",
            request: describeRequest(request),
            detail: `${code}: ${(error as Error).message}`,
          });
          report.resets += 1;
        }
        continue;
      }
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      const described = () => describeRequest(request);
      if (STACK_TRACE.test(text)) {
        report.stackTraces += 1;
        find({ kind: "stack_trace", request: described(), status, detail: text.slice(0, 500) });
      }
      if (status >= 400) {
        const problem = envelopeProblem(status, text);
        if (problem !== undefined) {
          report.badEnvelopes += 1;
          find({
            kind: "bad_envelope",
            request: described(),
            status,
            detail: `${problem}: ${text.slice(0, 300)}`,
          });
        }
      }
      if (status >= 500) {
        const code = problemCode(text);
        if (neighbourAtFault(request, code)) {
          report.neighbour5xx += 1;
          if (report.neighbourSamples.length < 5) {
            report.neighbourSamples.push({
              kind: "unexpected_5xx",
              request: described(),
              status,
              detail: `allowed (neighbour): ${text.slice(0, 300)}`,
            });
          }
        } else {
          report.unexpected5xx += 1;
          find({
            kind: "unexpected_5xx",
            request: described(),
            status,
            detail: text.slice(0, 300),
          });
        }
      }
      const writes = await stack.gm.sql.query<{ id: string; tbl: string; op: string }>(
        "select id, tbl, op from fuzz_audit.writes where id > $1 order by id",
        [lastWrite],
      );
      if (writes.rows.length > 0) {
        lastWrite = Number(writes.rows.at(-1)?.id);
      }
      // A validation refusal writes nothing at all, except that a refused
      // register-runtime is audited with one operation-log failure entry
      // (docs/decisions/100-gm-register-runtime-deprecated-and-invalid.md); a
      // business refusal (404/409/422) may only append its failure to the
      // operation log.
      const logOnly = writes.rows.filter(
        (row) => !(row.tbl === "operation_log" && row.op === "INSERT"),
      );
      const forbidden =
        status === 400
          ? isRegisterRuntime(request)
            ? logOnly
            : writes.rows
          : status > 400 && status < 500
            ? logOnly
            : [];
      if (forbidden.length > 0) {
        report.refusedWrites += 1;
        find({
          kind: "refused_but_wrote",
          request: described(),
          status,
          detail: forbidden.map((row) => `${row.op} ${row.tbl}`).join(", "),
        });
      }
      if ((index + 1) % 500 === 0) {
        report.alive &&= await alive(pool);
        options.progress?.(
          `${index + 1}/${samples.length} requests, ${report.findings.length} findings`,
        );
      }
    }
    report.alive &&= await alive(pool);
  } finally {
    await pool.close();
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

function problemCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

async function alive(pool: Pool): Promise<boolean> {
  try {
    const response = await pool.request({ method: "GET", path: "/healthz" });
    await response.body.text();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

/** The report as a few lines for a terminal, then every finding as JSON. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `fuzz seed=${report.seed} requests=${report.requests} duration=${(report.durationMs / 1000).toFixed(1)}s`,
    `statuses ${JSON.stringify(report.statuses)}`,
    `unexpected 5xx: ${report.unexpected5xx}, resets: ${report.resets}, bad envelopes: ${report.badEnvelopes}, stack traces: ${report.stackTraces}, refused but wrote: ${report.refusedWrites}, alive: ${report.alive}`,
    `neighbour 5xx (allowed): ${report.neighbour5xx}, not sent by the client: ${report.unsent}`,
    `replay: FUZZ_SEED=${report.seed} FUZZ_REQUESTS=${report.requests} pnpm fuzz`,
  ];
  for (const finding of report.findings) {
    lines.push(JSON.stringify(finding));
  }
  for (const sample of report.neighbourSamples) {
    lines.push(`neighbour: ${JSON.stringify(sample)}`);
  }
  return lines.join("\n");
}

/** Whether a report shows no problem at all. */
export function isClean(report: FuzzReport): boolean {
  return (
    report.alive &&
    report.unexpected5xx === 0 &&
    report.resets === 0 &&
    report.badEnvelopes === 0 &&
    report.stackTraces === 0 &&
    report.refusedWrites === 0
  );
}
