/**
 * @module
 * The attempt log in D1: one row per Clerk call made for an incident, so an operator can see each verify and revoke
 * with its outcome, error and Clerk trace id. The rows ride in the same batch as the state write that follows the
 * calls (leases.ts), so keeping the history costs no round trip of its own. The insert is unconditional, so the
 * history is kept even when that state write finds its lease lost; a Worker that dies before the write loses only
 * history, never state.
 */
import type { Attempt } from "../domain/attempt";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";

/** The statements that insert `attempts` (none for none): one per chunk of rows. */
export function attemptInserts(db: D1Database, attempts: readonly Attempt[]): D1PreparedStatement[] {
  const rows = attempts.map((a) => ({
    h: a.tokenHash,
    a: a.at,
    o: a.operation,
    r: a.outcome,
    s: a.status,
    e: a.error,
    t: a.traceId,
    i: a.instance,
  }));
  return chunkJsonArrays(rows, RECORD_PARAM_MAX_BYTES).map((json) =>
    db
      .prepare(
        `INSERT INTO incident_attempts (token_hash, at, operation, outcome, status, error, clerk_trace_id, clerk_instance)
         SELECT j.value ->> '$.h', j.value ->> '$.a', j.value ->> '$.o', j.value ->> '$.r', j.value ->> '$.s',
                j.value ->> '$.e', j.value ->> '$.t', j.value ->> '$.i'
         FROM json_each(?1) AS j`,
      )
      .bind(json),
  );
}
