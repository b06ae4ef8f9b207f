import { createGameMasterClient, type GameMasterClient } from "@galaxy/gamemaster-client";

/**
 * The typed GM client the suites use for GM's internal operations (calls as `admin_rest`). The
 * hot path and anything whose raw status or headers a test asserts stay on `requestJson`.
 */
export function gmClient(baseUrl: string): GameMasterClient {
  return createGameMasterClient({ baseUrl, opSource: "admin_rest", timeoutMs: 15_000 });
}
