/**
 * @module
 * bench/RESULTS.md's Method section: how each measure was taken, with this run's settings filled in, so a
 * reader can tell what the numbers mean and rerun them. Pure: results in, Markdown lines out.
 */
// Pure and import-free, so Node loads it as it is.
import { TARGET_SHARE as PACER_TARGET_SHARE } from "../src/domain/pace-schedule.ts";
import { REVOKE_POLL_MS } from "./batches.ts";
import { FREE_PLAN_CPU_MS } from "./budget-limits.ts";
import type { DistanceResult } from "./distance.ts";
import { fmt, fmtMs } from "./format.ts";
import { ROUND_GAP_MS } from "./overhead.ts";
import { type RateLimitResult, STANDIN_WINDOW_MS } from "./rate-limit.ts";
import { type BenchResults, pacedKeysPerSecond } from "./results.ts";

/** Clerk's Backend API limit for development instances (src/config/config.ts `CLERK_LIMIT_TEST_PER_10S`). */
const CLERK_DEVELOPMENT_LIMIT_PER_10S = 100;
/** Clerk's Backend API limit for production instances, per 10 s. */
const CLERK_PRODUCTION_LIMIT_PER_10S = 1_000;

/** One Markdown bullet per measure, in the order the Results section shows them. */
export function methodLines(res: BenchResults): string[] {
  const o = res.overhead;
  const s = res.bundle.startup;
  const roundS = fmt(o.options.roundMs / 1000);
  return [
    "- **Runtime.** `wrangler dev --no-bundle` serving the deploy dry run's own bundle (minified, as uploaded), " +
      "with a fresh local D1 in a temporary directory and the dev stand-ins (Clerk, key lists, NOTIFY_URL) on " +
      "127.0.0.1. Serving the built file means an edit under src/ during the run cannot reload the Worker.",
    `- **Overhead.** ${o.options.rounds} rounds, each ${roundS} s of \`GET /health\` then ${roundS} s of one ` +
      `signed alert replayed, ${o.options.connections} keep-alive connections in a closed loop driven by ` +
      `autocannon ${res.machine.autocannon} in the bench's own process (bench/load.ts), after a warm-up of each ` +
      `and ${fmtMs(ROUND_GAP_MS)} apart (autocannon closes its connections at the end of a round with requests ` +
      "in flight, which the Worker still finishes); " +
      "throughput and each response-time percentile are medians of the rounds (a p99 is the median of the " +
      "rounds' p99s; autocannon records whole milliseconds). The token is a GitHub token, so no Clerk call is " +
      "made: signature check, parsing and the D1 record are what is measured. " +
      `The load generator itself used ${fmt(o.clientCpuCores, 2)} cores while sending alerts. CPU per ` +
      "request is read from /proc for wrangler's whole process group (workerd, wrangler) plus this process. " +
      "Until issue 13 the load came from a hand-written `node:http` loop of the same closed-loop shape, which " +
      "reported no response times; side by side on the same `wrangler dev`, the two gave the same " +
      "throughput within the rounds' spread, autocannon at no more client CPU per request.",
    "- **Batches.** The keys are created in the Clerk stand-in in-process; one signed alert carries " +
      "them all; time to answer is the POST round trip, time to revoke is when the stand-in (polled in-process " +
      `every ${fmt(REVOKE_POLL_MS)} ms) shows every key revoked, through the inline pool and then the queue ` +
      "consumer. Notifications to NOTIFY_URL are on, as in `npm start`. `CLERK_RATE_LIMIT` is 1,000,000, so the " +
      "pacer (a Durable Object round trip before each Clerk call) never makes a batch wait: batches measure the " +
      "6-connection bound, not Clerk's rate limit.",
    ...rateLimitMethod(res.rateLimit),
    ...distanceMethod(res.distance),
    `- **Bundle and start-up.** \`wrangler deploy --dry-run\`'s "Total Upload" line. Start-up: a new Miniflare ` +
      `instance from construction to the first \`/health\` answer, ${s.runs} runs interleaved with a hello-world ` +
      "Worker started the same way; the difference is the Worker's own parse and top-level evaluation. Cloudflare " +
      "measures start-up differently (on upload), so the absolute numbers are local only.",
    "- **CPU.** bench/cpu.bench.ts inside workerd (vitest): verify + parse against `JSON.parse` of the same " +
      "bytes, interleaved, median of 3. workerd's clock advances in steps, so per-call times are means over many " +
      `calls. The Workers free plan allows ${FREE_PLAN_CPU_MS} ms of CPU per request.`,
  ];
}

