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

/** Why a 404 without Clerk's error body is retried: the route, not the key, is missing. */
export const CLERK_MISCONFIGURED = "clerk_misconfigured";

/**
 * Maps an error to what to do next. Network errors and timeouts have no status: retryable. 401/403
 * mean our own secret key is wrong or lacks rights: retryable too, so alerts survive until an
 * operator fixes the key (the dead-letter queue catches them if nobody does).
 *
 * Only Clerk's own 404 is an answer: its body is Clerk's `{errors: [{code, ...}]}`. A 404 without a code is a wrong
 * `CLERK_API_URL` (a path or host that is not Clerk's API), which would otherwise label every live key
 * `false_positive`: it is retried like an outage, and never labels a token.
 */
export function classifyClerkError(facts: ClerkErrorFacts): ClerkFailure {
  const { status, retryAfterSeconds, traceId } = facts;
  const trace = traceId ? { traceId } : {};
  if (status === 404) {
    return facts.code
      ? { kind: "not_found", status, ...trace }
      : { kind: "retryable", reason: CLERK_MISCONFIGURED, status, ...trace };
  }
  if (status === undefined) {
    return { kind: "retryable", reason: facts.code ?? "network_error", ...trace };
  }
  if (status === 429 || status >= 500 || status === 401 || status === 403 || status === 408) {
    const after = retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? { retryAfterSeconds } : {};
    return { kind: "retryable", reason: `clerk_http_${status}`, status, ...after, ...trace };
  }
  return {
    // 400, 409, 422...: Clerk refused the request. What that means depends on the call (resolve-token.ts decides).
    kind: "final",
    reason: `clerk_http_${status}${facts.code ? `_${facts.code}` : ""}`,
    status,
    ...trace,
  };
}
