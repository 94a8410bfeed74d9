/**
 * @module
 * Clerk failures as values, sorted by what the caller must do: `not_found` is an answer, `retryable`
 * goes back to the queue, `final` ends the incident. Classification is pure so it can be tested.
 */

/** A failed Clerk call, already classified. `reason` is safe to log: it never holds a secret. */
export type ClerkFailure =
  | { kind: "not_found"; status: 404; traceId?: string }
  | { kind: "retryable"; reason: string; status?: number; retryAfterSeconds?: number; traceId?: string }
  | { kind: "final"; reason: string; status: number; traceId?: string };

/** What the SDK's `ClerkAPIResponseError` (or a timeout) tells us. */
export interface ClerkErrorFacts {
  status?: number;
  retryAfterSeconds?: number;
  traceId?: string;
  code?: string;
}

/**
 * Maps an error to what to do next. Network errors and timeouts have no status: retryable. 401/403
 * mean our own secret key is wrong or lacks rights: retryable too, so alerts survive until an
 * operator fixes the key (the dead-letter queue catches them if nobody does).
 */
export function classifyClerkError(facts: ClerkErrorFacts): ClerkFailure {
  const { status, retryAfterSeconds, traceId } = facts;
  const trace = traceId ? { traceId } : {};
  if (status === 404) return { kind: "not_found", status, ...trace };
  if (status === undefined) {
    return { kind: "retryable", reason: facts.code ?? "network_error", ...trace };
  }
  if (status === 429 || status >= 500 || status === 401 || status === 403 || status === 408) {
    const after = retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? { retryAfterSeconds } : {};
    return { kind: "retryable", reason: `clerk_http_${status}`, status, ...after, ...trace };
  }
  return {
    kind: "final",
    reason: `clerk_http_${status}${facts.code ? `_${facts.code}` : ""}`,
    status,
    ...trace,
  };
}
