/**
 * @module
 * The attempt log: one row per Clerk call made for an incident, so an operator can see each verify and
 * revoke with its outcome, error and Clerk trace id. Recording is best effort: a lost row must never
 * turn a revocation into a retry, so the recorder logs its own failures and never throws.
 */
import type { ClerkFailure } from "../domain/clerk-failure";
import type { Logger } from "../lib/log";
import type { Result } from "../lib/result";

/** The Clerk operation an attempt made. */
export type AttemptOperation = "verify" | "revoke";

/** How the call ended: an answer (`ok`, `not_found`) or a failure sorted as `ClerkFailure` sorts it. */
export type AttemptOutcome = "ok" | "not_found" | "retryable" | "final";

/** One Clerk call. Never holds a secret: `error` is a classified reason such as `clerk_http_503`. */
export interface Attempt {
  tokenHash: string;
  /** When Clerk answered (or the call gave up), ms since the epoch. */
  at: number;
  operation: AttemptOperation;
  outcome: AttemptOutcome;
  status: number | null;
  error: string | null;
  traceId: string | null;
  /** The Clerk instance called; `null` in rows from before there were several. */
  instance: string | null;
}

/** Records one attempt; resolves even when the write fails. */
export type RecordAttempt = (attempt: Attempt) => Promise<void>;

/** The attempt a Clerk call's result amounts to. Pure. */
export function attemptOf(
  tokenHash: string,
  operation: AttemptOperation,
  result: Result<unknown, ClerkFailure>,
  at: number,
  instance: string | null = null,
): Attempt {
  const base = { tokenHash, at, operation, instance };
  if (result.ok) return { ...base, outcome: "ok", status: 200, error: null, traceId: null };
  const failure = result.error;
  return {
    ...base,
    outcome: failure.kind,
    status: failure.status ?? null,
    error: failure.kind === "not_found" ? null : failure.reason,
    traceId: failure.traceId ?? null,
  };
}

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
