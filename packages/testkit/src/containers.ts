import { hostname } from "node:os";
import { describeError } from "./errors.js";
import { freePort } from "./ports.js";

/** Image of the PostgreSQL test container; built locally by `scripts/ensure-docker.sh`. */
export const DEFAULT_TEST_POSTGRES_IMAGE = "galaxy-local/postgres:15-bookworm";
/** Image of the Redis test container; built locally by `scripts/ensure-docker.sh`. */
export const DEFAULT_TEST_REDIS_IMAGE = "galaxy-local/redis:7-bookworm";

/** Label on every container the testkit starts; its value is `<hostname>:<pid>` of the owner. */
export const TESTKIT_CONTAINER_LABEL = "org.galaxy.testkit.owner";

/** A server in a container started by testcontainers. */
export interface TestServerContainer {
  /** Connection URL on the host (`127.0.0.1`, host networking). */
  url: string;
  /** The image it runs. */
  image: string;
  /** Container id. */
  id: string;
  /** Stops and removes the container; safe to call twice. */
  stop(): Promise<void>;
}

type Kind = "PostgreSQL" | "Redis";

interface Recipe {
  kind: Kind;
  image: string;
  command: (port: number) => string[];
  ready: string;
  url: (port: number) => string;
  urlVariable: string;
}

function imageFor(variable: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable]?.trim();
  return value === undefined || value === "" ? fallback : value;
}

// Ryuk (testcontainers' reaper) is an image from Docker Hub, which a machine without a registry
// cannot pull; the testkit removes its own containers instead (stop(), and removeStaleContainers
// for owners that died). An explicit TESTCONTAINERS_RYUK_DISABLED=false keeps Ryuk.
// The containers share the host's network, so they are on 127.0.0.1 — also when this process
// itself runs in a container, where testcontainers would otherwise look for the "bridge"
// network's gateway (engines started with --bridge=none have none).
function prepareTestcontainersEnv(dockerHost: string | undefined): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  if (dockerHost !== undefined) {
    process.env.DOCKER_HOST ??= dockerHost;
  }
}

async function startServer(
  recipe: Recipe,
  dockerHost: string | undefined,
): Promise<TestServerContainer> {
  prepareTestcontainersEnv(dockerHost);
  const port = await freePort();
  try {
    const { GenericContainer, Wait } = await import("testcontainers");
    // Host networking: engines started with --bridge=none (scripts/ensure-docker.sh) have no
    // port mapping, and the host's own servers keep their ports, so each container gets a free one.
    const container = await new GenericContainer(recipe.image)
      .withNetworkMode("host")
      .withCommand(recipe.command(port))
      .withLabels({ [TESTKIT_CONTAINER_LABEL]: `${hostname()}:${process.pid}` })
      .withWaitStrategy(Wait.forLogMessage(recipe.ready))
      .withStartupTimeout(60_000)
      .start();
    let stopped: Promise<void> | undefined;
    return {
      url: recipe.url(port),
      image: recipe.image,
      id: container.getId(),
      stop() {
        stopped ??= container.stop({ timeout: 5_000, remove: true }).then(() => {});
        return stopped;
      },
    };
  } catch (error) {
    throw new Error(
      `${recipe.kind} test container (${recipe.image}) did not start: ${describeError(error)}. ` +
        "Build the local images with `bash scripts/ensure-docker.sh`, or set " +
        `${recipe.urlVariable} (or GALAXY_TEST_DOCKER=0) to use a server of your own`,
      { cause: error },
    );
  }
}

/**
 * Starts PostgreSQL (`GALAXY_TEST_POSTGRES_IMAGE`, default {@link DEFAULT_TEST_POSTGRES_IMAGE})
 * with testcontainers on host networking and a free port; the `postgres` role has trust auth.
 */
export function startPostgresContainer(
  dockerHost?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestServerContainer> {
  return startServer(
    {
      kind: "PostgreSQL",
      image: imageFor("GALAXY_TEST_POSTGRES_IMAGE", DEFAULT_TEST_POSTGRES_IMAGE, env),
      command: (port) => ["-p", String(port)],
      ready: "database system is ready to accept connections",
      url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
      urlVariable: "GALAXY_TEST_POSTGRES_URL",
    },
    dockerHost,
  );
}

/**
 * Starts Redis (`GALAXY_TEST_REDIS_IMAGE`, default {@link DEFAULT_TEST_REDIS_IMAGE}) with
 * testcontainers on host networking and a free port.
 */
export function startRedisContainer(
  dockerHost?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestServerContainer> {
  return startServer(
    {
      kind: "Redis",
      image: imageFor("GALAXY_TEST_REDIS_IMAGE", DEFAULT_TEST_REDIS_IMAGE, env),
      command: (port) => ["--port", String(port)],
      ready: "Ready to accept connections",
      url: (port) => `redis://127.0.0.1:${port}/0`,
      urlVariable: "GALAXY_TEST_REDIS_URL",
    },
    dockerHost,
  );
}

function ownerAlive(owner: string): boolean {
  const separator = owner.lastIndexOf(":");
  const host = owner.slice(0, separator);
  const pid = Number(owner.slice(separator + 1));
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) {
    return true; // another machine's, or not ours to judge
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}

/**
 * Removes testkit containers whose owning process on this machine is gone (a run killed before
 * its teardown). Returns how many it removed.
 */
export async function removeStaleContainers(dockerHost?: string): Promise<number> {
  prepareTestcontainersEnv(dockerHost);
  const { getContainerRuntimeClient } = await import("testcontainers");
  const client = await getContainerRuntimeClient();
  const containers = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [TESTKIT_CONTAINER_LABEL] },
  });
  let removed = 0;
  for (const info of containers) {
    const owner = info.Labels[TESTKIT_CONTAINER_LABEL] ?? "";
    if (!ownerAlive(owner)) {
      await client.container.dockerode
        .getContainer(info.Id)
        .remove({ force: true })
        .then(() => removed++)
        .catch(() => {});
    }
  }
  return removed;
}
