import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig as loadGameMasterConfig } from "@galaxy/gamemaster";
import { loadConfig as loadLobbyConfig } from "@galaxy/lobby-stub";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// docker-compose.yml and the Dockerfile, checked statically: the services exist and are wired to
// each other by name and port, and every environment variable they set is one the app actually
// reads (a typo would silently fall back to a default). integration/container.int.test.ts builds
// and runs them for real.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const APP_SERVICES = ["gamemaster", "engine-stub", "rtm-stub", "lobby-stub"] as const;
type AppService = (typeof APP_SERVICES)[number];

/** The port variable of each app (docs/reference.md#configuration process conventions). */
const PORT_VARIABLE: Record<AppService, string> = {
  gamemaster: "GAMEMASTER_HTTP_PORT",
  "engine-stub": "ENGINE_STUB_HTTP_PORT",
  "rtm-stub": "RTM_STUB_HTTP_PORT",
  "lobby-stub": "LOBBY_STUB_HTTP_PORT",
};

interface ComposeService {
  image?: string;
  stop_grace_period?: string;
  deploy?: { replicas?: number | string };
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
}

const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, "utf8"), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const dockerfile = readFileSync(`${ROOT}apps/gamemaster/Dockerfile`, "utf8");

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function env(name: AppService): Record<string, string> {
  return service(name).environment ?? {};
}

