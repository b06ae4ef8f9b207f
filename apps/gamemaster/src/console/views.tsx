import type { Child, FC, PropsWithChildren } from "hono/jsx";
import type { ApiResult } from "./api.js";

/** The console's pages, for the navigation's current-page mark. */
export type ConsolePage = "overview" | "runtimes" | "game" | "engine-versions";

/** The header of the refresh script's polls (the server answers only the live part). */
export const FRAGMENT_HEADER = "x-console-fragment";

/** Where the console is mounted. */
export const CONSOLE_BASE = "/console";

/** A console URL with query parameters (empty values left out). */
export function consoleHref(
  path: string,
  params: Record<string, string | number | undefined> = {},
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return `${CONSOLE_BASE}${path === "/" ? "" : path}${text === "" ? "" : `?${text}`}`;
}

/** The game page of a game. */
export function gameHref(
  gameId: string,
  params: Record<string, string | number | undefined> = {},
): string {
  return consoleHref(`/games/${encodeURIComponent(gameId)}`, params);
}

const NAV: { page: ConsolePage; href: string; label: string }[] = [
  { page: "overview", href: consoleHref("/"), label: "Overview" },
  { page: "runtimes", href: consoleHref("/runtimes"), label: "Runtimes" },
  { page: "engine-versions", href: consoleHref("/engine-versions"), label: "Engine versions" },
];

/** The page frame: skip link, navigation, main landmark. */
export const Layout: FC<PropsWithChildren<{ title: string; page: ConsolePage }>> = (props) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${props.title} · Game Master console`}</title>
      <link rel="stylesheet" href={consoleHref("/assets/console.css")} />
      <script src={consoleHref("/assets/console.js")} defer />
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="inner">
          <a class="brand" href={consoleHref("/")}>
            Game Master console
          </a>
          <nav aria-label="Console">
            <ul>
              {NAV.map((item) => (
                <li>
                  <a href={item.href} aria-current={item.page === props.page ? "page" : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" tabindex={-1}>
        {props.children}
      </main>
    </body>
  </html>
);

/** The part of a page that refreshes itself (see assets.ts). */
export const Live: FC<PropsWithChildren<{ refreshMs: number; label: string; src: string }>> = (
  props,
) => (
  <>
    <p class="updated" id="updated" aria-live="off">
      Refreshes every {Math.round(props.refreshMs / 1000)} s
    </p>
    <section
      data-live=""
      data-live-src={props.src}
      data-refresh-ms={String(props.refreshMs)}
      aria-label={props.label}
    >
      {props.children}
    </section>
  </>
);

/** A refusal of the REST API, as the operator should read it: the envelope's code and message. */
export const Refusal: FC<{ result: ApiResult<unknown>; what: string }> = ({ result, what }) =>
  result.ok ? null : (
    <p class="notice error" role="alert">
      {what}: <code>{result.code}</code> — {result.message}
    </p>
  );

/** A status badge coloured by how much attention it needs. */
export const StatusBadge: FC<{ status: string }> = ({ status }) => {
  const tone =
    status === "generation_failed" || status === "engine_unreachable"
      ? "bad"
      : status === "running"
        ? "ok"
        : status === "generation_in_progress" || status === "starting"
          ? "warn"
          : "";
  return <span class={`badge ${tone}`}>{status}</span>;
};

/** A UTC timestamp, machine-readable in `<time>`. */
export const Time: FC<{ at: string | Date | null; empty?: string }> = ({ at, empty }) => {
  if (at === null) return <span class="muted">{empty ?? "—"}</span>;
  const date = typeof at === "string" ? new Date(at) : at;
  const iso = date.toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`}</time>;
};

/** "in 12 min" / "3 min ago" relative to now. */
export function relative(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const magnitude = Math.abs(seconds);
  const text =
    magnitude < 60
      ? `${magnitude} s`
      : magnitude < 3600
        ? `${Math.round(magnitude / 60)} min`
        : `${Math.round(magnitude / 360) / 10} h`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/** A table wrapped so that it scrolls sideways on a narrow screen instead of the page. */
export const Table: FC<PropsWithChildren<{ caption: Child; id?: string }>> = (props) => (
  <div class="table-wrap">
    <table id={props.id}>
      <caption>{props.caption}</caption>
      {props.children}
    </table>
  </div>
);
