/**
 * @module
 * Observations that are not budgets but explain the numbers: how fast the queue drained the keys the inline phase
 * left, against the pace at Clerk's rate limit and the 6-connection rate. Pure: results in, prose out.
 */
// Pure and import-free, so Node loads it as it is.
import { TARGET_SHARE as PACER_TARGET_SHARE } from "../src/domain/pace-schedule.ts";
import { fmt } from "./format.ts";
import { type BenchResults, pacedKeysPerSecond, ratePhases } from "./results.ts";
import { CLERK_CALLS_PER_KEY, CLERK_CONNECTIONS } from "./stats.ts";

/** wrangler.toml's `max_batch_size` for the revocation queue: how many keys one consumer batch carries. */
const QUEUE_BATCH_SIZE = 24;
/** A batch's keys shared among the 6 lanes, two sequential calls each: the rounds one batch takes. */
const ROUNDS_PER_QUEUE_BATCH = QUEUE_BATCH_SIZE / CLERK_CONNECTIONS;

/** One line per observation, in the order RESULTS.md lists them. */
export function observations(res: BenchResults): string[] {
  const out: string[] = [];
  const rl = res.rateLimit;
  if (rl !== undefined) {
    const p = ratePhases(rl);
    out.push(
      `At Clerk's rate limit, ${fmt(rl.keys)} keys: ${fmt(rl.labelled)} revoked inline (${fmt(p.inline, 1)} keys/s)` +
        (p.queueRate === undefined
          ? ""
          : `, the other ${fmt(p.queued)} through the queue at ${fmt(p.queueRate, 1)} keys/s`) +
        `, against ${fmt(pacedKeysPerSecond(rl.callsPerSecond), 1)} keys/s for the pace ` +
        `(${fmt(100 * PACER_TARGET_SHARE)}% of ${fmt(rl.callsPerSecond)} calls/s, 2 calls per key).`,
    );
  }
  const boundRate = (CLERK_CONNECTIONS * 1000) / (CLERK_CALLS_PER_KEY * res.latencyMs);
  for (const b of res.batches) {
    const queued = b.keys - b.labelled;
    if (queued < 100) continue;
    const rate = (queued * 1000) / (b.revokeMs - b.answerMs);
    const inlineMs = b.phases.inline_ms;
    const inlineRate = inlineMs === undefined ? undefined : (b.labelled * 1000) / inlineMs;
    out.push(
      `${fmt(b.keys)} keys: ${fmt(b.labelled)} revoked inline` +
        (inlineRate === undefined ? "" : ` (${fmt(inlineRate)} keys/s)`) +
        `, the other ${fmt(queued)} through the queue at ${fmt(rate)} keys/s, against ${fmt(boundRate)} keys/s for ` +
        "6 connections.",
    );
  }
  if (out.length > (rl === undefined ? 0 : 1)) {
    const roundMs = CLERK_CALLS_PER_KEY * res.latencyMs;
    out.push(
      "Why the queue is slower than the bound here: Miniflare's queue broker hands the consumer one batch at a " +
        "time (it schedules the next flush only when the previous batch returns), and a batch of " +
        `${QUEUE_BATCH_SIZE} (wrangler.toml \`max_batch_size\`) on 6 lanes takes ${ROUNDS_PER_QUEUE_BATCH} rounds ` +
        `of two Clerk calls, so at best ${QUEUE_BATCH_SIZE} keys per ${ROUNDS_PER_QUEUE_BATCH} × ${fmt(roundMs)} ms = ` +
        `${fmt((QUEUE_BATCH_SIZE * 1000) / (ROUNDS_PER_QUEUE_BATCH * roundMs))} keys/s, less the D1 ` +
        "work around each key and the wait between batches; each revoked key also puts a notification message on " +
        "the same queue, which takes lanes in later batches. Cloudflare runs consumer invocations concurrently, so " +
        "production drains faster.",
    );
  }
  return out;
}
