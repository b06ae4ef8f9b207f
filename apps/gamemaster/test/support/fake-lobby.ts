import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

/** One roster row as Lobby serves it. */
export interface FakeLobbyMember {
  user_id: string;
  race_name: string;
  status: string;
}

/**
 * A tiny Lobby on a real socket serving only
 * `GET /api/v1/internal/games/{game_id}/memberships` (docs/reference.md#neighbour-contracts), with the
 * knobs GM's tests need: rosters, a call log, a delay and a failure switch.
 */
export interface FakeLobbyServer {
  url: string;
  rosters: Map<string, FakeLobbyMember[]>;
  /** Game ids of every memberships call, in order. */
  calls: string[];
  /** Answer this status (with an error envelope) instead of the roster. */
  failStatus: number | undefined;
  /** Delay before every answer. */
  delayMs: number;
  setRoster(gameId: string, members: [userId: string, raceName: string, status: string][]): void;
  /** Stops listening and drops open connections (Lobby down). */
  close(): Promise<void>;
}

/** Starts a {@link FakeLobbyServer} on 127.0.0.1 and a free port. */
export async function startFakeLobby(): Promise<FakeLobbyServer> {
  const app = new Hono();
  const state = {
    rosters: new Map<string, FakeLobbyMember[]>(),
    calls: [] as string[],
    failStatus: undefined as number | undefined,
    delayMs: 0,
  };
  app.get("/api/v1/internal/games/:gameId/memberships", async (c) => {
    const gameId = c.req.param("gameId");
    state.calls.push(gameId);
    if (state.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    }
    if (state.failStatus !== undefined) {
      return c.json(
        { error: { code: "internal_error", message: "fake lobby failure" } },
        state.failStatus as 500,
      );
    }
    const roster = state.rosters.get(gameId);
    if (roster === undefined) {
      return c.json({ error: { code: "not_found", message: "game not found" } }, 404);
    }
    return c.json({ memberships: roster });
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const instance = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ server: instance, port: (info as AddressInfo).port }),
      );
    },
  );
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    setRoster(gameId: string, members: [string, string, string][]) {
      state.rosters.set(
        gameId,
        members.map(([user_id, race_name, status]) => ({ user_id, race_name, status })),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  });
}
