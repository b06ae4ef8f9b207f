import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/http/json-limits.js";
import {
  MAX_OPTIONS_BYTES,
  MAX_OPTIONS_DEPTH,
  MAX_OPTIONS_KEYS,
} from "../src/http/schemas/engine-versions.js";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";
import { RawConnection, type RawResponse } from "./support/raw-http.js";

// Hostile input against a real GM on real sockets: every reproduction of a
// 500 or a reset answers 400 invalid_request, writes nothing, and leaves the
// keep-alive connection usable for the next request.

let t: TestGameMaster;
const open: RawConnection[] = [];

const VERSIONS = "/api/v1/internal/engine-versions";
const GAMES = "/api/v1/internal/games";
const JSON_HEADERS = { "content-type": "application/json" };

async function connection(): Promise<RawConnection> {
  const raw = await RawConnection.open(t.gm.url);
  open.push(raw);
  return raw;
}

/** Rows of every GM table, to show a refused request wrote nothing. */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await t.sql.query<{ name: string; count: string }>(
    `select 'runtime_records' as name, count(*) from gamemaster.runtime_records
     union all select 'engine_versions', count(*) from gamemaster.engine_versions
     union all select 'player_mappings', count(*) from gamemaster.player_mappings
     union all select 'operation_log', count(*) from gamemaster.operation_log`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.count)]));
}

function envelope(response: RawResponse): { code: string; message: string } {
  const parsed = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(["error"]);
  return parsed.error;
}

/**
 * Sends one request on a fresh keep-alive connection, expects `400
 * invalid_request` whose message matches, then a second request on the same
 * socket, which must answer.
 */
async function expectRefused(
  method: string,
  path: string,
  body: string,
  message: RegExp,
  /** Operation-log entries the refusal files (a refused register-runtime is audited). */
  auditEntries = 0,
): Promise<void> {
  const before = await rowCounts();
  const raw = await connection();
  const response = await raw.request(method, path, { body, headers: JSON_HEADERS });
  expect(response.status).toBe(400);
  const error = envelope(response);
  expect(error.code).toBe("invalid_request");
  expect(error.message).toMatch(message);
  expect(response.headers.connection).not.toBe("close");
  await new Promise((resolve) => setTimeout(resolve, 600));
  const next = await raw.request("GET", "/healthz");
  expect(next.status).toBe(200);
  expect(await rowCounts()).toEqual({
    ...before,
    operation_log: (before.operation_log ?? 0) + auditEntries,
  });
}

