/**
 * @module
 * The distance model (issue 15): how long one token takes from receipt to revocation, and to the answer, when every
 * D1 round trip costs `d1LatencyMs` and every Clerk call `clerkLatencyMs`, as they would with the database and Clerk
 * an ocean away. Four paths, one single-token alert each: a live key, its replay once revoked, an `ak_` secret Clerk
 * does not know (404), and a token that cannot be Clerk's (`ghp_`).
 *
 * The Worker is bench/distance-worker.js (src/ with D1 at a distance, built by the deploy dry run); Clerk's latency is
 * the stand-in's own. Each path is also run at zero distance on the same Worker, the baseline for what this machine
 * costs by itself. Times come from the clocks where things happen: receipt and answer from the Worker's `distance`
 * log line, the revocation from the stand-in's key (`updated_at`), each on this machine's one clock. Alerts go one at
 * a time, and each waits for its line, which the Worker writes only once the request's background work has settled.
 */
import type { LocalStack } from "../dev/local-stack.ts";
import { DISTANCE_D1_HEADER, DISTANCE_D1_VAR } from "./distance-handlers.ts";
import { type D1Trip, findDistanceLine } from "./distance-line.ts";
import { signedAlert } from "./signed-alert.ts";

/** The paths measured, in the order each round runs them (a replay needs the live key before it). */
export const DISTANCE_PATHS = ["live", "replay", "unknown", "not_clerk"] as const;
export type DistancePath = (typeof DISTANCE_PATHS)[number];

/** The label each path must earn; anything else fails the measure. */
const EXPECTED_LABEL: Record<DistancePath, string> = {
  live: "true_positive",
  replay: "true_positive",
  unknown: "false_positive",
  not_clerk: "false_positive",
};

/** One alert is answered within its 12 s budget; past this it is a failure. */
const ANSWER_TIMEOUT_MS = 30_000;
/** How long the `distance` line may take to come through: the request's background work, then wrangler's pipe. */
const LINE_TIMEOUT_MS = 10_000;
const LINE_POLL_MS = 20;
/**
 * A pause after each alert, so the queue consumer's work for the previous one (a notification, at the same D1
 * distance) has mostly run before the next alert is timed.
 */
const ALERT_GAP_MS = 300;
/** Characters in the random part of the made-up tokens. */
const RANDOM_CHARS = 40;

export interface DistancePlan {
  /** Rounds: each runs every path once at the distance and once at zero distance. */
  rounds: number;
  d1LatencyMs: number;
  clerkLatencyMs: number;
}

/** One Clerk call a run caused, as the stand-in logged it. */
export interface ClerkCallAt {
  operation: string;
  /** When it reached the stand-in, ms since the Worker received the alert. */
  atMs: number;
  status: number;
}

/** One path, one alert. */
export interface PathRun {
  path: DistancePath;
  /** From receipt to the answer leaving the Worker (its own clock). */
  answerMs: number;
  /** From receipt until Clerk had revoked the key (live keys only). */
  revokeMs: number | undefined;
  /** The POST round trip the bench saw, wrangler dev's proxy included: context only. */
  clientAnswerMs: number;
  d1: D1Trip[];
  clerk: ClerkCallAt[];
}

export interface DistanceResult {
  plan: DistancePlan;
  /** Every run at the plan's distance, round by round. */
  distant: PathRun[];
  /** The same runs at zero distance, on the same Worker. */
  zero: PathRun[];
}

/** The Worker vars the distance stack needs: D1's distance, which requests may override (zero-distance runs). */
export function distanceVars(plan: DistancePlan): Record<string, string> {
  return { [DISTANCE_D1_VAR]: String(plan.d1LatencyMs) };
}

/**
 * Runs the measure on a stack serving bench/distance-worker.js with `distanceVars(plan)`. Throws on a wrong label, a
 * live key left live, a missing or overlapped log line; never on timing.
 */
export async function measureDistance(stack: LocalStack, plan: DistancePlan): Promise<DistanceResult> {
  if (stack.vars[DISTANCE_D1_VAR] !== String(plan.d1LatencyMs)) {
    throw new Error(`distance: the stack runs with ${DISTANCE_D1_VAR}=${stack.vars[DISTANCE_D1_VAR]}`);
  }
  const zeroDistance = { d1LatencyMs: 0, clerkLatencyMs: 0 };
  // Warm-up, not recorded: the key list's first fetch, JIT, D1's first pages.
  await runRound(stack, zeroDistance);
  const distant: PathRun[] = [];
  const zero: PathRun[] = [];
  try {
    for (let round = 0; round < plan.rounds; round++) {
      // Interleaved, so drift (a noisy neighbour, D1 growing) hits both alike.
      distant.push(...(await runRound(stack, plan)));
      zero.push(...(await runRound(stack, zeroDistance)));
    }
  } finally {
    stack.clerk.standin.setLatency(0);
  }
  return { plan, distant, zero };
}

