export { dockerAvailable } from "./docker.js";
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
  postgresServerUrl,
  redisServerUrl,
} from "./servers.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
