import type { OpSource } from "../domain/operation.js";
import type { Logger } from "../ports/logger.js";

/**
 * Who asked for an operation and where to log about it. Built by the HTTP
 * layer from `X-Op-Source` / `X-Source-Ref` and the request logger, or by a
 * worker for its own operations.
 */
export interface OperationContext {
  opSource: OpSource;
  /** Opaque caller reference (request id, admin user id); '' when absent. */
  sourceRef: string;
  /** Logger already bound to the request (request_id, game_id). */
  logger: Logger;
}
