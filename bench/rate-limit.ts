/**
 * @module
 * Time to revoke one big leak at Clerk's rate limit (issue 10): one alert carrying `keys` distinct live keys,
 * against a Clerk stand-in that answers 429 with `Retry-After` past `callsPerSecond` in any 1-second window, while
 * the Worker runs with `CLERK_RATE_LIMIT` set to the same budget per 10 s. Measured as test/pacing/big-leak.test.ts
 * does: from sending the alert to Clerk's last successful revoke, against the rate bound (two calls per key at the
 * rate), with the share of Clerk's answers that were 429.
 *
 * The stack must have been started with `rateLimitVars(plan)`: the Worker reads `CLERK_RATE_LIMIT` at start, so this
 * measure cannot share a stack with the unpaced batch measures.
 */
import type { LocalStack } from "../dev/local-stack.ts";
import { ANSWER_TIMEOUT_MS, liveKeyAlert, waitForRevoked } from "./batches.ts";
import { rateBoundMs } from "./stats.ts";

/**
 * The stand-in enforces its limit per second, ten times finer than Clerk's 10-second window, so a burst that
 * Clerk would forgive still meets a 429 here: the pace has to be even, not just right on average.
 */
export const STANDIN_WINDOW_MS = 1_000;
/** Clerk states its limits per 10 s, and so does `CLERK_RATE_LIMIT`. */
const CLERK_WINDOW_MS = 10_000;

export interface RateLimitPlan {
  keys: number;
  /** Clerk calls allowed per second: the stand-in's limit, and the Worker's `CLERK_RATE_LIMIT` ÷ 10. */
  callsPerSecond: number;
  /** Delay before every stand-in answer. */
  latencyMs: number;
}

export interface RateLimitResult extends RateLimitPlan {
  /** `CLERK_RATE_LIMIT` the Worker ran with (requests per 10 s). */
  rateLimitPer10s: number;
  /** POST round trip. */
  answerMs: number;
  /** From sending the alert to the last successful revoke reaching Clerk. */
  revokeMs: number;
  boundMs: number;
  /** Keys labelled in the answer (revoked inline); the rest went through the queue. */
  labelled: number;
  /** Every Clerk call the alert caused, 429s included, against 2 per key. */
  clerkCalls: number;
  /** Calls Clerk answered 429. */
  limited: number;
  /** When each key's first successful revoke reached Clerk, ms after sending, ascending (for the plot). */
  revokedAtMs: number[];
  /** When each 429 was answered, ms after sending. */
  limitedAtMs: number[];
}

/** The Worker settings this measure needs: the stand-in's budget, stated per 10 s. */
export function rateLimitVars(plan: RateLimitPlan): Record<string, string> {
  return { CLERK_RATE_LIMIT: String((plan.callsPerSecond * CLERK_WINDOW_MS) / 1000) };
}

/** Runs the measure; throws on a wrong answer or when a key is still live at the time limit, never on timing. */
export async function measureRateLimit(stack: LocalStack, plan: RateLimitPlan): Promise<RateLimitResult> {
  const expected = rateLimitVars(plan).CLERK_RATE_LIMIT;
  if (stack.vars.CLERK_RATE_LIMIT !== expected) {
    throw new Error(`the stack runs with CLERK_RATE_LIMIT=${stack.vars.CLERK_RATE_LIMIT}, not ${expected}`);
  }
  const { keys, callsPerSecond } = plan;
  const standin = stack.clerk.standin;
  const { created, signed, body } = await liveKeyAlert(stack, keys, `rate-${keys}`);
  standin.setLatency(plan.latencyMs);
  standin.setRateLimit({ limit: callsPerSecond, windowMs: STANDIN_WINDOW_MS });
  const boundMs = rateBoundMs(keys, callsPerSecond);
  const callsBefore = standin.calls().length;
  try {
    // Date.now, not performance.now: the stand-in stamps its call log with Date.now.
    const sentAt = Date.now();
    const started = performance.now();
    const response = await fetch(signed.url, {
      method: "POST",
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    const answer: unknown = await response.json().catch(() => undefined);
    const answerMs = Date.now() - sentAt;
    const labels = Array.isArray(answer) ? answer.map((a: { label?: unknown }) => a.label) : null;
    if (response.status !== 200 || labels === null) {
      throw new Error(`rate limit ${keys}: answered ${response.status}, not a JSON array of labels`);
    }
    const wrong = labels.filter((l) => l !== "true_positive").length;
    if (wrong > 0) throw new Error(`rate limit ${keys}: ${wrong} labels are not true_positive for live keys`);

    // Generous: a slow machine may miss the ratio budget (reported), but a key still live after 3× the bound is
    // a failure.
    const timeoutMs = 3 * boundMs + 60_000;
    const ids = created.map((k) => k.id);
    const done = await waitForRevoked(stack, ids, started + timeoutMs);
    if (done === undefined) {
      const live = ids.filter((id) => standin.getKey(id)?.revoked !== true).length;
      throw new Error(`rate limit ${keys}: ${live} keys still live after ${timeoutMs} ms`);
    }

    const calls = standin.calls().slice(callsBefore);
    const ours = new Set(ids);
    const firstRevoke = new Map<string, number>();
    for (const c of calls) {
      if (c.operation !== "revoke" || c.status !== 200 || c.keyId === undefined || !ours.has(c.keyId))
        continue;
      if (!firstRevoke.has(c.keyId)) firstRevoke.set(c.keyId, c.at - sentAt);
    }
    const revokedAtMs = [...firstRevoke.values()].sort((a, b) => a - b);
    const limitedAtMs = calls.filter((c) => c.status === 429).map((c) => c.at - sentAt);
    return {
      ...plan,
      rateLimitPer10s: Number(expected),
      answerMs,
      revokeMs: revokedAtMs.at(-1) ?? Number.NaN,
      boundMs,
      labelled: labels.length,
      clerkCalls: calls.length,
      limited: limitedAtMs.length,
      revokedAtMs,
      limitedAtMs,
    };
  } finally {
    standin.setRateLimit(null);
  }
}