/** Every http(s)/postgres/redis URL in a service's environment, as [variable, URL]. */
function urls(name: AppService): [string, URL][] {
  return Object.entries(env(name))
    .filter(([, value]) => /^[a-z]+:\/\//.test(value))
    .map(([key, value]) => [key, new URL(value)]);
}

describe("docker-compose.yml", () => {
  it("defines PostgreSQL 16, Redis 7, GM and the three stubs", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["engine-stub", "gamemaster", "lobby-stub", "postgres", "redis", "rtm-stub"].sort(),
    );
    expect(service("postgres").image).toBe("postgres:16");
    expect(service("redis").image).toBe("redis:7");
  });

  it.each(APP_SERVICES)(
    "builds %s with the workspace Dockerfile from the repository root",
    (name) => {
      const build = service(name).build;
      expect(build?.context).toBe(".");
      expect(build?.dockerfile).toBe("apps/gamemaster/Dockerfile");
      expect(build?.args?.APP).toBe(name);
      expect(existsSync(`${ROOT}apps/${name}/package.json`)).toBe(true);
    },
  );

  it.each(APP_SERVICES)("sets only environment variables %s reads", (name) => {
    const source = readFileSync(`${ROOT}apps/${name}/src/config.ts`, "utf8");
    const keys = Object.keys(env(name));
    expect(keys).toContain(PORT_VARIABLE[name]);
    for (const key of keys) {
      expect(source.includes(`${key}:`), `${name} does not read ${key}`).toBe(true);
    }
  });

  it("gives GM and the lobby stub configurations their own loaders accept", () => {
    const gm = loadGameMasterConfig(env("gamemaster"));
    expect(gm.httpPort).toBe(8080);
    const lobby = loadLobbyConfig(env("lobby-stub"));
    expect(lobby.httpPort).toBe(8092);
  });

  it.each(APP_SERVICES)("points %s's URLs at compose services on their listening ports", (name) => {
    for (const [key, url] of urls(name)) {
      const target = url.hostname;
      expect(Object.keys(compose.services), `${key} → ${target}`).toContain(target);
      const expectedPort =
        target === "postgres"
          ? "5432"
          : target === "redis"
            ? "6379"
            : env(target as AppService)[PORT_VARIABLE[target as AppService]];
      expect(url.port, `${key} port`).toBe(expectedPort);
    }
  });

  it("wires the services the way the stack runs them", () => {
    const gm = env("gamemaster");
    const postgres = service("postgres").environment ?? {};
    const gmDatabase = new URL(gm.GAMEMASTER_POSTGRES_URL ?? "");
    expect(gmDatabase.username).toBe(postgres.POSTGRES_USER);
    expect(gmDatabase.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(gmDatabase.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(new URL(gm.GAMEMASTER_LOBBY_BASE_URL ?? "").hostname).toBe("lobby-stub");
    expect(new URL(gm.GAMEMASTER_RTM_BASE_URL ?? "").hostname).toBe("rtm-stub");
    expect(new URL(env("lobby-stub").LOBBY_STUB_GM_BASE_URL ?? "").hostname).toBe("gamemaster");
    // GM calls the engine at the endpoint RTM hands out, so it must resolve on the network.
    expect(new URL(env("rtm-stub").RTM_STUB_ENGINE_BASE_URL ?? "").hostname).toBe("engine-stub");
    // The streams only meet if every Redis client uses the same server and database.
    const redisUrls = new Set([
      gm.GAMEMASTER_REDIS_URL,
      env("rtm-stub").RTM_STUB_REDIS_URL,
      env("lobby-stub").LOBBY_STUB_REDIS_URL,
    ]);
    expect(redisUrls.size).toBe(1);
  });

  it("starts GM only once PostgreSQL and Redis are healthy, and health-checks every service", () => {
    expect(service("gamemaster").depends_on).toMatchObject({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    for (const name of ["postgres", "redis", "engine-stub", "rtm-stub", "lobby-stub"]) {
      expect(service(name).healthcheck?.test, name).toBeDefined();
    }
    for (const name of ["engine-stub", "rtm-stub", "lobby-stub"] as const) {
      const probe = (service(name).healthcheck?.test ?? []).join(" ");
      expect(probe).toContain(`127.0.0.1:${env(name)[PORT_VARIABLE[name]]}/healthz`);
    }
  });

  it("gives GM a stop grace period above its shutdown timeout", () => {
    const shutdownMs = loadGameMasterConfig(env("gamemaster")).shutdownTimeoutMs;
    const grace = String(service("gamemaster").stop_grace_period);
    const graceMs = Number(/^(\d+)s$/.exec(grace)?.[1]) * 1000;
    expect(graceMs).toBeGreaterThan(shutdownMs);
  });

  it.each(APP_SERVICES)("publishes %s on the port it listens on", (name) => {
    const port = env(name)[PORT_VARIABLE[name]];
    // GM's replicas each take a host port of a range that starts at its own.
    const published =
      name === "gamemaster" ? `${port}-${Number(port) + 2}:${port}` : `${port}:${port}`;
    expect(service(name).ports).toEqual([published]);
  });

  it("scales GM with deploy.replicas (one by default)", () => {
    // Compose interpolation, not a template placeholder.
    const replicas = "$" + "{GAMEMASTER_REPLICAS:-1}";
    expect(service("gamemaster").deploy?.replicas).toBe(replicas);
  });
});

describe("apps/gamemaster/Dockerfile", () => {
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages = instructions.filter((line) => line.startsWith("FROM "));

  it("is multi-stage on node:20-bookworm-slim and needs no frontend image", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/m);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages.at(-1)).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/);
  });

  it("installs from the frozen lockfile, runs the workspace build and deploys the app with pnpm deploy", () => {
    expect(dockerfile).toContain("pnpm fetch --frozen-lockfile");
    expect(dockerfile).toContain("pnpm install --frozen-lockfile --offline");
    expect(instructions.some((line) => /&& pnpm build$/.test(line))).toBe(true);
    // Docker build-arg references, not template placeholders.
    const app = "$" + "{APP}";
    expect(dockerfile).toContain(
      `pnpm --filter "@galaxy/${app}" deploy --legacy --prod --prefer-offline /out`,
    );
    expect(dockerfile).toMatch(/^ARG APP=gamemaster$/m);
  });

  it('takes the proxy CA only as the "ca" build secret, in steps that download', () => {
    const withSecret = instructions.filter((line) => line.includes("--mount=type=secret,id=ca"));
    expect(withSecret.length).toBeGreaterThanOrEqual(3);
    for (const line of withSecret) expect(line).toContain("with-build-ca");
    expect(dockerfile).not.toMatch(/^(ARG|ENV)\s+NODE_EXTRA_CA_CERTS/m);
    expect(dockerfile).not.toMatch(/^COPY\b.*\.(crt|pem)\b/m);
  });

  it("runs dist/main.js as the non-root node user, exposes 8080 and health-checks /healthz", () => {
    const runtime = instructions.slice(instructions.indexOf(stages.at(-1) ?? ""));
    expect(runtime).toContain("COPY --from=deploy /out ./");
    expect(runtime).toContain("USER node");
    expect(runtime).toContain("EXPOSE 8080");
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/main.js"]');
    const healthcheck = runtime.find((line) => line.startsWith("HEALTHCHECK"));
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).toContain("GAMEMASTER_HTTP_PORT");
  });

  it("has a .dockerignore that keeps local installs and builds out of the context", () => {
    const ignore = readFileSync(`${ROOT}.dockerignore`, "utf8").split("\n");
    for (const pattern of ["**/node_modules", "**/dist", ".git"]) {
      expect(ignore).toContain(pattern);
    }
  });
});
