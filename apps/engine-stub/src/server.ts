import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createEngineStubApp, type EngineStubOptions } from "./app.js";

/** Options of {@link startEngineStub}. */
export interface StartEngineStubOptions extends EngineStubOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
}

/** A running engine stub. */
export interface RunningEngineStub {
  /** Base URL, e.g. `http://127.0.0.1:40123`; a game's engine endpoint is `${url}/games/{id}`. */
  readonly url: string;
  readonly port: number;
  /** The engine endpoint of one game on this stub. */
  engineEndpoint(gameId: string): string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts the engine stub on a real socket (for other packages' tests and the local stack).
 * Resolves once the server listens.
 */
export function startEngineStub(options: StartEngineStubOptions = {}): Promise<RunningEngineStub> {
  const app = createEngineStubApp(options);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, (info) => {
      const { port } = info as AddressInfo;
      const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      const url = `http://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${port}`;
      server.off("error", reject);
      resolve({
        url,
        port,
        engineEndpoint: (gameId) => `${url}/games/${encodeURIComponent(gameId)}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}
