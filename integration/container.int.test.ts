import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
  startPostgresContainer,
  startRedisContainer,
  type TestServerContainer,
} from "@galaxy/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  buildAppImage,
  containerLogs,
  containerState,
  type Docker,
  nodeImage,
  REPO_ROOT,
  requireDocker,
} from "./support/docker.js";
import { waitFor } from "./support/wait.js";

// The images docker-compose.yml builds, built for real from apps/gamemaster/Dockerfile and run
// with host networking (docs/container.md): GM against a throw-away database and key prefix,
// then the compose file's services, translated to host networking, against local PostgreSQL and
// Redis images started by testcontainers. Needs a Docker engine: without one this suite fails
// (`bash scripts/ensure-docker.sh` provides one).

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[]; interval?: string };
  stop_grace_period?: string;
}

const compose = parse(readFileSync(`${REPO_ROOT}docker-compose.yml`, "utf8"), {
  merge: true,
}) as { services: Record<string, ComposeService> };

const APPS = ["gamemaster", "engine-stub", "rtm-stub", "lobby-stub"] as const;
type App = (typeof APPS)[number];
const PORT_VARIABLE: Record<App, string> = {
  gamemaster: "GAMEMASTER_HTTP_PORT",
  "engine-stub": "ENGINE_STUB_HTTP_PORT",
  "rtm-stub": "RTM_STUB_HTTP_PORT",
  "lobby-stub": "LOBBY_STUB_HTTP_PORT",
};

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** Names this run's containers apart from other runs on the same engine. */
const runId = randomBytes(4).toString("hex");

/** The image tag compose gives an app (what `docker compose build` would tag). */
function imageTag(app: App): string {
  const image = service(app).image;
  if (image === undefined) throw new Error(`docker-compose.yml: ${app} has no image`);
  return image;
}

const SHUTDOWN_TIMEOUT_S = 10;

let docker: Docker;
const buildSeconds: Partial<Record<App, number>> = {};
const started: string[] = [];

async function run(name: string, image: string, args: string[]): Promise<string> {
  const id = await docker.run([
    "run",
    "--detach",
    "--network",
    "host",
    "--name",
    `galaxy-ct-${runId}-${name}`,
    "--label",
    `org.galaxy.container-suite=${runId}`,
    ...args,
    image,
  ]);
  started.push(id);
  return id;
}

async function waitHealthy(id: string, what: string, timeoutMs = 30_000): Promise<number> {
  const since = Date.now();
  await waitFor(
    async () => {
      const state = await containerState(docker, id);
      if (!state.Running) throw new Error(`exited ${state.ExitCode}`);
      if (state.Health?.Status === "healthy") return true;
      throw new Error(`health ${state.Health?.Status ?? "none"}`);
    },
    { what: `${what} healthy`, timeoutMs, intervalMs: 250 },
  );
  return Date.now() - since;
}

