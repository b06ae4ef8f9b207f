import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";

type DockerEndpoint = { socketPath: string } | { host: string; port: number };

function dockerEndpoints(env: NodeJS.ProcessEnv): DockerEndpoint[] {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== "") {
    if (dockerHost.startsWith("unix://")) {
      return [{ socketPath: dockerHost.slice("unix://".length) }];
    }
    if (dockerHost.startsWith("tcp://") || dockerHost.startsWith("http://")) {
      const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
      return [{ host: url.hostname, port: Number(url.port || 2375) }];
    }
    return [];
  }
  const candidates = [
    "/var/run/docker.sock",
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "docker.sock") : undefined,
    join(homedir(), ".docker", "run", "docker.sock"),
  ];
  return candidates
    .filter((path): path is string => path !== undefined && existsSync(path))
    .map((socketPath) => ({ socketPath }));
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

/**
 * Whether a Docker daemon answers `GET /_ping` within `timeoutMs` on `DOCKER_HOST` (unix or tcp)
 * or one of the usual sockets. `GALAXY_TEST_DOCKER=0` (or `false`) turns Docker off.
 */
export async function dockerAvailable(
  timeoutMs = 1_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const switchValue = env.GALAXY_TEST_DOCKER?.toLowerCase();
  if (switchValue === "0" || switchValue === "false") {
    return false;
  }
  for (const endpoint of dockerEndpoints(env)) {
    if (await ping(endpoint, timeoutMs)) {
      return true;
    }
  }
  return false;
}
