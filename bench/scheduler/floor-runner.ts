/**
 * The floor of `pnpm bench:scheduler`, in a process of its own: N engine `POST /admin/turn`
 * calls from a bare loop — `FLOOR_CONCURRENCY` workers over one undici keep-alive pool (the
 * client Game Master uses), no database, no Redis, no bookkeeping but two timestamps per call.
 *
 * Talks to the bench over the IPC channel: sends `{ready: true}`, receives `{t0: <epoch ms>}`,
 * sleeps until T0, runs the burst, sends `{starts, finishes, failures}` and stays alive (so the
 * bench can read its CPU and peak RSS) until the bench disconnects.
 */
import { Pool, request } from "undici";
import { gameIds } from "./common.js";

const engineUrl = process.env.FLOOR_ENGINE_URL ?? "http://127.0.0.1:8090";
const games = gameIds(Number(process.env.FLOOR_GAMES ?? 0));
const concurrency = Number(process.env.FLOOR_CONCURRENCY ?? 64);
const pool = new Pool(engineUrl, { connections: concurrency, pipelining: 1 });
const now = () => performance.timeOrigin + performance.now();

async function burst(t0: number) {
  await new Promise((done) => setTimeout(done, Math.max(0, t0 - Date.now())));
  const starts: number[] = [];
  const finishes: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, games.length) }, async () => {
      while (next < games.length) {
        const gameId = games[next] as string;
        next += 1;
        const started = now();
        try {
          const response = await request(`${engineUrl}/games/${gameId}/api/v1/admin/turn`, {
            method: "POST",
            dispatcher: pool,
            headers: { accept: "application/json" },
          });
          const body = await response.body.text();
          // The one check the floor makes: the engine generated turn 1 for this game.
          if (response.statusCode !== 200 || (JSON.parse(body) as { turn?: number }).turn !== 1) {
            throw new Error(`${gameId}: ${response.statusCode} ${body.slice(0, 200)}`);
          }
          starts.push(started);
          finishes.push(now());
        } catch (error) {
          failures += 1;
          firstError ??= String(error);
        }
      }
    }),
  );
  return { starts, finishes, failures, firstError };
}

process.once("message", (message) => {
  const { t0 } = message as { t0: number };
  void burst(t0).then((result) => process.send?.(result));
});
process.once("disconnect", () => {
  void pool.close().finally(() => process.exit(0));
});
process.send?.({ ready: true });
