import { createHash } from "node:crypto";

/** Fixed namespace so every engine stub derives the same player UUIDs for a game and race. */
const NAMESPACE = Buffer.from("5b1b6a1e2f0d4c8e9a7d3c2b1a0f9e8d", "hex");

/**
 * Deterministic RFC 4122 version-5 UUID of `{gameId}/{raceName}`: re-initialising a game with the
 * same roster yields the same engine player UUIDs, which GM's tests can rely on.
 */
export function enginePlayerUuid(gameId: string, raceName: string): string {
  const digest = createHash("sha1").update(NAMESPACE).update(`${gameId}/${raceName}`).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A 32-bit seed for one player of one game. */
export function playerSeed(gameId: string, raceName: string): number {
  return createHash("sha1").update(`seed:${gameId}/${raceName}`).digest().readUInt32BE(0);
}

/** murmur3 fmix32 of `seed ^ turn`: cheap, well-mixed per-turn noise. */
export function mix32(seed: number, turn: number): number {
  let h = (seed ^ Math.imul(turn, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Planets and population of one player at one turn. */
export interface PlayerStats {
  planets: number;
  population: number;
}

/**
 * Seeded growth as a closed form of (seed, turn), so any past turn's report costs O(1) and needs
 * no stored history. Both values are non-decreasing in `turn`: planets grow by 0.5–1.5 a turn,
 * population by at least 100 a turn while the per-turn noise stays below 100.
 */
export function statsAt(seed: number, turn: number): PlayerStats {
  const basePlanets = 2 + (seed % 3);
  const planetGrowth = 1 + ((seed >>> 8) % 3);
  const planets = basePlanets + Math.floor((turn * planetGrowth) / 2);
  const populationRate = 100 + ((seed >>> 16) % 200);
  const population = planets * 1000 + turn * populationRate + (mix32(seed, turn) % 100);
  return { planets, population };
}

/** The stats the stub reports for `raceName` of `gameId` at `turn` (while the race is not banished). */
export function playerStatsAt(gameId: string, raceName: string, turn: number): PlayerStats {
  return statsAt(playerSeed(gameId, raceName), turn);
}
