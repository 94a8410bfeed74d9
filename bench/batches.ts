/**
 * @module
 * Time to answer and time to revoke for one alert carrying `n` distinct live Clerk keys, with the Clerk stand-in
 * answering every call after a fixed latency. Keys are created in the stand-in in-process (no HTTP), and
 * revocation is watched in-process too: time to revoke is when the stand-in last shows a key revoked.
 */
import type { CreatedStandinKey } from "../dev/clerk-standin.ts";
import type { LocalStack } from "../dev/local-stack.ts";
import type { AlertRequest } from "../dev/signer.ts";
import { signedAlert } from "./signed-alert.ts";
import { revocationBoundMs } from "./stats.ts";
import { type AlertPhases, alertPhases } from "./worker-log.ts";

/** How often revocation state is read from the stand-in; the time to revoke is late by at most this. */
export const REVOKE_POLL_MS = 10;
/** The Worker answers within its 8 s inline deadline plus queueing; anything past this is a failure. */
export const ANSWER_TIMEOUT_MS = 60_000;

export interface BatchResult {
  keys: number;
  latencyMs: number;
  /** POST round trip, from sending to the whole answer read. */
  answerMs: number;
  /** From sending until every key shows revoked in the stand-in. */
  revokeMs: number;
  boundMs: number;
  /** Keys labelled in the answer (the rest were queued). */
  labelled: number;
  /** Clerk calls the batch caused, against 2 per key. */
  clerkCalls: number;
  phases: AlertPhases;
}

/** Limits a batch run is held to; a miss is a failure, not a slow result. */
function revokeTimeoutMs(keys: number, latencyMs: number): number {
  return 3 * revocationBoundMs(keys, latencyMs) + 60_000;
}

/** Runs one batch; throws on a wrong answer (status, labels) or when a key is still live at the time limit. */
export async function measureBatch(stack: LocalStack, keys: number, latencyMs: number): Promise<BatchResult> {
  const standin = stack.clerk.standin;
  standin.setLatency(latencyMs);
  const { created, signed, body } = await liveKeyAlert(stack, keys, `bench-${keys}`);
  const callsBefore = standin.calls().length;

  const started = performance.now();
  const answered = fetch(signed.url, {
    method: "POST",
    headers: signed.headers,
    body,
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
  }).then(async (response) => {
    const answer: unknown = await response.json().catch(() => undefined);
    const at = performance.now();
    // Read now: a large batch's queue work soon pushes the line out of wrangler's bounded output.
    const phases = await phasesOf(stack, response.headers.get("x-request-id"));
    return { at, response, answer, phases };
  });
  const revoked = waitForRevoked(
    stack,
    created.map((k) => k.id),
    started + revokeTimeoutMs(keys, latencyMs),
  );
  const [answer, revokedAt] = await Promise.all([answered, revoked]);

  const { response } = answer;
  const labels = Array.isArray(answer.answer) ? answer.answer.map((a: { label?: unknown }) => a.label) : null;
  if (response.status !== 200 || labels === null) {
    throw new Error(`batch ${keys}: answered ${response.status}, not a JSON array of labels`);
  }
  const wrong = labels.filter((l) => l !== "true_positive").length;
  if (wrong > 0) throw new Error(`batch ${keys}: ${wrong} labels are not true_positive for live keys`);
  // Ten keys at 50 ms take ~200 ms, far inside the 8 s deadline: every one must be labelled.
  if (keys <= 10 && labels.length !== keys) {
    throw new Error(`batch ${keys}: ${labels.length} of ${keys} keys labelled`);
  }
  if (revokedAt === undefined) {
    const live = created.filter((k) => standin.getKey(k.id)?.revoked !== true).length;
    throw new Error(`batch ${keys}: ${live} keys still live after ${revokeTimeoutMs(keys, latencyMs)} ms`);
  }
  const clerkCalls = standin.calls().length - callsBefore;
  return {
    keys,
    latencyMs,
    answerMs: answer.at - started,
    revokeMs: revokedAt - started,
    boundMs: revocationBoundMs(keys, latencyMs),
    labelled: labels.length,
    clerkCalls,
    phases: answer.phases,
  };
}

/** A signed GitHub alert to 127.0.0.1 carrying `keys` live keys, created in the stand-in in-process. */
export async function liveKeyAlert(
  stack: LocalStack,
  keys: number,
  namePrefix: string,
): Promise<{ created: CreatedStandinKey[]; signed: AlertRequest; body: string }> {
  const created: CreatedStandinKey[] = [];
  for (let i = 0; i < keys; i++)
    created.push(await stack.clerk.standin.createKey({ name: `${namePrefix}-${i}` }));
  const { signed, body } = await signedAlert(
    stack,
    created.map((k, i) => ({
      token: k.secret,
      type: "clerk_api_key",
      url: `https://github.com/octo/bench/blob/main/keys/${i}.env`,
      source: "content",
    })),
  );
  return { created, signed, body };
}

/**
 * Resolves with the time every key shows revoked, or `undefined` at `deadline` (a `performance.now()` time).
 * Each poll walks forward from the first key not yet seen revoked and stops at the next live one: a revoked key
 * stays revoked, so the walk reaching the end means all are. Re-reading all 10,000 keys every 10 ms instead would
 * load the very process that serves the Clerk stand-in, and slow the thing being measured.
 */
export async function waitForRevoked(
  stack: LocalStack,
  ids: string[],
  deadline: number,
): Promise<number | undefined> {
  let next = 0;
  while (performance.now() < deadline) {
    while (next < ids.length && stack.clerk.standin.getKey(ids[next] as string)?.revoked === true) next++;
    if (next === ids.length) return performance.now();
    await new Promise((r) => setTimeout(r, REVOKE_POLL_MS));
  }
  return undefined;
}

/** How long the Worker's log line may trail its answer through wrangler's pipe. */
const LOG_LINE_WAIT_MS = 2_000;

/** The Worker's `alert` log line for this request, waiting briefly for it to come through. */
async function phasesOf(stack: LocalStack, requestId: string | null): Promise<AlertPhases> {
  if (requestId === null) return {};
  const until = performance.now() + LOG_LINE_WAIT_MS;
  for (;;) {
    const found = findPhases(stack.output(), requestId);
    if (found !== undefined || performance.now() > until) return found ?? {};
    await new Promise((r) => setTimeout(r, 50));
  }
}

function findPhases(output: string, requestId: string): AlertPhases | undefined {
  for (const line of output.split("\n").reverse()) {
    if (line.includes(requestId)) {
      const phases = alertPhases(line);
      if (phases !== undefined) return phases;
    }
  }
  return undefined;
}
