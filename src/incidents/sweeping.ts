/**
 * @module
 * What the sweeper asks of the incident log: pending work whose queue message was lost, and a note that it was queued
 * again. Each sweep that finds the same incident still waiting doubles its grace period, so a backlog that is only
 * slow is not queued over and over.
 */
import * as v from "valibot";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";

/** The sweeper's grace period doubles per sweep that found an incident still waiting, at most this many times. */
export const SWEEP_BACKOFF_MAX_DOUBLINGS = 5;

const StrandedRow = v.object({ token_hash: v.string() });

/** The sweeper's view of pending work. */
export interface IncidentSweeping {
  /**
   * Pending, unleased incidents whose due time passed `graceMs` ago (doubled for each sweep that already queued them
   * since a message was last consumed): their queue message was lost. Oldest first.
   */
  findStranded(now: number, graceMs: number, limit: number): Promise<string[]>;
  /** Notes that the sweeper queued these incidents again: due at once, and out of its sight for longer next time. */
  markSwept(tokenHashes: readonly string[], now: number): Promise<void>;
}

/** Builds it over a D1 database. */
export function createIncidentSweeping(db: D1Database): IncidentSweeping {
  return {
    async markSwept(tokenHashes, now) {
      const statements = chunkJsonArrays(tokenHashes, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          // `+status` keeps SQLite on the primary key: on the status index it would read every incident of that status.
          // `sweeps` stops at the last doubling: findStranded reads one range per value (migration 0014).
          .prepare(
            `UPDATE incidents SET next_attempt_at = NULL, updated_at = ?1, sweeps = MIN(sweeps + 1, ?3)
             WHERE +status = 'pending' AND token_hash IN (SELECT value FROM json_each(?2))`,
          )
          .bind(now, json, SWEEP_BACKOFF_MAX_DOUBLINGS),
      );
      if (statements.length > 0) await db.batch(statements);
    },
    async findStranded(now, graceMs, limit) {
      // One range of incidents_pending_due (migration 0014) per backoff step, each due `graceMs << sweeps` ago, oldest
      // first: only incidents past their own backoff are read, never those still waiting on it or on a queued retry,
      // however many an outage leaves pending.
      const steps = Array.from(
        { length: SWEEP_BACKOFF_MAX_DOUBLINGS + 1 },
        (_, sweeps) =>
          `SELECT * FROM (SELECT token_hash, COALESCE(next_attempt_at, updated_at) AS due
             FROM incidents INDEXED BY incidents_pending_due
             WHERE status = 'pending' AND sweeps = ${sweeps}
               AND COALESCE(next_attempt_at, updated_at) <= ?1 - (?2 << ${sweeps})
               AND (claimed_until IS NULL OR claimed_until <= ?1)
             ORDER BY due LIMIT ?3)`,
      );
      // D1 refuses a compound SELECT of six terms ("too many terms"): the six steps go as two compounds of three.
      const halves = [steps.slice(0, 3), steps.slice(3)].map(
        (half) => `SELECT * FROM (${half.join(" UNION ALL ")})`,
      );
      const { results } = await db
        .prepare(`${halves.join(" UNION ALL ")} ORDER BY due LIMIT ?3`)
        .bind(now, graceMs, limit)
        .all();
      return results.map((row) => v.parse(StrandedRow, row).token_hash);
    },
  };
}
