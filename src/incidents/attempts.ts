/**
 * @module
 * The attempt log in D1: one row per Clerk call made for an incident, so an operator can see each verify and revoke
 * with its outcome, error and Clerk trace id. Recording is best effort: a lost row must never turn a revocation into a
 * retry, so the recorder logs its own failures and never throws.
 */
import type { Attempt } from "../domain/attempt";
import type { Logger } from "../lib/log";

/** Records one attempt; resolves even when the write fails. */
export type RecordAttempt = (attempt: Attempt) => Promise<void>;

/** Builds the recorder over D1. */
export function createAttemptRecorder(db: D1Database, log: Logger): RecordAttempt {
  return async (a) => {
    try {
      await db
        .prepare(
          `INSERT INTO incident_attempts (token_hash, at, operation, outcome, status, error, clerk_trace_id,
                                          clerk_instance)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
        )
        .bind(a.tokenHash, a.at, a.operation, a.outcome, a.status, a.error, a.traceId, a.instance)
        .run();
    } catch (error) {
      log.error("attempt_record_failed", {
        token_hash: a.tokenHash,
        error: error instanceof Error ? error.name : "unknown",
      });
    }
  };
}