async function waitReady(url: string, id: string, what: string): Promise<unknown> {
  return waitFor(
    async () => {
      const state = await containerState(docker, id);
      if (!state.Running) throw new Error(`exited ${state.ExitCode}`);
      const response = await fetch(url).catch(() => null);
      return response?.status === 200 ? response.json() : undefined;
    },
    { what: `${what} ${url}`, timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function withLogs<T>(ids: Record<string, string>, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    for (const [name, id] of Object.entries(ids)) {
      console.error(`--- ${name} (${id.slice(0, 12)}) ---\n${await containerLogs(docker, id)}`);
    }
    throw error;
  }
}

/** Stops a container the way `docker compose down` does; returns its exit code and the time. */
async function stop(id: string, graceSeconds: number): Promise<{ exitCode: number; ms: number }> {
  const since = Date.now();
  await docker.run(["stop", "--time", String(graceSeconds), id], {
    timeoutMs: (graceSeconds + 30) * 1000,
  });
  const ms = Date.now() - since;
  const state = await containerState(docker, id);
  return { exitCode: state.ExitCode, ms };
}

beforeAll(async () => {
  docker = await requireDocker();
  const base = await nodeImage(docker);
  // GM first and alone, so its time is the cold build; the stubs reuse the shared build stage.
  for (const app of APPS) {
    const build = service(app).build;
    buildSeconds[app] = await buildAppImage(docker, {
      app: build?.args?.APP ?? app,
      tag: imageTag(app),
      dockerfile: build?.dockerfile ?? "apps/gamemaster/Dockerfile",
      nodeImage: base,
    });
  }
  const sizes = await Promise.all(
    APPS.map(async (app) => {
      const bytes = Number(
        await docker.run(["image", "inspect", "--format", "{{.Size}}", imageTag(app)]),
      );
      return `${imageTag(app)} ${(bytes / 1e6).toFixed(0)} MB, built in ${buildSeconds[app]?.toFixed(1)} s`;
    }),
  );
  console.log(
    `container suite: engine ${docker.host}, base ${base ?? "node:20-bookworm-slim (Dockerfile default)"}\n  ${sizes.join("\n  ")}`,
  );
}, 30 * 60_000);

afterAll(async () => {
  if (docker === undefined) return;
  for (const id of started.reverse()) {
    await docker.run(["rm", "--force", "--volumes", id]).catch(() => {});
  }
}, 120_000);

describe("the Game Master image", () => {
  it("runs as a non-root user with a health check; the build CA is in no layer; lean contents", async () => {
    const image = imageTag("gamemaster");
    const config = JSON.parse(
      await docker.run(["image", "inspect", "--format", "{{json .Config}}", image]),
    ) as {
      User: string;
      Env: string[];
      Healthcheck?: { Test: string[] };
      Cmd: string[];
      WorkingDir: string;
    };
    expect(config.User).toBe("node");
    expect(config.Healthcheck?.Test.join(" ")).toContain("/healthz");
    expect(config.Cmd).toEqual(["node", "dist/main.js"]);
    expect(config.Env.some((entry) => entry.startsWith("NODE_EXTRA_CA_CERTS="))).toBe(false);

    // What is in it: /app holds the deployed package only; no sources, tests or dev tooling.
    const report = await docker.run([
      "run",
      "--rm",
      "--network",
      "host",
      "--entrypoint",
      "sh",
      image,
      "-c",
      "du -sk /app /app/node_modules /usr/local/lib/node_modules 2>/dev/null; " +
        "ls /app; ls /app/node_modules /app/node_modules/@galaxy; " +
        "test ! -e /run/secrets/ca && test ! -e /usr/local/share/ca-certificates/ca.crt && echo no-ca",
    ]);
    console.log(`gamemaster image contents:\n${report}`);
    const lines = report.split("\n");
    expect(lines).toContain("no-ca");
    for (const present of ["dist", "drizzle", "package.json", "node_modules", "hono", "postgres"]) {
      expect(lines, present).toContain(present);
    }
    for (const absent of ["src", "test", "vitest", "typescript", "drizzle-kit", "testkit", "tsx"]) {
      expect(lines, absent).not.toContain(absent);
    }
  });

  describe("against a throw-away database and key prefix, with host networking", () => {
    let database: IsolatedDatabase;
    let redis: IsolatedRedis;
    const gm: { id: string; port: number }[] = [];

    // On host networking every container has the host's hostname and PID 1, so the default
    // instance id (`<hostname>:<pid>`) would be the same for both replicas: name them.
    const env = (port: number, instance: string) => [
      "--env",
      `GAMEMASTER_INSTANCE_ID=${instance}`,
      "--env",
      `GAMEMASTER_HTTP_PORT=${port}`,
      "--env",
      `GAMEMASTER_POSTGRES_URL=${database.url}`,
      "--env",
      `GAMEMASTER_REDIS_URL=${redis.url}`,
      "--env",
      `GAMEMASTER_REDIS_KEY_PREFIX=${redis.keyPrefix}`,
      "--env",
      "GAMEMASTER_LOBBY_BASE_URL=http://127.0.0.1:9",
      "--env",
      "GAMEMASTER_RTM_BASE_URL=http://127.0.0.1:9",
      "--env",
      `GAMEMASTER_SHUTDOWN_TIMEOUT=${SHUTDOWN_TIMEOUT_S}s`,
    ];

    async function migrations(): Promise<{ count: number; last: string }> {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const result = await client.query<{ count: string; last: string }>(
          "SELECT count(*) AS count, max(created_at)::text AS last FROM gamemaster.__drizzle_migrations",
        );
        return { count: Number(result.rows[0]?.count), last: String(result.rows[0]?.last) };
      } finally {
        await client.end();
      }
    }

    beforeAll(async () => {
      database = await createIsolatedDatabase("int_container");
      redis = await createIsolatedRedis("int_container");
    });

    afterAll(async () => {
      for (const { id } of gm) await docker?.run(["rm", "--force", id]).catch(() => {});
      await redis?.cleanup();
      await database?.drop();
    });

    it("migrates at start, answers /readyz 200 and Docker reports it healthy within 30 s, as a non-root uid", async () => {
      const port = await freePort();
      const startedAt = Date.now();
      const id = await run("gm-1", imageTag("gamemaster"), env(port, `ct-${runId}-1`));
      gm.push({ id, port });
      await withLogs({ gamemaster: id }, async () => {
        expect(await waitReady(`http://127.0.0.1:${port}/readyz`, id, "gamemaster")).toMatchObject({
          status: "ready",
        });
        await waitHealthy(id, "gamemaster", 30_000 - (Date.now() - startedAt));
        console.log(`gamemaster container healthy ${Date.now() - startedAt} ms after docker run`);

        const journal = JSON.parse(
          readFileSync(`${REPO_ROOT}apps/gamemaster/drizzle/meta/_journal.json`, "utf8"),
        ) as { entries: unknown[] };
        expect((await migrations()).count).toBe(journal.entries.length);

        // The server process itself (PID 1 of the container), not only the image's USER.
        const status = await docker.run(["exec", id, "cat", "/proc/1/status"]);
        const uid = status.match(/^Uid:\s+(\d+)\s+(\d+)/m);
        expect(uid?.[1]).toBe("1000");
        expect(uid?.[2]).toBe("1000");
      });
    });

    it("a second container on the same database starts with a no-op migration", async () => {
      const before = await migrations();
      const port = await freePort();
      const id = await run("gm-2", imageTag("gamemaster"), env(port, `ct-${runId}-2`));
      gm.push({ id, port });
      await withLogs({ "gamemaster 2": id }, async () => {
        await waitReady(`http://127.0.0.1:${port}/readyz`, id, "second gamemaster");
        expect(await migrations()).toEqual(before);
        expect(await containerLogs(docker, id)).toContain("migrations applied");
        // Both replicas serve the one database.
        const first = gm[0];
        if (first === undefined) throw new Error("first container missing");
        const created = await fetch(
          `http://127.0.0.1:${first.port}/api/v1/internal/engine-versions`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ version: "1.0.0", image_ref: "galaxy/game:1.0.0" }),
          },
        );
        expect(created.status).toBe(201);
        const listed = await fetch(
          `http://127.0.0.1:${port}/api/v1/internal/engine-versions/1.0.0`,
        );
        expect(listed.status).toBe(200);
      });
    });

    it("docker stop (SIGTERM) exits 0 within the shutdown timeout", async () => {
      expect(gm).toHaveLength(2);
      for (const { id } of gm) {
        const { exitCode, ms } = await stop(id, SHUTDOWN_TIMEOUT_S + 5);
        console.log(`gamemaster container stopped in ${ms} ms, exit ${exitCode}`);
        expect(exitCode).toBe(0);
        expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
      }
    });
  });
});

