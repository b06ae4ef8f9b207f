import type { Context } from "hono";
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { type ApiFetch, type ApiResult, GameMasterApi, type RuntimeListJson } from "./api.js";
import { CONSOLE_CSS, CONSOLE_JS, REFRESH_INTERVAL_MS } from "./assets.js";
import { ConsoleData } from "./data.js";
import {
  ConfirmPage,
  EngineVersionsPage,
  GamePage,
  NotFoundPage,
  OverviewPage,
  type PendingAction,
  RuntimesPage,
} from "./pages.js";
import { CONSOLE_BASE, consoleHref, FRAGMENT_HEADER, gameHref } from "./views.js";

/** Options of {@link createConsoleApp}. */
export interface ConsoleOptions {
  /** Reaches Game Master's REST API (in-process `app.request` when mounted by createApp). */
  fetch: ApiFetch;
  /** How often pages refresh their data; default 5 s. */
  refreshMs?: number;
  now?: () => Date;
}

/** Upcoming activations shown on the game page. */
const ACTIVATIONS_SHOWN = 5;
/** Operation-history entries per page of the game page. */
const OPERATIONS_SHOWN = 20;

type ActionName = "force" | "stop" | "patch" | "banish";
const ACTIONS: readonly ActionName[] = ["force", "stop", "patch", "banish"];

function isAction(value: string | undefined): value is ActionName {
  return ACTIONS.includes(value as ActionName);
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * The operator console: server-rendered pages (Hono JSX) over Game Master's
 * own REST API, plus one small script that refreshes the live part of each
 * page. Every action is a plain form: a GET to a confirmation page, then a
 * POST that the console turns into the REST call (with `X-Op-Source:
 * admin_rest`), so the console works with the keyboard alone and without
 * JavaScript. Cross-site form posts are refused (hono/csrf).
 */
export function createConsoleApp(options: ConsoleOptions): Hono {
  const data = new ConsoleData({
    api: new GameMasterApi(options.fetch),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const api = data.api;
  const refreshMs = options.refreshMs ?? REFRESH_INTERVAL_MS;
  const app = new Hono();
  const isFragment = (c: Context) => c.req.header(FRAGMENT_HEADER) === "live";

  app.use("*", csrf());
  app.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
    // Pages never need anything from elsewhere; say so to the browser too.
    c.res.headers.set(
      "content-security-policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    );
    c.res.headers.set("x-content-type-options", "nosniff");
  });

  app.get("/assets/console.css", (c) =>
    c.body(CONSOLE_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "max-age=300",
    }),
  );
  app.get("/assets/console.js", (c) =>
    c.body(CONSOLE_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "max-age=300",
    }),
  );

  app.get("/", async (c) => {
    const overview = await data.overview();
    return c.html(<OverviewPage data={overview} refreshMs={refreshMs} fragment={isFragment(c)} />);
  });

  app.get("/runtimes", async (c) => {
    // The filters are internalListRuntimes' own; its cursor carries them from page to page.
    const query = {
      status: optional(c.req.query("status")),
      engineVersion: optional(c.req.query("engine_version")),
      gameId: optional(c.req.query("game_id")),
      cursor: optional(c.req.query("cursor")),
    };
    let result: ApiResult<RuntimeListJson>;
    if (query.gameId !== undefined) {
      const one = await api.getRuntime(query.gameId);
      result = one.ok
        ? { ok: true, status: 200, data: { items: [one.data], next_cursor: null } }
        : one;
    } else {
      result = await api.listRuntimes({
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.engineVersion === undefined ? {} : { engineVersion: query.engineVersion }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        limit: 50,
      });
    }
    const versions = await api.listEngineVersions();
    return c.html(
      <RuntimesPage
        query={query}
        result={result}
        versions={versions.ok ? versions.data.items.map((v) => v.version) : []}
        refreshMs={refreshMs}
        fragment={isFragment(c)}
      />,
    );
  });

  const renderGame = async (
    c: Context,
    gameId: string,
    extra: { refused?: ApiResult<unknown>; refusedWhat?: string; status?: number } = {},
  ) => {
    const cursor = optional(c.req.query("ops_cursor"));
    const opKind = optional(c.req.query("ops_kind"));
    const game = await data.game(gameId, {
      activations: ACTIVATIONS_SHOWN,
      operationsLimit: OPERATIONS_SHOWN,
      ...(cursor === undefined ? {} : { operationsCursor: cursor }),
      ...(opKind === undefined ? {} : { opKind }),
    });
    const status = extra.status ?? (game.runtime.ok ? 200 : game.runtime.status);
    return c.html(
      <GamePage
        gameId={gameId}
        data={game}
        done={optional(c.req.query("done"))}
        refused={extra.refused}
        refusedWhat={extra.refusedWhat}
        opKind={opKind}
        opsCursor={cursor}
        refreshMs={refreshMs}
        fragment={isFragment(c)}
      />,
      status as 200,
    );
  };

  app.get("/games/:gameId", (c) => renderGame(c, c.req.param("gameId")));

  app.get("/games/:gameId/confirm", async (c) => {
    const gameId = c.req.param("gameId");
    const action = c.req.query("action");
    if (!isAction(action)) return c.redirect(gameHref(gameId), 303);
    const pending = describeAction(gameId, action, {
      reason: text(c.req.query("reason")),
      version: text(c.req.query("version")),
      race: text(c.req.query("race")),
    });
    return c.html(<ConfirmPage pending={pending} page="game" />);
  });

  app.post("/games/:gameId/actions/:action", async (c) => {
    const gameId = c.req.param("gameId");
    const action = c.req.param("action");
    if (!isAction(action)) return c.redirect(gameHref(gameId), 303);
    const form = await c.req.parseBody();
    let result: ApiResult<unknown>;
    switch (action) {
      case "force":
        result = await api.forceNextTurn(gameId);
        break;
      case "stop":
        result = await api.stop(gameId, text(form.reason));
        break;
      case "patch":
        result = await api.patch(gameId, text(form.version));
        break;
      case "banish":
        result = await api.banish(gameId, text(form.race));
        break;
    }
    if (result.ok) return c.redirect(gameHref(gameId, { done: action }), 303);
    return renderGame(c, gameId, {
      refused: result,
      refusedWhat: `${ACTION_TITLES[action]} was refused`,
      status: result.status,
    });
  });

  const renderVersions = async (
    c: Context,
    extra: {
      refused?: ApiResult<unknown>;
      status?: number;
      form?: { version: string; image_ref: string; options: string };
    } = {},
  ) => {
    const { rows, truncated } = await data.engineVersions();
    return c.html(
      <EngineVersionsPage
        rows={rows}
        truncated={truncated}
        done={optional(c.req.query("done"))}
        refused={extra.refused}
        form={extra.form ?? { version: "", image_ref: "", options: "" }}
        refreshMs={refreshMs}
        fragment={isFragment(c)}
      />,
      (extra.status ?? 200) as 200,
    );
  };

  app.get("/engine-versions", (c) => renderVersions(c));

  app.post("/engine-versions", async (c) => {
    const form = await c.req.parseBody();
    const entered = {
      version: text(form.version),
      image_ref: text(form.image_ref),
      options: text(form.options),
    };
    let options: Record<string, unknown> | undefined;
    if (entered.options !== "") {
      try {
        options = JSON.parse(entered.options) as Record<string, unknown>;
      } catch (error) {
        return renderVersions(c, {
          refused: {
            ok: false,
            status: 400,
            code: "invalid_request",
            message: `options: not JSON (${error instanceof Error ? error.message : String(error)})`,
          },
          status: 400,
          form: entered,
        });
      }
    }
    const result = await api.createEngineVersion({
      version: entered.version,
      image_ref: entered.image_ref,
      ...(options === undefined ? {} : { options }),
    });
    if (result.ok) return c.redirect(consoleHref("/engine-versions", { done: "created" }), 303);
    return renderVersions(c, { refused: result, status: result.status, form: entered });
  });

  app.get("/engine-versions/confirm", (c) => {
    const version = text(c.req.query("version"));
    const pending: PendingAction = {
      action: "deprecate",
      fields: { version },
      question: `Deprecate engine version ${version}?`,
      consequence:
        "A deprecated version no longer resolves: new games and patches cannot use it. Running games keep their image.",
      postTo: consoleHref("/engine-versions/deprecate"),
      cancelTo: consoleHref("/engine-versions"),
      danger: true,
    };
    return c.html(<ConfirmPage pending={pending} page="engine-versions" />);
  });

  app.post("/engine-versions/deprecate", async (c) => {
    const form = await c.req.parseBody();
    const result = await api.deprecateEngineVersion(text(form.version));
    if (result.ok) return c.redirect(consoleHref("/engine-versions", { done: "deprecated" }), 303);
    return renderVersions(c, { refused: result, status: result.status });
  });

  app.all("*", (c) => {
    if (c.req.method === "GET" && c.req.path === `${CONSOLE_BASE}/`)
      return c.redirect(CONSOLE_BASE, 301);
    return c.html(<NotFoundPage path={c.req.path} />, 404);
  });

  return app;
}

