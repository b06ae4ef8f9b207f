import {
  removeStaleContainers,
  startPostgresContainer,
  startRedisContainer,
  type TestServerContainer,
} from "./containers.js";
import { dockerHost, dockerSwitch } from "./docker.js";
import { redactUrl } from "./errors.js";
import { envUrl, noDockerMessage } from "./servers.js";

/**
 * vitest `globalSetup`: one PostgreSQL and one Redis container for the whole run instead of one
 * pair per test file. It runs once in vitest's main process, before any worker starts, and hands
 * the servers to the workers as `GALAXY_TEST_POSTGRES_URL` / `GALAXY_TEST_REDIS_URL` (workers
 * inherit its environment), which {@link postgresServerUrl} and {@link redisServerUrl} take as
 * the explicit choice. Does nothing for a server the environment already names, or when no Docker
 * engine answers (the workers then use the local servers) — unless `GALAXY_TEST_DOCKER=1`, which
 * makes a missing engine an error. Returns the teardown that stops what it started.
 */
export async function setup(): Promise<(() => Promise<void>) | undefined> {
  const wantPostgres = envUrl("GALAXY_TEST_POSTGRES_URL") === undefined;
  const wantRedis = envUrl("GALAXY_TEST_REDIS_URL") === undefined;
  if (!wantPostgres && !wantRedis) {
    return undefined;
  }
  const host = await dockerHost();
  if (host === undefined) {
    if (dockerSwitch() === "required") {
      throw new Error(noDockerMessage());
    }
    return undefined;
  }
  const started = Date.now();
  await removeStaleContainers(host);
  const results = await Promise.allSettled([
    wantPostgres ? startPostgresContainer(host) : Promise.resolve(undefined),
    wantRedis ? startRedisContainer(host) : Promise.resolve(undefined),
  ]);
  const containers = results
    .map((result) => (result.status === "fulfilled" ? result.value : undefined))
    .filter((container): container is TestServerContainer => container !== undefined);
  const teardown = async () => {
    await Promise.all(containers.map((container) => container.stop()));
  };
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    await teardown();
    throw failure.reason;
  }
  const [postgres, redis] = results.map((result) =>
    result.status === "fulfilled" ? result.value : undefined,
  );
  if (postgres !== undefined) process.env.GALAXY_TEST_POSTGRES_URL = postgres.url;
  if (redis !== undefined) process.env.GALAXY_TEST_REDIS_URL = redis.url;
  process.env.GALAXY_TEST_SERVERS = "testcontainers";
  const described = containers.map(
    (container) => `${container.image} at ${redactUrl(container.url)}`,
  );
  console.log(
    `testkit: testcontainers on ${host}: ${described.join(", ")} (${Date.now() - started} ms)`,
  );
  return teardown;
}
