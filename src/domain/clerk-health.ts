/**
 * @module
 * Is a Clerk instance reachable, and does it take our secret key? One probe's answer (src/clerk/health-probe.ts)
 * classified, as pure rules, into what an operator must fix:
 *
 * - `ok`: Clerk's key route answered as only Clerk's does: its own 404 (a body with `errors[0].code`) for the probe's
 *   made-up key id, or a 200 carrying that key. The host, the path and the secret key are right.
 * - `unauthorised`: 401 or 403. The secret key is wrong, revoked, or lacks the rights (fix CLERK_SECRET_KEY(S)).
 * - `misrouted`: an answer that is not Clerk's key route: a 404 without Clerk's error body (a wrong path, or a host
 *   that is not Clerk's), a 200 that is not the key asked for, or any other 4xx (the route answers only 200 or 404 to a
 *   well-formed id; a 400 or 405 means CLERK_API_URL's path leads elsewhere). Fix CLERK_API_URL.
 * - `unreachable`: no answer (network error, timeout), a 408 or a 5xx. Clerk is down or the host is wrong.
 * - `paced`: not checked this time. Either the instance's pacer had no slot free soon enough (every Clerk call draws
 *   from the instance's budget, and a health check never outbids a revocation), or Clerk answered 429.
 *
 * Why a 429 is `paced` and not `ok`: it is an answer that checked nothing. Clerk (or whatever is in front of it)
 * throttled the call before saying whether the key and the path are right, so calling it `ok` would let a wrong key
 * pass during a busy spell; and it is nothing an operator must fix, so it is not unhealthy either. The next check
 * decides.
 *
 * What no probe of this kind can tell: a valid secret key of another Clerk instance passes (Clerk's 404 for a made-up
 * id says nothing about which instance answered), and so would a wrong path that Clerk's own API answers with its own
 * 404 body. Only a key id known to live on the instance would tell those apart.
 *
 * No clock, no I/O: `checkedAt` is the caller's.
 */

/**
 * The longest a check waits for its slot in the instance's pace (src/use-cases/check-clerk-health.ts). Short: an
 * operator is waiting for the page, and a check that waited longer would only take a slot a revocation needs.
 */
export const HEALTH_SLOT_MAX_WAIT_MS = 500;

/** One instance's health, as the operators' API and console show it. */
export type ClerkHealthStatus = "ok" | "unauthorised" | "misrouted" | "unreachable" | "paced";

/** All of them, in the order the API documents them. */
export const CLERK_HEALTH_STATUSES = [
  "ok",
  "unauthorised",
  "misrouted",
  "unreachable",
  "paced",
] as const satisfies readonly ClerkHealthStatus[];

/** What one probe saw. */
export type ProbeFacts =
  /**
   * An HTTP answer. `clerkShaped`: for a 2xx, the body is the key asked for; otherwise the body is Clerk's error
   * shape, `{ errors: [{ code, ... }] }` (the SDK parses a body only when it is typed exactly `application/json`).
   */
  | { kind: "answered"; status: number; clerkShaped: boolean; retryAfterSeconds?: number }
  /** No HTTP answer: the call timed out after `timeoutMs`, or failed before an answer came (DNS, TLS, reset). */
  | { kind: "no_answer"; reason: "timeout"; timeoutMs: number }
  | { kind: "no_answer"; reason: "network" };

/** The classification of one instance: a status, the HTTP status it rests on if any, and what to do about it. */
export interface ClerkHealthVerdict {
  status: ClerkHealthStatus;
  httpStatus?: number;
  /** One sentence for a person: what was seen and what to check. Never a secret, never a value from the answer. */
  detail: string;
}

/** One instance's checked health. */
export interface ClerkInstanceHealth extends ClerkHealthVerdict {
  /** The instance's name (`default`, or a CLERK_SECRET_KEYS name). Never its key. */
  name: string;
  /** When it was checked, ms since the epoch. */
  checkedAt: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function answered(status: number, clerkShaped: boolean, retryAfterSeconds?: number): ClerkHealthVerdict {
  const at = { httpStatus: status };
  if (status >= 200 && status < 300)
    return clerkShaped
      ? {
          status: "ok",
          ...at,
          detail: "Clerk answered with the key asked for: CLERK_API_URL and the secret key work.",
        }
      : {
          status: "misrouted",
          ...at,
          detail: `CLERK_API_URL answers ${status} with something that is not Clerk's: check its host and path.`,
        };
  if (status === 404)
    return clerkShaped
      ? {
          status: "ok",
          ...at,
          detail:
            "Clerk answered its own 404 for a key id that no key has: CLERK_API_URL and the secret key work.",
        }
      : {
          status: "misrouted",
          ...at,
          detail: "CLERK_API_URL answers 404 without Clerk's error body: check its path.",
        };
  if (status === 401 || status === 403) {
    const check = "check this instance's key in CLERK_SECRET_KEY or CLERK_SECRET_KEYS";
    if (!clerkShaped)
      return {
        status: "unauthorised",
        ...at,
        detail: `CLERK_API_URL answers ${status} without Clerk's error body: ${check}, and that CLERK_API_URL is Clerk's API.`,
      };
    return {
      status: "unauthorised",
      ...at,
      detail:
        status === 401
          ? `Clerk refused the secret key (401): ${check} (mistyped, rotated or revoked?).`
          : `Clerk refused the secret key access to API keys (403): ${check}.`,
    };
  }
  if (status === 429) {
    const when = retryAfterSeconds !== undefined ? ` for ${Math.max(0, retryAfterSeconds)} s` : "";
    return {
      status: "paced",
      ...at,
      detail: `Not checked: Clerk answered 429 (this instance's rate limit is spent${when}), which says nothing about the key or the path. Check again later.`,
    };
  }
  if (status === 408 || status >= 500)
    return {
      status: "unreachable",
      ...at,
      detail: `CLERK_API_URL answers ${status}: Clerk is failing or the host is wrong. Check CLERK_API_URL's host and Clerk's status page.`,
    };
  return {
    status: "misrouted",
    ...at,
    detail: `CLERK_API_URL answers ${status} where Clerk's key route answers 200 or 404: check its path.`,
  };
}

/** What one probe's answer says about the instance. */
export function classifyClerkHealth(facts: ProbeFacts): ClerkHealthVerdict {
  if (facts.kind === "answered") return answered(facts.status, facts.clerkShaped, facts.retryAfterSeconds);
  if (facts.reason === "timeout")
    return {
      status: "unreachable",
      detail: `No answer within ${seconds(facts.timeoutMs)} s: check CLERK_API_URL's host, and Clerk's status page.`,
    };
  return {
    status: "unreachable",
    detail: "Could not connect to CLERK_API_URL, or not read its answer: check its host.",
  };
}

/** The verdict when the instance's pacer had no slot free within the check's wait: come back in `retryAfterMs`. */
export function notCheckedForPace(retryAfterMs: number): ClerkHealthVerdict {
  return {
    status: "paced",
    detail: `Not checked: this instance's Clerk budget is taken by revocations for the next ${seconds(retryAfterMs)} s. Check again then.`,
  };
}

/**
 * The deployment as a whole: `ok` only when every instance was checked and is ok. An instance not checked this time
 * (`paced`) makes it `degraded` too: `ok` is what an operator reads after a deploy as "it works", and it must not say
 * so of an instance nobody asked.
 */
export function overallClerkHealth(instances: readonly { status: ClerkHealthStatus }[]): "ok" | "degraded" {
  return instances.every((i) => i.status === "ok") ? "ok" : "degraded";
}