function distanceMethod(d: DistanceResult | undefined): string[] {
  if (d === undefined) return [];
  const { d1LatencyMs, clerkLatencyMs, rounds } = d.plan;
  return [
    `- **Distance model.** A \`wrangler dev\` of its own on bench/distance-worker.js, built by the same deploy dry run: ` +
      "src/index.ts's handlers and Durable Object class, handed an env whose `DB` waits " +
      `${fmt(d1LatencyMs)} ms before every round trip (a statement's \`run\`/\`first\`/\`all\`/\`raw\`, a ` +
      "`batch` and an `exec` are one round trip each) and writes each down (bench/distant-d1.ts, " +
      "bench/distance-handlers.ts); " +
      `nothing in src/ changes. The Clerk stand-in answers every call after ${fmt(clerkLatencyMs)} ms. Each round ` +
      "sends four single-token alerts one at a time (a new live key, its replay, an unknown `ak_` secret, a " +
      "`ghp_` token) at that distance and again at zero distance (stand-in latency 0, D1's set to 0 for the request " +
      `by a header), ${fmt(rounds)} rounds after one unrecorded warm-up; medians. Receipt and answer are the ` +
      "Worker's own clock (its `distance` log line, written once the request's `waitUntil` work has settled), the " +
      'revocation is the stand-in\'s key `updated_at`; one machine, one clock. D1 round trips "in sequence" are ' +
      'those that began after every earlier one had ended (overlapping ones share one latency); "in all" ' +
      "includes the background work after the answer. `CLERK_RATE_LIMIT` is 1,000,000, but the pacer's Durable " +
      "Object is still asked before each Clerk call, at zero distance.",
  ];
}

function rateLimitMethod(rl: RateLimitResult | undefined): string[] {
  if (rl === undefined) return [];
  return [
    `- **At Clerk's rate limit.** A second \`wrangler dev\` on the same bundle and a fresh D1, with ` +
      `\`CLERK_RATE_LIMIT\` = ${fmt(rl.rateLimitPer10s)} per 10 s, and the Clerk stand-in answering 429 with ` +
      `\`Retry-After\` past ${fmt(rl.callsPerSecond)} calls in any fixed ${fmtMs(STANDIN_WINDOW_MS)} window ` +
      `(stricter than Clerk's 10 s window: bursts are punished), latency ${fmt(rl.latencyMs)} ms. One signed ` +
      `alert carries ${fmt(rl.keys)} live keys. Time to revoke runs from sending the alert to the last ` +
      "successful revoke reaching the stand-in (its call log); the bound is 2 calls per key at the stand-in's " +
      "rate; the 429 share counts every Clerk call the alert caused. As test/pacing/big-leak.test.ts measures it." +
      (rl.rateLimitPer10s === CLERK_DEVELOPMENT_LIMIT_PER_10S
        ? ` The limit is Clerk's for development instances. Its production limit, ${fmt(CLERK_PRODUCTION_LIMIT_PER_10S)} ` +
          `per 10 s, asks for ${fmt(pacedKeysPerSecond(CLERK_PRODUCTION_LIMIT_PER_10S / 10), 1)} keys/s at the ` +
          `pacer's ${fmt(100 * PACER_TARGET_SHARE)}%, more than this local stack revokes even unpaced (the queue ` +
          "rates of the large batches above), so there it would measure Miniflare's one-batch-at-a-time queue " +
          "rather than the pace."
        : ""),
  ];
}