/** `depth` objects, one inside the other, around `leaf`. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

/** The same as JSON text, for depths JSON.stringify cannot encode. */
function nestedText(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

beforeAll(async () => {
  t = await startTestGameMaster({ label: "gm_hostile", start: { workers: false } });
  const created = await t.call("POST", VERSIONS, {
    version: "1.4.2",
    image_ref: "galaxy/game:1.4.2",
    options: { max_players: 8 },
  });
  expect(created.status).toBe(201);
});

afterEach(() => {
  for (const raw of open.splice(0)) raw.close();
});

afterAll(async () => {
  await t?.close();
});

describe("text GM cannot store is refused (NUL, lone surrogates)", () => {
  it("a NUL inside options.flags of a new engine version", async () => {
    await expectRefused(
      "POST",
      VERSIONS,
      JSON.stringify({
        version: "2.1.1",
        image_ref: "galaxy/game:2.1.1",
        options: { flags: ["a\u0000b"] },
      }),
      /^invalid request: options\.flags\.0: must not contain NUL characters$/,
    );
  });

  it("lone surrogates in options of a patch", async () => {
    await expectRefused(
      "PATCH",
      `${VERSIONS}/1.4.2`,
      '{"options":{"max_players":"\\udfff\\ud800"}}',
      /^invalid request: options\.max_players: must not contain unpaired UTF-16 surrogates$/,
    );
    const stored = await t.call("GET", `${VERSIONS}/1.4.2`);
    expect((stored.body as { options: unknown }).options).toEqual({ max_players: 8 });
  });

  it("a NUL in an options key", async () => {
    await expectRefused(
      "POST",
      VERSIONS,
      JSON.stringify({
        version: "2.1.2",
        image_ref: "galaxy/game:2.1.2",
        options: { "k\u0000": 1 },
      }),
      /^invalid request: options\.k\ufffd: key must not contain NUL characters$/,
    );
  });

  it("a member race_name or user_id with NUL in register-runtime", async () => {
    const body = (member: { user_id: string; race_name: string }) =>
      JSON.stringify({
        engine_endpoint: "http://127.0.0.1:9",
        members: [member],
        target_engine_version: "1.4.2",
        turn_schedule: "0 */6 * * *",
      });
    await expectRefused(
      "POST",
      `${GAMES}/r-1/runtime`,
      body({ user_id: "user-1", race_name: "a\u0000b" }),
      /^invalid request: members\.0\.race_name: must not contain NUL characters$/,
      1,
    );
    await expectRefused(
      "POST",
      `${GAMES}/r-1/runtime`,
      body({ user_id: "\u0000", race_name: "Aelinari" }),
      /^invalid request: members\.0\.user_id: must not contain NUL characters$/,
      1,
    );
  });

  it("a percent-encoded NUL in a path parameter", async () => {
    const raw = await connection();
    for (const path of [`${VERSIONS}/1.4.2%00`, `${VERSIONS}/%00/image-ref`]) {
      const response = await raw.request("GET", path);
      expect(response.status).toBe(400);
      expect(envelope(response).message).toBe(
        "invalid request: version: must not contain NUL characters",
      );
    }
    const banish = await raw.request("POST", `${GAMES}/g-1/races/a%00b/banish`);
    expect(banish.status).toBe(400);
    expect(envelope(banish).message).toBe(
      "invalid request: race_name: must not contain NUL characters",
    );
    expect((await raw.request("GET", "/healthz")).status).toBe(200);
  });

  it("a NUL in the hot path's engine-defined commands", async () => {
    const raw = await connection();
    const response = await raw.request("POST", `${GAMES}/g-1/commands`, {
      body: JSON.stringify({ commands: [{ name: "x\u0000" }] }),
      headers: { ...JSON_HEADERS, "x-user-id": "user-1" },
    });
    expect(response.status).toBe(400);
    expect(envelope(response).message).toBe(
      "invalid request: commands.0.name: must not contain NUL characters",
    );
  });
});

describe("bounded structure", () => {
  it("options nested 5,000 and 1,000 levels deep are refused before parsing", async () => {
    for (const depth of [5_000, 1_000]) {
      await expectRefused(
        "POST",
        VERSIONS,
        `{"version":"3.0.0","image_ref":"galaxy/game:3.0.0","options":${nestedText(depth)}}`,
        new RegExp(`^invalid request: body nested deeper than ${MAX_JSON_DEPTH} levels$`),
      );
    }
  });

  it("the hot path refuses a deep body too", async () => {
    const raw = await connection();
    const response = await raw.request("PUT", `${GAMES}/g-1/orders`, {
      body: JSON.stringify({ orders: [nested(MAX_JSON_DEPTH + 1)] }),
      headers: { ...JSON_HEADERS, "x-user-id": "user-1" },
    });
    expect(response.status).toBe(400);
    expect(envelope(response).message).toBe(
      `invalid request: body nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it("options beyond their depth, key and byte bounds are refused; at the bounds they are stored", async () => {
    const base = { image_ref: "galaxy/game:4.0.0" };
    await expectRefused(
      "POST",
      VERSIONS,
      JSON.stringify({ ...base, version: "4.0.0", options: nested(MAX_OPTIONS_DEPTH + 1) }),
      new RegExp(
        `^invalid request: options: must be nested at most ${MAX_OPTIONS_DEPTH} levels deep$`,
      ),
    );
    const manyKeys = Object.fromEntries(
      Array.from({ length: MAX_OPTIONS_KEYS + 1 }, (_, index) => [`k${index}`, index]),
    );
    await expectRefused(
      "POST",
      VERSIONS,
      JSON.stringify({ ...base, version: "4.0.0", options: manyKeys }),
      new RegExp(`^invalid request: options: must have at most ${MAX_OPTIONS_KEYS} keys$`),
    );
    await expectRefused(
      "POST",
      VERSIONS,
      JSON.stringify({
        ...base,
        version: "4.0.0",
        options: { blob: "x".repeat(MAX_OPTIONS_BYTES) },
      }),
      new RegExp(`^invalid request: options: must be at most ${MAX_OPTIONS_BYTES} bytes of JSON$`),
    );
    const atBounds = await t.call("POST", VERSIONS, {
      ...base,
      version: "4.0.0",
      options: {
        deep: nested(MAX_OPTIONS_DEPTH - 1, "🚀"),
        blob: "x".repeat(MAX_OPTIONS_BYTES - 200),
      },
    });
    expect(atBounds.body).toMatchObject({ version: "4.0.0" });
    expect(atBounds.status).toBe(201);
  });
});

describe("keep-alive keeps its word", () => {
  it("a 100 KB body GM never reads (unknown route) is drained: the next request on the socket answers", async () => {
    const raw = await connection();
    const first = await raw.request("POST", "/nope", {
      body: "x".repeat(100 * 1024),
      headers: JSON_HEADERS,
    });
    expect(first.status).toBe(404);
    expect(first.headers.connection).not.toBe("close");
    // Past @hono/node-server's own 500 ms drain, after which it destroyed the socket.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await raw.request("GET", "/healthz");
    expect(second.status).toBe(200);
    expect(raw.ended).toBeUndefined();
  });

  it("a body sent slowly to a route that takes none is drained before the answer", async () => {
    const raw = await connection();
    raw.socket.write(
      `POST ${GAMES}/g-1/memberships/invalidate HTTP/1.1\r\nhost: gm.test\r\ncontent-type: application/octet-stream\r\ncontent-length: 200000\r\n\r\n`,
    );
    raw.socket.write(Buffer.alloc(100_000, 1));
    await new Promise((resolve) => setTimeout(resolve, 700));
    raw.socket.write(Buffer.alloc(100_000, 1));
    const first = await raw.read();
    expect(first.status).toBe(204);
    expect(first.headers.connection).not.toBe("close");
    const second = await raw.request("GET", "/healthz");
    expect(second.status).toBe(200);
  });

  it("a 2 MB body (over the 1 MiB limit) on a malformed hot-path game id: 400, drained, the socket stays usable", async () => {
    const raw = await connection();
    const response = await raw.request("PUT", `${GAMES}/%7B%7D/orders`, {
      body: "x".repeat(2 * 1024 * 1024),
      headers: { ...JSON_HEADERS, "x-user-id": "user-1" },
    });
    expect(response.status).toBe(400);
    expect(envelope(response).code).toBe("invalid_request");
    expect(response.headers.connection).not.toBe("close");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await raw.request("GET", "/healthz")).status).toBe(200);
    // Over the limit on a route that reads its body: the same.
    const declared = await raw.request("POST", VERSIONS, {
      body: "y".repeat(2 * 1024 * 1024),
      headers: JSON_HEADERS,
    });
    expect(declared.status).toBe(400);
    expect(envelope(declared).message).toBe("request body too large (limit 1048576 bytes)");
    expect(declared.headers.connection).not.toBe("close");
    expect((await raw.request("GET", "/healthz")).status).toBe(200);
  });

  it("a body over the drain cap (4 × the limit) is answered with connection: close", async () => {
    const raw = await connection();
    const response = await raw.request("PUT", `${GAMES}/g-1/orders`, {
      body: "x".repeat(5 * 1024 * 1024),
      headers: { ...JSON_HEADERS, "x-user-id": "user-1" },
    });
    expect(response.status).toBe(400);
    expect(envelope(response).message).toBe("request body too large (limit 1048576 bytes)");
    expect(response.headers.connection).toBe("close");
    expect(await raw.waitEnd(5_000)).toBeDefined();
    // The caller was told; its next connection works.
    const fresh = await connection();
    expect((await fresh.request("GET", "/healthz")).status).toBe(200);
  });

  it("chunked bodies: over the limit drained, over the drain cap closed, a small unread one drained", async () => {
    const chunked = (raw: RawConnection, path: string, chunks: number, size: number) => {
      raw.socket.write(
        `POST ${path} HTTP/1.1\r\nhost: gm.test\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
      );
      for (let index = 0; index < chunks; index += 1) {
        raw.socket.write(`${size.toString(16)}\r\n${"z".repeat(size)}\r\n`);
      }
      raw.socket.write("0\r\n\r\n");
    };
    const over = await connection();
    chunked(over, VERSIONS, 40, 64 * 1024);
    const refused = await over.read();
    expect(refused.status).toBe(400);
    expect(envelope(refused).message).toMatch(/^request body too large/);
    expect(refused.headers.connection).not.toBe("close");
    expect((await over.request("GET", "/healthz")).status).toBe(200);

    const flood = await connection();
    chunked(flood, VERSIONS, 100, 64 * 1024);
    const cut = await flood.read();
    expect(cut.status).toBe(400);
    expect(cut.headers.connection).toBe("close");

    const small = await connection();
    chunked(small, "/nope", 4, 16 * 1024);
    const unread = await small.read();
    expect(unread.status).toBe(404);
    expect(unread.headers.connection).not.toBe("close");
    expect((await small.request("GET", "/healthz")).status).toBe(200);
  });

  it("16 keep-alive connections alternating 100 KB unread bodies and /healthz never fail", async () => {
    const connections = await Promise.all(Array.from({ length: 16 }, () => connection()));
    const statuses = await Promise.all(
      connections.map(async (raw) => {
        const seen: number[] = [];
        for (let round = 0; round < 10; round += 1) {
          const unread = await raw.request("POST", "/nope", {
            body: "y".repeat(100 * 1024),
            headers: JSON_HEADERS,
          });
          seen.push(unread.status);
          seen.push((await raw.request("GET", "/healthz")).status);
        }
        return { seen, ended: raw.ended };
      }),
    );
    for (const { seen, ended } of statuses) {
      expect(ended).toBeUndefined();
      expect(seen).toEqual(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? 404 : 200)));
    }
  });

  it("a malformed HTTP request gets the error envelope, not a bare close", async () => {
    const raw = await connection();
    raw.socket.write("GET /healthz HTTP/1.1\r\nhost: gm.test\r\nx-source-ref: a\u0000b\r\n\r\n");
    const response = await raw.read();
    expect(response.status).toBe(400);
    expect(envelope(response).code).toBe("invalid_request");
    expect(response.headers.connection).toBe("close");
  });
});
