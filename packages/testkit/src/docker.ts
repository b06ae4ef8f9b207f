import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";

type DockerEndpoint = { url: string } & ({ socketPath: string } | { host: string; port: number });

/**
 * Socket of the engine `scripts/ensure-docker.sh` starts when no other answers
 * (`GALAXY_DOCKER_SOCKET` overrides it, as it does for the script).
 */
export const PROJECT_DOCKER_SOCKET = "/run/galaxy-docker.sock";

function dockerEndpoints(env: NodeJS.ProcessEnv): DockerEndpoint[] {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== "") {
    if (dockerHost.startsWith("unix://")) {
      return [{ url: dockerHost, socketPath: dockerHost.slice("unix://".length) }];
    }
    if (dockerHost.startsWith("tcp://") || dockerHost.startsWith("http://")) {
      const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
      return [{ url: dockerHost, host: url.hostname, port: Number(url.port || 2375) }];
    }
    return [];
  }
  const candidates = [
    "/var/run/docker.sock",
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "docker.sock") : undefined,
    join(homedir(), ".docker", "run", "docker.sock"),
    env.GALAXY_DOCKER_SOCKET || PROJECT_DOCKER_SOCKET,
  ];
  return candidates
    .filter((path): path is string => path !== undefined && existsSync(path))
    .map((socketPath) => ({ url: `unix://${socketPath}`, socketPath }));
}

function ping(endpoint: DockerEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { ...endpoint, path: "/_ping", method: "GET", timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** `GALAXY_TEST_DOCKER`: `0`/`false` turns Docker off, `1`/`true` makes it required. */
export function dockerSwitch(env: NodeJS.ProcessEnv = process.env): "off" | "required" | "detect" {
  const value = env.GALAXY_TEST_DOCKER?.trim().toLowerCase();
  if (value === "0" || value === "false") return "off";
  if (value === "1" || value === "true") return "required";
  return "detect";
}

/**
 * The first Docker endpoint (as a `DOCKER_HOST` URL) that answers `GET /_ping` within
 * `timeoutMs`: `DOCKER_HOST` when set (unix or tcp), else the usual sockets, then
 * {@link PROJECT_DOCKER_SOCKET}. `undefined` when none answers or `GALAXY_TEST_DOCKER=0`.
 */
export async function dockerHost(
  timeoutMs = 1_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (dockerSwitch(env) === "off") {
    return undefined;
  }
  for (const endpoint of dockerEndpoints(env)) {
    if (await ping(endpoint, timeoutMs)) {
      return endpoint.url;
    }
  }
  return undefined;
}

/**
 * Whether a Docker daemon answers (see {@link dockerHost}). `GALAXY_TEST_DOCKER=0` (or `false`)
 * turns Docker off.
 */
export async function dockerAvailable(
  timeoutMs = 1_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  return (await dockerHost(timeoutMs, env)) !== undefined;
}
