import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it, vi } from "vitest";
import { ERROR_CODES, ERROR_STATUS } from "./codes.js";
import { GalaxyError } from "./galaxy-error.js";
import { createErrorHandler, type ErrorLogger, notFoundHandler } from "./hono.js";
import { validationHook } from "./zod.js";

function silentLogger() {
  return { error: vi.fn<(obj: object, msg?: string) => void>() };
}

function plainApp(logger: ErrorLogger = silentLogger()): Hono {
  const app = new Hono();
  app.onError(createErrorHandler({ logger }));
  app.notFound(notFoundHandler);
  return app;
}

const MemberSchema = z.strictObject({
  user_id: z.string().min(1),
  race_name: z.string().min(1),
});

const RegisterSchema = z.strictObject({
  engine_endpoint: z.string().url(),
  members: z.array(MemberSchema).min(1, "must not be empty"),
});

function openApiApp(): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.onError(createErrorHandler({ logger: silentLogger() }));
  app.notFound(notFoundHandler);
  const route = createRoute({
    method: "post",
    path: "/games/{game_id}/runtime",
    request: {
      params: z.object({ game_id: z.string().regex(/^g-/, "must start with g-") }),
      query: z.object({ limit: z.coerce.number().int().max(10).optional() }),
      body: { content: { "application/json": { schema: RegisterSchema } }, required: true },
    },
    responses: { 200: { description: "ok" } },
  });
  app.openapi(route, (c) => c.json({ ok: true, members: c.req.valid("json").members.length }, 200));
  return app;
}

async function body(response: Response): Promise<{ error: { code: string; message: string } }> {
  return (await response.json()) as { error: { code: string; message: string } };
}

interface RequestTarget {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

function post(app: RequestTarget, path: string, payload: string): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
    }),
  );
}

describe("createErrorHandler", () => {
  it.each(ERROR_CODES)("answers GalaxyError %s with its status and envelope", async (code) => {
    const app = plainApp();
    app.get("/boom", () => {
      throw new GalaxyError(code, `something about ${code}`);
    });
    const response = await app.request("/boom");
    expect(response.status).toBe(ERROR_STATUS[code]);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await body(response)).toEqual({
      error: { code, message: `something about ${code}` },
    });
  });

  it("answers an unknown error with 500 internal_error and no stack or cause text", async () => {
    const logger = silentLogger();
    const app = plainApp(logger);
    app.get("/boom", () => {
      throw new Error("password=hunter2 at /srv/app/secret.ts:12", {
        cause: new Error("db down"),
      });
    });
    const response = await app.request("/boom");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: "internal_error", message: "internal error" },
    });
    expect(text).not.toMatch(/hunter2|secret\.ts|db down|at /);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]?.[0]).toMatchObject({ path: "/boom", method: "GET" });
  });

  it("never leaks the cause of a GalaxyError, and logs an internal_error", async () => {
    const logger = silentLogger();
    const app = plainApp(logger);
    app.get("/boom", () => {
      throw new GalaxyError("internal_error", "internal error", {
        cause: new Error("relation runtime_records does not exist"),
      });
    });
    const response = await app.request("/boom");
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("runtime_records");
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it("maps HTTPException by status", async () => {
    const app = plainApp();
    app.get("/:status", (c) => {
      throw new HTTPException(Number(c.req.param("status")) as 400, { message: "Nope" });
    });
    const expectations: Array<[number, number, string, string]> = [
      [400, 400, "invalid_request", "invalid request: nope"],
      [401, 403, "forbidden", "Nope"],
      [404, 404, "not_found", "Nope"],
      [409, 409, "conflict", "Nope"],
      [415, 400, "invalid_request", "invalid request: nope"],
      [503, 503, "service_unavailable", "internal error"],
      [500, 500, "internal_error", "internal error"],
    ];
    for (const [thrown, status, code, message] of expectations) {
      const response = await app.request(`/${thrown}`);
      expect(response.status, `HTTPException ${thrown}`).toBe(status);
      expect(await body(response)).toEqual({ error: { code, message } });
    }
  });

  it("answers a body over the limit with invalid_request", async () => {
    const app = plainApp();
    app.post("/upload", bodyLimit({ maxSize: 8 }), (c) => c.text("ok"));
    const response = await post(app, "/upload", JSON.stringify({ too: "large for eight bytes" }));
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: { code: "invalid_request", message: "request body too large" },
    });
  });
});

