import type { RestOpSource } from "../domain/operation.js";
import type { Logger } from "../ports/logger.js";
import type { OperationContext } from "../services/operation-context.js";

/** Per-request values the middlewares put on the Hono context. */
export interface AppVariables {
  requestId: string;
  /** Logger bound to request_id (and game_id when the path has one). */
  logger: Logger;
  opSource: RestOpSource;
  sourceRef: string;
  /** Set once a route handed the request to its service, which audits the outcome itself. */
  serviceReached?: boolean;
}

/** The Hono environment of the GM app. */
export interface AppEnv {
  Variables: AppVariables;
}

/** The service-layer view of a request. */
export function operationContext(c: {
  get<K extends keyof AppVariables>(key: K): AppVariables[K];
}): OperationContext {
  return { opSource: c.get("opSource"), sourceRef: c.get("sourceRef"), logger: c.get("logger") };
}
