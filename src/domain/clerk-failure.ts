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
  /**
   * The first error's `code`, present only when the body is in Clerk's error shape (`ClerkErrors`: each error a
   * `code` and a `message`); absent for a proxy's HTML, a wrong host's JSON, or no body.
   */
  code?: string;
}

/** A code fit for a log field and a row: a short identifier, as Clerk's are. Anything else is not repeated. */
const LOGGABLE_CODE = /^[a-z0-9_]{1,48}$/;

/** Why a 404 without Clerk's error body is retried: the route, not the key, is missing. */
export const CLERK_MISCONFIGURED = "clerk_misconfigured";

/**
 * Maps an error to what to do next. Network errors and timeouts have no status: retryable. 401/403
 * mean our own secret key is wrong or lacks rights: retryable too, so alerts survive until an
 * operator fixes the key (the dead-letter queue catches them if nobody does).
 *
 * Only Clerk's own refusals are answers: a 4xx whose body is Clerk's `{errors: [{code, message, ...}]}`. Any other 4xx
 * (a 404, 400 or 405 from a wrong `CLERK_API_URL` path or host, a proxy's HTML page) says nothing about the token, and
 * read as an answer it would label every live key `false_positive` or end it `failed`: it is retried like an outage,
 * logged as `clerk_misconfigured`, and never labels a token.
 */
export function classifyClerkError(facts: ClerkErrorFacts): ClerkFailure {
  const { status, retryAfterSeconds, traceId } = facts;
  const trace = traceId ? { traceId } : {};
  if (status === undefined) {
    return { kind: "retryable", reason: "network_error", ...trace };
  }
  if (status === 429 || status >= 500 || status === 401 || status === 403 || status === 408) {
    const after = retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? { retryAfterSeconds } : {};
    return { kind: "retryable", reason: `clerk_http_${status}`, status, ...after, ...trace };
  }
  if (facts.code === undefined) return { kind: "retryable", reason: CLERK_MISCONFIGURED, status, ...trace };
  if (status === 404) return { kind: "not_found", status, ...trace };
  const code = LOGGABLE_CODE.test(facts.code) ? facts.code : "unrecognised_code";
  return {
    // 400, 409, 422...: Clerk refused the request. What that means depends on the call (resolve-token.ts decides).
    kind: "final",
    reason: `clerk_http_${status}_${code}`,
    status,
    ...trace,
  };
}
