import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  ENGINE_STUB_HTTP_PORT: port.default(8090),
  ENGINE_STUB_HTTP_HOST: z.string().min(1).default("0.0.0.0"),
  ENGINE_STUB_FINISH_AT_TURN: z.coerce.number().int().min(0).default(0),
  ENGINE_STUB_CALLS_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** The engine stub's configuration, read from the environment. */
export interface EngineStubConfig {
  port: number;
  host: string;
  finishAtTurn: number;
  callsLimit: number;
  logLevel: string;
}

/** Reads the configuration; throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineStubConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`invalid engine stub configuration: ${problems.join("; ")}`);
  }
  return {
    port: result.data.ENGINE_STUB_HTTP_PORT,
    host: result.data.ENGINE_STUB_HTTP_HOST,
    finishAtTurn: result.data.ENGINE_STUB_FINISH_AT_TURN,
    callsLimit: result.data.ENGINE_STUB_CALLS_LIMIT,
    logLevel: result.data.LOG_LEVEL,
  };
}