/** Every path once, at one distance. */
async function runRound(
  stack: LocalStack,
  distance: { d1LatencyMs: number; clerkLatencyMs: number },
): Promise<PathRun[]> {
  stack.clerk.standin.setLatency(distance.clerkLatencyMs);
  const key = await stack.clerk.standin.createKey({ name: "bench-distance" });
  const tokens: Record<DistancePath, string> = {
    live: key.secret,
    replay: key.secret,
    unknown: `ak_${randomChars(RANDOM_CHARS)}`,
    not_clerk: `ghp_${randomChars(RANDOM_CHARS)}`,
  };
  const runs: PathRun[] = [];
  for (const path of DISTANCE_PATHS) {
    runs.push(
      await runPath(stack, path, tokens[path], distance.d1LatencyMs, path === "live" ? key.id : undefined),
    );
    await new Promise((r) => setTimeout(r, ALERT_GAP_MS));
  }
  return runs;
}

/** One single-token alert; `keyId` is the live key to find revoked. Errors never quote the token. */
async function runPath(
  stack: LocalStack,
  path: DistancePath,
  token: string,
  d1LatencyMs: number,
  keyId: string | undefined,
): Promise<PathRun> {
  const standin = stack.clerk.standin;
  const { signed, body } = await signedAlert(stack, [
    {
      token,
      type: path === "not_clerk" ? "github_personal_access_token" : "clerk_api_key",
      url: `https://github.com/octo/bench/blob/main/distance/${path}.env`,
      source: "content",
    },
  ]);
  const callsBefore = standin.calls().length;

  const sentAt = performance.now();
  const response = await fetch(signed.url, {
    method: "POST",
    headers: { ...signed.headers, [DISTANCE_D1_HEADER]: String(d1LatencyMs) },
    body,
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
  });
  const answer: unknown = await response.json().catch(() => undefined);
  const clientAnswerMs = performance.now() - sentAt;
  const labels = Array.isArray(answer) ? answer.map((a: { label?: unknown }) => a.label) : [];
  if (response.status !== 200 || labels.length !== 1 || labels[0] !== EXPECTED_LABEL[path]) {
    throw new Error(
      `distance, ${path}: answered ${response.status} with labels ${JSON.stringify(labels)}; ` +
        `expected ${EXPECTED_LABEL[path]}`,
    );
  }
  const requestId = response.headers.get("x-request-id");
  if (requestId === null) throw new Error(`distance, ${path}: the answer has no x-request-id`);
  const line = await waitForLine(stack, requestId);
  if (line === undefined) throw new Error(`distance, ${path}: no distance line for request ${requestId}`);
  if (line.overlapped)
    throw new Error(`distance, ${path}: request ${requestId} overlapped another one's work`);

  let revokeMs: number | undefined;
  if (keyId !== undefined) {
    const key = standin.getKey(keyId);
    if (key?.revoked !== true) throw new Error(`distance, ${path}: the key is still live after the answer`);
    revokeMs = key.updated_at - line.receivedAt;
  }
  const clerk = standin
    .calls()
    .slice(callsBefore)
    .map((c) => ({ operation: c.operation, atMs: c.at - line.receivedAt, status: c.status }));
  return { path, answerMs: line.answerMs, revokeMs, clientAnswerMs, d1: line.d1, clerk };
}

async function waitForLine(stack: LocalStack, requestId: string) {
  const until = performance.now() + LINE_TIMEOUT_MS;
  for (;;) {
    const found = findDistanceLine(stack.output(), requestId);
    if (found !== undefined || performance.now() > until) return found;
    await new Promise((r) => setTimeout(r, LINE_POLL_MS));
  }
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `n` random base62 characters: made-up tokens no stand-in holds. */
function randomChars(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  // 256 is not a multiple of 62; the slight bias does not matter for a token nobody is meant to guess.
  return Array.from(bytes, (b) => BASE62[b % BASE62.length]).join("");
}
