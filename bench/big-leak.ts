/**
 * @module
 * A big leak at Clerk's production limit (issue 24, item 5): `npm run bench -- --big-leak`. One alert of `live` live
 * keys and `junk` Clerk-shaped tokens Clerk does not know, against a Clerk stand-in that answers 429 past
 * `callsPerSecond` in any second (with `latencyMs` before every answer) while the Worker runs with the same budget in
 * `CLERK_RATE_LIMIT`. Each live key costs a verify and a revoke, each junk token a verify: the rate bound is
 * (2 × live + junk) / rate. Reported beside the bound: when the last key was revoked, the rate Clerk was called at
 * second by second, and the gaps where it was not called at all, which tell the queue's own pauses from the pace.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { LocalStack } from "../dev/local-stack.ts";
import { ANSWER_TIMEOUT_MS, waitForRevoked } from "./batches.ts";
import { STANDIN_WINDOW_MS } from "./rate-limit.ts";
import { signedAlert } from "./signed-alert.ts";

export interface BigLeakPlan {
  live: number;
  junk: number;
  callsPerSecond: number;
  latencyMs: number;
}

export interface BigLeakResult extends BigLeakPlan {
  answerMs: number;
  /** From sending the alert to the last live key's revoke reaching Clerk. */
  revokeMs: number;
  boundMs: number;
  clerkCalls: number;
  limited: number;
  /** Clerk calls per second, second by second from the send. */
  callsPerSecondSeen: number[];
  /** Stretches of at least 250 ms with no Clerk call, after the first call and before the last. */
  idle: { count: number; totalMs: number };
}

/** The Worker settings this measure needs. */
export function bigLeakVars(plan: BigLeakPlan): Record<string, string> {
  return { CLERK_RATE_LIMIT: String(plan.callsPerSecond * 10) };
}

/** Runs the measure; throws on a wrong answer or a key still live at the time limit, never on timing. */
export async function measureBigLeak(stack: LocalStack, plan: BigLeakPlan): Promise<BigLeakResult> {
  const standin = stack.clerk.standin;
  const created = [];
  for (let i = 0; i < plan.live; i++) created.push(await standin.createKey({ name: `big-leak-${i}` }));
  const junk = Array.from({ length: plan.junk }, () => `ak_${randomBytes(24).toString("hex")}`);
  // Shuffled, as a leak is: the live keys are found anywhere in it, so the last one is revoked near the end of the work.
  const tokens = shuffle([...created.map((k) => k.secret), ...junk]);
  const { signed, body } = await signedAlert(
    stack,
    tokens.map((token, i) => ({
      token,
      type: "clerk_api_key",
      url: `https://github.com/octo/big-leak/blob/main/keys/${i}.env`,
      source: "content",
    })),
  );
  standin.setLatency(plan.latencyMs);
  standin.setRateLimit({ limit: plan.callsPerSecond, windowMs: STANDIN_WINDOW_MS });
  const boundMs = ((2 * plan.live + plan.junk) / plan.callsPerSecond) * 1000;
  const callsBefore = standin.calls().length;
  try {
    const sentAt = Date.now();
    const started = performance.now();
    const response = await fetch(signed.url, {
      method: "POST",
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    const answerMs = Date.now() - sentAt;
    if (response.status !== 200) throw new Error(`big leak: answered ${response.status}`);
    const ids = created.map((k) => k.id);
    const timeoutMs = 3 * boundMs + 60_000;
    const done = await waitForRevoked(stack, ids, started + timeoutMs);
    if (done === undefined) throw new Error(`big leak: keys still live after ${timeoutMs} ms`);
    const calls = standin.calls().slice(callsBefore);
    const ours = new Set(ids);
    const revokes = calls.filter(
      (c) => c.operation === "revoke" && c.status === 200 && ours.has(c.keyId ?? ""),
    );
    const revokeMs = Math.max(...revokes.map((c) => c.at - sentAt));
    const times = calls.map((c) => c.at - sentAt).sort((a, b) => a - b);
    const perSecond: number[] = [];
    for (const t of times) {
      const s = Math.floor(t / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    let idleCount = 0;
    let idleMs = 0;
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      if (gap >= 250) {
        idleCount++;
        idleMs += gap;
      }
    }
    return {
      ...plan,
      answerMs,
      revokeMs,
      boundMs,
      clerkCalls: calls.length,
      limited: calls.filter((c) => c.status === 429).length,
      callsPerSecondSeen: Array.from(perSecond, (n) => n ?? 0),
      idle: { count: idleCount, totalMs: idleMs },
    };
  } finally {
    standin.setRateLimit(null);
  }
}

/** Fisher–Yates, with the platform's random numbers. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A few lines for the console. */
export function bigLeakReport(r: BigLeakResult): string {
  const ratio = r.revokeMs / r.boundMs;
  const busy = r.callsPerSecondSeen.slice(1, -1);
  const mean = busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length);
  return [
    `big leak: ${r.live} live + ${r.junk} junk tokens in one alert, Clerk ${r.callsPerSecond} calls/s, ${r.latencyMs} ms a call`,
    `  answered in ${r.answerMs} ms; last key revoked at ${(r.revokeMs / 1000).toFixed(1)} s, bound ${(r.boundMs / 1000).toFixed(0)} s: ${ratio.toFixed(2)}×`,
    `  ${r.clerkCalls} Clerk calls (${r.limited} answered 429); ${mean.toFixed(1)} calls/s on average between the first and last second`,
    `  ${r.idle.count} pauses of 250 ms or more with no Clerk call, ${(r.idle.totalMs / 1000).toFixed(1)} s in all`,
    `  calls per second: ${r.callsPerSecondSeen.join(" ")}`,
    "",
  ].join("\n");
}
