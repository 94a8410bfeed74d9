/**
 * @module
 * One Clerk call made for an incident, as its history records it, and the pure rule that turns a call's result into
 * that record. Never holds a secret: `error` is a classified reason such as `clerk_http_503`.
 */
import * as v from "valibot";
import type { Result } from "../lib/result";
import type { ClerkFailure } from "./clerk-failure";

/** The Clerk operations an incident's history records. */
/** `lookup` is `GET /api_keys/{id}`, which decides after Clerk refused a revoke. */
export const AttemptOperationSchema = v.picklist(["verify", "revoke", "lookup"]);
/** The Clerk operation an attempt made. */
export type AttemptOperation = v.InferOutput<typeof AttemptOperationSchema>;

/** How the call ended: an answer (`ok`, `not_found`) or a failure sorted as `ClerkFailure` sorts it. */
export const AttemptOutcomeSchema = v.picklist(["ok", "not_found", "retryable", "final"]);
/** How a Clerk call ended. */
export type AttemptOutcome = v.InferOutput<typeof AttemptOutcomeSchema>;

/** One Clerk call. */
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

/** An attempt as read back with its incident. */
export type AttemptRecord = Omit<Attempt, "tokenHash">;

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