describe("notFoundHandler", () => {
  it("answers an unknown route with the 404 not_found envelope", async () => {
    const response = await plainApp().request("/nowhere", { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(await body(response)).toEqual({
      error: { code: "not_found", message: "no route for DELETE /nowhere" },
    });
  });
});

describe("validationHook as OpenAPIHono defaultHook", () => {
  const valid = {
    engine_endpoint: "http://engine:8080",
    members: [{ user_id: "u1", race_name: "Zorg" }],
  };

  it("lets a valid request through", async () => {
    const response = await post(openApiApp(), "/games/g-1/runtime", JSON.stringify(valid));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, members: 1 });
  });

  it("rejects an unknown body field with invalid_request naming it", async () => {
    const response = await post(
      openApiApp(),
      "/games/g-1/runtime",
      JSON.stringify({ ...valid, actor: "Zorg" }),
    );
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: { code: "invalid_request", message: 'invalid request: unknown field "actor"' },
    });
  });

  it("names nested fields, custom messages and missing values", async () => {
    const response = await post(
      openApiApp(),
      "/games/g-1/runtime",
      JSON.stringify({ members: [{ user_id: "u1", race: "x" }] }),
    );
    expect(response.status).toBe(400);
    const { error } = await body(response);
    expect(error.code).toBe("invalid_request");
    expect(error.message).toMatch(/^invalid request: /);
    expect(error.message).toContain("engine_endpoint: required");
    expect(error.message).toContain("members.0.race_name: required");
    expect(error.message).toContain('unknown field "members.0.race"');
  });

  it("names an empty array with the schema's message", async () => {
    const response = await post(
      openApiApp(),
      "/games/g-1/runtime",
      JSON.stringify({ ...valid, members: [] }),
    );
    expect(await body(response)).toEqual({
      error: { code: "invalid_request", message: "invalid request: members: must not be empty" },
    });
  });

  it("rejects malformed JSON with invalid_request", async () => {
    const response = await post(openApiApp(), "/games/g-1/runtime", '{"members": [');
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: {
        code: "invalid_request",
        message: "invalid request: malformed JSON in request body",
      },
    });
  });

  it("rejects a body that is not an object", async () => {
    const response = await post(openApiApp(), "/games/g-1/runtime", "42");
    expect(response.status).toBe(400);
    const { error } = await body(response);
    expect(error.code).toBe("invalid_request");
    expect(error.message).toMatch(/^invalid request: .*expected object/);
  });

  it("rejects invalid path and query parameters naming them", async () => {
    const app = openApiApp();
    const badParam = await post(app, "/games/x-1/runtime", JSON.stringify(valid));
    expect(badParam.status).toBe(400);
    expect((await body(badParam)).error.message).toBe(
      "invalid request: game_id: must start with g-",
    );
    const badQuery = await post(app, "/games/g-1/runtime?limit=99", JSON.stringify(valid));
    expect(badQuery.status).toBe(400);
    expect((await body(badQuery)).error.message).toMatch(/^invalid request: limit: /);
  });
});

describe("validationHook: text that cannot be stored", () => {
  const valid = {
    engine_endpoint: "http://engine:8080",
    members: [{ user_id: "u1", race_name: "Zorg" }],
  };

  it("refuses a NUL in a body string that passed its schema, naming the field", async () => {
    const response = await post(
      openApiApp(),
      "/games/g-1/runtime",
      JSON.stringify({ ...valid, members: [{ user_id: "u1", race_name: "a\u0000b" }] }),
    );
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: {
        code: "invalid_request",
        message: "invalid request: members.0.race_name: must not contain NUL characters",
      },
    });
  });

  it("refuses lone surrogates sent as JSON escapes", async () => {
    const response = await post(
      openApiApp(),
      "/games/g-1/runtime",
      '{"engine_endpoint":"http://engine:8080","members":[{"user_id":"\\udfff\\ud800","race_name":"Zorg"}]}',
    );
    expect(response.status).toBe(400);
    expect((await body(response)).error.message).toBe(
      "invalid request: members.0.user_id: must not contain unpaired UTF-16 surrogates",
    );
  });

  it("applies to every target, headers included (a stored X-Source-Ref)", async () => {
    const app = new Hono();
    app.get(
      "/",
      (c) =>
        validationHook(
          { target: "header", success: true, data: { "x-source-ref": "a\u0000" } },
          c,
        ) ?? c.text("ok"),
    );
    const response = await app.request("/");
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: {
        code: "invalid_request",
        message: "invalid request: x-source-ref: must not contain NUL characters",
      },
    });
  });

  it("refuses a percent-encoded NUL in a path parameter", async () => {
    const app = new OpenAPIHono({ defaultHook: validationHook });
    app.onError(createErrorHandler({ logger: silentLogger() }));
    const route = createRoute({
      method: "get",
      path: "/versions/{version}",
      request: { params: z.object({ version: z.string().min(1) }) },
      responses: { 200: { description: "ok" } },
    });
    app.openapi(route, (c) => c.json({ version: c.req.valid("param").version }, 200));
    const response = await app.request("/versions/1.0%00");
    expect(response.status).toBe(400);
    expect((await body(response)).error.message).toBe(
      "invalid request: version: must not contain NUL characters",
    );
    expect((await app.request("/versions/1.0.0")).status).toBe(200);
  });
});

describe("typing", () => {
  it("fits apps with their own Env", async () => {
    type AppEnv = { Variables: { requestId: string } };
    const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
    app.onError(createErrorHandler());
    app.notFound(notFoundHandler);
    const response = await app.request("/missing");
    expect(response.status).toBe(404);
  });
});