describe("docker-compose.yml on host networking, PostgreSQL and Redis from local images", () => {
  let postgres: TestServerContainer;
  let redis: TestServerContainer;
  const ids: Partial<Record<App, string>> = {};
  const ports: Partial<Record<App, number>> = {};

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([
      startPostgresContainer(docker.host),
      startRedisContainer(docker.host),
    ]);
    // What the compose postgres service's POSTGRES_* variables create.
    const postgresEnv = service("postgres").environment ?? {};
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      await admin.query(
        `CREATE ROLE "${postgresEnv.POSTGRES_USER}" LOGIN PASSWORD '${postgresEnv.POSTGRES_PASSWORD}'`,
      );
      await admin.query(
        `CREATE DATABASE "${postgresEnv.POSTGRES_DB}" OWNER "${postgresEnv.POSTGRES_USER}"`,
      );
    } finally {
      await admin.end();
    }
    for (const app of APPS) ports[app] = await freePort();
  }, 120_000);

  afterAll(async () => {
    for (const id of Object.values(ids)) await docker?.run(["rm", "--force", id]).catch(() => {});
    await postgres?.stop();
    await redis?.stop();
  });

  /**
   * A compose service's environment on host networking: `<service>:<port>` becomes
   * 127.0.0.1 and the port the service got here; the app's own port variable likewise.
   */
  function hostEnvironment(app: App): string[] {
    const composePorts: Record<string, number> = {};
    for (const other of APPS) {
      composePorts[other] = Number(service(other).environment?.[PORT_VARIABLE[other]]);
    }
    const swap = (value: string) =>
      value.replace(/\/\/(?:([^@/]+)@)?([a-z-]+):(\d+)/g, (match, auth, host, port) => {
        const credentials = auth === undefined ? "" : `${auth}@`;
        if (host === "postgres") return `//${credentials}${new URL(postgres.url).host}`;
        if (host === "redis") return `//${credentials}${new URL(redis.url).host}`;
        if (host in composePorts && Number(port) === composePorts[host]) {
          return `//${credentials}127.0.0.1:${ports[host as App]}`;
        }
        return match;
      });
    const environment = { ...service(app).environment };
    for (const [key, value] of Object.entries(environment)) environment[key] = swap(value);
    environment[PORT_VARIABLE[app]] = String(ports[app]);
    const args = Object.entries(environment).flatMap(([key, value]) => [
      "--env",
      `${key}=${value}`,
    ]);
    // The compose health check, pointed at the port the service got here.
    const test = service(app).healthcheck?.test;
    if (test !== undefined && test[0] === "CMD") {
      const composePort = composePorts[app];
      const command = test
        .slice(1)
        .map((part) => part.replaceAll(`127.0.0.1:${composePort}`, `127.0.0.1:${ports[app]}`));
      args.push(
        "--health-cmd",
        command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" "),
      );
      args.push("--health-interval", "2s");
    }
    return args;
  }

  it("starts every app service in depends_on order; each becomes healthy and answers", async () => {
    await withLogs(ids as Record<string, string>, async () => {
      // depends_on: gamemaster ← postgres, redis; rtm ← engine; lobby ← gamemaster.
      for (const app of ["engine-stub", "rtm-stub", "gamemaster", "lobby-stub"] as const) {
        for (const [dependency, { condition }] of Object.entries(service(app).depends_on ?? {})) {
          const id = ids[dependency as App];
          if (condition === "service_healthy" && id !== undefined) {
            await waitHealthy(id, dependency, 60_000);
          }
        }
        ids[app] = await run(`compose-${app}`, imageTag(app), hostEnvironment(app));
      }
      for (const app of APPS) {
        const id = ids[app];
        if (id === undefined) throw new Error(`${app} not started`);
        await waitHealthy(id, app, 60_000);
      }
      const ready = await fetch(`http://127.0.0.1:${ports.gamemaster}/readyz`);
      expect(ready.status).toBe(200);
      // The lobby stub reaches GM through the translated LOBBY_STUB_GM_BASE_URL.
      const lobby = await fetch(`http://127.0.0.1:${ports["lobby-stub"]}/healthz`);
      expect(lobby.status).toBe(200);
    });
  });

  it("stops like `docker compose down`: every service exits 0 within its grace period", async () => {
    for (const app of ["lobby-stub", "gamemaster", "rtm-stub", "engine-stub"] as const) {
      const id = ids[app];
      if (id === undefined) throw new Error(`${app} not started`);
      const grace = Number.parseInt(service(app).stop_grace_period ?? "10s", 10);
      const { exitCode, ms } = await stop(id, grace);
      expect(exitCode, app).toBe(0);
      expect(ms, app).toBeLessThan(grace * 1000);
    }
  });
});
