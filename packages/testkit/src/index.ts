export {
  DEFAULT_TEST_POSTGRES_IMAGE,
  DEFAULT_TEST_REDIS_IMAGE,
  removeStaleContainers,
  startPostgresContainer,
  startRedisContainer,
  TESTKIT_CONTAINER_LABEL,
  type TestServerContainer,
} from "./containers.js";
export { dockerAvailable, dockerHost, dockerSwitch, PROJECT_DOCKER_SOCKET } from "./docker.js";
export {
  createIsolatedDatabase,
  createIsolatedRedis,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "./isolation.js";
export { freePort } from "./ports.js";
export {
  assertPostgresReachable,
  assertRedisReachable,
  DEFAULT_TEST_POSTGRES_URL,
  DEFAULT_TEST_REDIS_URL,
  envUrl,
  noDockerMessage,
  postgresServerUrl,
  redisServerUrl,
  stopTestServers,
} from "./servers.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { setup as vitestGlobalSetup } from "./vitest-global-setup.js";
