/**
 * Game Master's games, inserted directly into its tables in bulk. Only tables and columns that
 * every schema version has are used (`runtime_records`, `player_mappings`, `operation_log`), so
 * the bench keeps working while GM's internals change.
 */
import type pg from "pg";
import { RACES, userId } from "./common.js";

const BATCH = 1_000;

/** N running runtime records (not due yet: `next_generation_at` NULL) and their mappings. */
export async function insertGames(
  sql: pg.Pool,
  engineUrl: string,
  gameIds: readonly string[],
): Promise<void> {
  const now = new Date();
  for (let offset = 0; offset < gameIds.length; offset += BATCH) {
    const batch = gameIds.slice(offset, offset + BATCH);
    await sql.query(
      `INSERT INTO gamemaster.runtime_records
         (game_id, status, engine_endpoint, current_image_ref, current_engine_version, turn_schedule,
          current_turn, next_generation_at, skip_next_tick, engine_health, created_at, updated_at, started_at)
       SELECT id, 'running', $2 || '/games/' || id, 'galaxy/game:1.4.2', '1.4.2', '0 0 1 1 *',
              0, NULL, false, 'healthy', $3, $3, $3
       FROM unnest($1::text[]) AS id`,
      [batch, engineUrl, now],
    );
    const games: string[] = [];
    const users: string[] = [];
    const races: string[] = [];
    for (const gameId of batch) {
      RACES.forEach((race, index) => {
        games.push(gameId);
        users.push(userId(gameId, index));
        races.push(race);
      });
    }
    await sql.query(
      `INSERT INTO gamemaster.player_mappings (game_id, user_id, race_name, engine_player_uuid, created_at)
       SELECT g, u, r, g || ':' || r, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(g, u, r)`,
      [games, users, races, now],
    );
  }
}

/** Makes every game due at T0 in one statement: the running schedulers meet all N at once. */
export async function scheduleAll(sql: pg.Pool, t0: number): Promise<void> {
  await sql.query("UPDATE gamemaster.runtime_records SET next_generation_at = $1", [new Date(t0)]);
}

/** Turn-generation entries written so far: successful ones, and all (failures included). */
export async function turnsLogged(sql: pg.Pool): Promise<{ succeeded: number; logged: number }> {
  const result = await sql.query<{ succeeded: string; logged: string }>(
    `SELECT count(*) FILTER (WHERE outcome = 'success') AS succeeded, count(*) AS logged
     FROM gamemaster.operation_log WHERE op_kind = 'turn_generation'`,
  );
  return { succeeded: Number(result.rows[0]?.succeeded), logged: Number(result.rows[0]?.logged) };
}

/** Cutoff and outcome time of every successful turn (the operation log's own timestamps). */
export async function turnTimes(sql: pg.Pool) {
  const result = await sql.query<{ started_at: Date; finished_at: Date }>(
    `SELECT started_at, finished_at FROM gamemaster.operation_log
     WHERE op_kind = 'turn_generation' AND outcome = 'success'`,
  );
  return {
    starts: result.rows.map((row) => row.started_at.getTime()),
    finishes: result.rows.map((row) => row.finished_at.getTime()),
  };
}

/**
 * What a correct burst leaves behind: every game at turn 1, exactly one successful
 * turn-generation entry per game, no failure entry of any kind. Returns what is wrong.
 */
export async function verifyGames(sql: pg.Pool, games: number): Promise<string[]> {
  const problems: string[] = [];
  const records = await sql.query<{ total: string; at_one: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE current_turn = 1) AS at_one
     FROM gamemaster.runtime_records`,
  );
  const total = Number(records.rows[0]?.total);
  const atOne = Number(records.rows[0]?.at_one);
  if (total !== games || atOne !== games) {
    problems.push(`${atOne} of ${total} runtime records at current_turn 1 (expected ${games})`);
  }
  const once = await sql.query<{ logged: string; not_once: string }>(
    `SELECT count(*) AS logged, count(*) FILTER (WHERE n <> 1) AS not_once
     FROM (SELECT game_id, count(*) AS n FROM gamemaster.operation_log
           WHERE op_kind = 'turn_generation' AND outcome = 'success' GROUP BY game_id) AS per_game`,
  );
  const logged = Number(once.rows[0]?.logged);
  const notOnce = Number(once.rows[0]?.not_once);
  if (logged !== games || notOnce !== 0) {
    problems.push(
      `${logged} games with a successful turn_generation entry (expected ${games}), ${notOnce} of them with more than one`,
    );
  }
  const failed = await sql.query<{ op_kind: string; error_code: string; n: string }>(
    `SELECT op_kind, error_code, count(*) AS n FROM gamemaster.operation_log
     WHERE outcome = 'failure' GROUP BY op_kind, error_code ORDER BY n DESC`,
  );
  for (const row of failed.rows) {
    problems.push(`${row.n} failure entries ${row.op_kind}/${row.error_code}`);
  }
  return problems;
}
