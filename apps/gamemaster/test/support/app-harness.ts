import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../../src/http/app.js";
import type { AppEnv } from "../../src/http/context.js";
import { EngineVersionService } from "../../src/services/engine-versions.js";
import { RegisterRuntimeService } from "../../src/services/register-runtime.js";
import { RuntimeQueryService } from "../../src/services/runtimes.js";
import {
  FakeClock,
  FakeEngine,
  MemoryEngineVersionStore,
  MemoryLobbyEvents,
  MemoryLogger,
  MemoryOperationLog,
  MemoryRuntimeStore,
  MemoryTelemetry,
} from "./fakes.js";

/** The GM app over in-memory fakes, for in-process route tests. */
export function createTestApp(options: { maxBodyBytes?: number; down?: string[] } = {}) {
  const clock = new FakeClock();
  const runtimes = new MemoryRuntimeStore();
  const versions = new MemoryEngineVersionStore(runtimes);
  const operationLog = new MemoryOperationLog();
  const lobbyEvents = new MemoryLobbyEvents();
  const engine = new FakeEngine();
  const logger = new MemoryLogger();
  const down = options.down ?? [];
  const app: OpenAPIHono<AppEnv> = createApp({
    services: {
      registerRuntime: new RegisterRuntimeService({
        runtimeRecords: runtimes,
        engineVersions: versions,
        playerMappings: runtimes,
        operationLog,
        engine,
        lobbyEvents,
        telemetry: new MemoryTelemetry(),
        clock,
      }),
      runtimes: new RuntimeQueryService({ runtimeRecords: runtimes }),
      engineVersions: new EngineVersionService({ engineVersions: versions, clock }),
    },
    logger,
    readiness: async () => ({ down }),
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    metrics: { contentType: "text/plain; version=0.0.4", render: async () => "# metrics\n" },
  });
  return { app, clock, runtimes, versions, operationLog, lobbyEvents, engine, logger };
}

/** JSON request helper for `app.request`. */
export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