const ACTION_TITLES: Readonly<Record<ActionName, string>> = {
  force: "Force next turn",
  stop: "Stop",
  patch: "Patch",
  banish: "Banish",
};

function describeAction(
  gameId: string,
  action: ActionName,
  input: { reason: string; version: string; race: string },
): PendingAction {
  const postTo = `${gameHref(gameId)}/actions/${action}`;
  const cancelTo = gameHref(gameId);
  switch (action) {
    case "force":
      return {
        action,
        fields: {},
        question: `Force the next turn of ${gameId} now?`,
        consequence:
          "The engine generates a turn immediately; the next regular activation is skipped, the one after generates.",
        postTo,
        cancelTo,
        danger: false,
      };
    case "stop":
      return {
        action,
        fields: { reason: input.reason },
        question: `Stop ${gameId} (reason ${input.reason})?`,
        consequence:
          "The Runtime Manager stops the engine container; the game is no longer scheduled. This cannot be undone.",
        postTo,
        cancelTo,
        danger: true,
      };
    case "patch":
      return {
        action,
        fields: { version: input.version },
        question: `Patch ${gameId} to engine version ${input.version}?`,
        consequence: "The Runtime Manager restarts the engine container on the new image.",
        postTo,
        cancelTo,
        danger: false,
      };
    case "banish":
      return {
        action,
        fields: { race: input.race },
        question: `Banish race ${input.race} from ${gameId}?`,
        consequence: "The engine removes the race from the game. This cannot be undone.",
        postTo,
        cancelTo,
        danger: true,
      };
  }
}
