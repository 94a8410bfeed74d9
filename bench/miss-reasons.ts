/**
 * @module
 * Why a budget was missed and what would fix it, written from this run's own numbers so the explanation in
 * bench/RESULTS.md never outlives the measurement it explains. Pure: results in, prose out.
 */
// Pure and import-free, so Node loads it as it is: the pacer's target share of CLERK_RATE_LIMIT and its slowdown.
import { TARGET_SHARE as PACER_TARGET_SHARE, SLOWDOWN_FACTOR } from "../src/domain/pace-schedule.ts";
import type { BatchResult } from "./batches.ts";
import type { BundleResult } from "./bundle.ts";
import type { DistanceSummary, PathSummary } from "./distance-summary.ts";
import { fmt, fmtMs, fmtPlural, fmtRatio, fmtWholeMs } from "./format.ts";
import type { CpuByProgram } from "./proc-cpu.ts";
import { type RateLimitResult, STANDIN_WINDOW_MS } from "./rate-limit.ts";
import { type BenchResults, pacedKeysPerSecond, ratePhases, totalCpu } from "./results.ts";
import { CLERK_CONNECTIONS, DISTANCE_BOUND_CLERK_CALLS, DISTANCE_BOUND_D1_ROUND_TRIPS } from "./stats.ts";

/** The overhead ratio: where an alert's extra time and CPU go, against `/health` in the same rounds. */
export function overheadWhy(res: BenchResults): string {
  const o = res.overhead;
  const p = o.workerPhases;
  const inside =
    p === undefined
      ? ""
      : ` Inside the Worker (its own log, median over ${fmt(p.alerts)} alerts) an alert takes ` +
        `${fmtMs(p.duration_ms)}: ${fmtMs(p.prepare_ms)} to verify, parse and hash (signature + parse alone is ` +
        `${fmtMs(res.cpu.verify_parse_1_ms)} of CPU in the CPU bench) and ${fmtMs(p.record_ms)} waiting on ` +
        "the D1 record, most of it queueing behind the other requests on the busy cores.";
  const alertCpu = totalCpu(o.cpuPerRequest.alert);
  const healthCpu = totalCpu(o.cpuPerRequest.health);
  const cpu =
    alertCpu === 0
      ? ""
      : ` The cores are saturated, so throughput follows CPU per request, summed over every process: an alert ` +
        `costs ${fmtMs(alertCpu)} (${cpuBreakdown(o.cpuPerRequest.alert)}), a /health ${fmtMs(healthCpu)} ` +
        `(${cpuBreakdown(o.cpuPerRequest.health)}); workerd runs the Worker and local D1, node is wrangler, ` +
        "which receives and prints the Worker's log line for every alert, bench is the load generator.";
  return (
    `At ${o.options.connections} connections an alert is answered in ${fmtMs(o.alertLatencyMs.p50)} at the ` +
    `median (p99 ${fmtMs(o.alertLatencyMs.p99)}) against ${fmtMs(o.healthLatencyMs.p50)} for /health (p99 ` +
    `${fmtMs(o.healthLatencyMs.p99)}).${cpu}${inside} Even /health costs ${fmtMs(healthCpu)} of CPU under ` +
    "`wrangler dev` (its proxy Worker, a second workerd, request logging in Node): bare Miniflare serves it " +
    `${fmtRatio(res.bundle.bareHealth.perSecond / o.healthPerSecond)} faster. Production has neither that ` +
    "proxy nor local SQLite, so this ratio overstates the gap there. What would close it here, in src/: skip " +
    "the D1 write when the same sighting of an already-final token was recorded minutes ago (a small " +
    "per-isolate cache in front of `record`, src/incidents/intake.ts / src/use-cases/process-alert.ts); " +
    "moving the write to `waitUntil` would shorten the answer but not the CPU, so not this ratio. The " +
    "machine's other load moves the ratio from run to run."
  );
}

/** `workerd 1.2 ms + node 0.8 ms + bench 0.1 ms`, largest first. */
function cpuBreakdown(cpu: CpuByProgram): string {
  return Object.entries(cpu)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${fmtMs(ms)}`)
    .join(" + ");
}

/** 100 live keys not all labelled in time: the Worker's phases against the 6-lane floor. */
export function batch100Why(b: BatchResult): string {
  const p = b.phases;
  const parts = [
    p.prepare_ms === undefined ? undefined : `prepare ${fmtMs(p.prepare_ms)}`,
    p.record_ms === undefined ? undefined : `D1 record ${fmtMs(p.record_ms)}`,
    p.inline_ms === undefined ? undefined : `inline Clerk work ${fmtMs(p.inline_ms)}`,
  ].filter(Boolean);
  const floor = Math.ceil(b.keys / CLERK_CONNECTIONS) * 2 * b.latencyMs;
  return (
    `The Worker's phases for this alert: ${parts.join(", ") || "not in the log"}. With 6 lanes and two ` +
    `sequential calls per key the inline work cannot beat ${fmtMs(floor)}; whatever the inline phase takes ` +
    "beyond that is time between Clerk calls (the D1 claim, key save and finish around each key)."
  );
}

/** 10,000 matches answered too late: which phase took the time. */
export function batch10kWhy(b: BatchResult): string {
  const p = b.phases;
  return (
    `The Worker's phases: prepare ${fmtMs(p.prepare_ms ?? Number.NaN)}, D1 record ` +
    `${fmtMs(p.record_ms ?? Number.NaN)}, inline ${fmtMs(p.inline_ms ?? Number.NaN)} (the inline deadline is ` +
    "8 s from receipt), then queueing the rest. Whatever exceeds 10 s is spent before the deadline starts to " +
    "count down usefully (prepare, record) or after it (queueing)."
  );
}

/** The big leak revoked too slowly: the pacer's own floor, each phase's rate, and what held the slow one back. */
export function rateRatioWhy(rl: RateLimitResult, batches: readonly BatchResult[]): string {
  const pace = pacedKeysPerSecond(rl.callsPerSecond);
  const p = ratePhases(rl);
  const parts = [
    `The pacer aims at ${fmt(100 * PACER_TARGET_SHARE)}% of CLERK_RATE_LIMIT, ${fmt(pace, 1)} keys/s here, so ` +
      `its own floor is ${fmtRatio(1 / PACER_TARGET_SHARE)} the bound.`,
    `Inline, ${fmt(rl.labelled)} keys were revoked before the answer at ${fmtMs(rl.answerMs)} ` +
      `(${fmt(p.inline, 1)} keys/s)` +
      (p.queueRate === undefined
        ? "."
        : `; the queue revoked the other ${fmt(p.queued)} at ${fmt(p.queueRate, 1)} keys/s.`),
  ];
  if (rl.limited > 0) {
    parts.push(
      `${fmt(rl.limited)} calls met a 429; each pauses every caller past its Retry-After and slows the pace by ` +
        `${fmt(100 * (1 - SLOWDOWN_FACTOR))}% before it recovers, so they cost time beyond the calls themselves.`,
    );
  }
  // The same run's unpaced batches show what the local stack can do without any rate limit.
  const unpaced = batches
    .filter((b) => b.keys - b.labelled >= 100)
    .map((b) => ({ keys: b.keys, rate: ((b.keys - b.labelled) * 1000) / (b.revokeMs - b.answerMs) }));
  const fastest = unpaced.sort((a, b) => b.rate - a.rate)[0];
  if (fastest !== undefined) {
    parts.push(
      `Without a rate limit (CLERK_RATE_LIMIT 1,000,000) and at ${fmt(batches[0]?.latencyMs ?? 0)} ms, the same run's ` +
        `${fmt(fastest.keys)}-key batch drained its queue at ${fmt(fastest.rate, 1)} keys/s.`,
    );
  }
  const slowPhase = Math.min(p.inline, p.queueRate ?? p.inline);
  if (slowPhase < 0.9 * pace) {
    parts.push(
      `A phase running below the pace (${fmt(slowPhase, 1)} of ${fmt(pace, 1)} keys/s) is held back by the local ` +
        "stack, not by the pace: Miniflare's queue broker hands the consumer one batch at a time, and every key " +
        "costs D1 writes (claim, key, finish) and a notification message on the same two cores as the stand-in " +
        "and the bench. Cloudflare runs consumer invocations concurrently. A lower rate or a quiet machine " +
        "separates the two.",
    );
  }
  return parts.join(" ");
}

/** Too many 429s in the big leak: how the stand-in counts, and how to tell bunching from jitter. */
export function rate429Why(rl: RateLimitResult): string {
  const first = rl.limitedAtMs[0];
  return (
    `${fmt(rl.limited)} of ${fmt(rl.clerkCalls)} calls were answered 429` +
    (first === undefined ? "" : `, the first ${fmtMs(first)} after the alert`) +
    `. The stand-in counts calls on arrival in fixed ${fmtMs(STANDIN_WINDOW_MS)} windows, and the pacer spaces ` +
    `slots ${fmtMs(1000 / (PACER_TARGET_SHARE * rl.callsPerSecond))} apart, so a window fills only when calls ` +
    "reach Clerk later than their slots and bunched together. Where the 429s fall in the plot says which: " +
    "clustered at the start (the pace not yet known to every caller) or spread (jitter at window edges, answered " +
    "by src/domain/pace-schedule.ts `TARGET_SHARE`)."
  );
}

/** The bundle over `budgetKiB`: what fills it, and what the dry runs without each heavy dependency came to. */
export function bundleWhy(bundle: BundleResult, budgetKiB: number): string {
  const total = bundle.contributors.reduce((sum, c) => sum + c.minifiedBytes, 0);
  const top = bundle.contributors
    .slice(0, 6)
    .map((c) => `${c.name} ${fmt(c.minifiedBytes / 1024, 1)} KiB`)
    .join(", ");
  const clerk = bundle.contributors
    .filter((c) => c.name.startsWith("@clerk/"))
    .reduce((sum, c) => sum + c.minifiedBytes, 0);
  const estimates = bundle.estimates
    .map((e) => `without ${e.without} ${fmt(e.gzipKiB, 2)} KiB gzip`)
    .join(", ");
  const webhooks = bundle.contributors
    .filter((c) => ["standardwebhooks", "fast-sha256", "@stablelib/base64"].includes(c.name))
    .reduce((sum, c) => sum + c.minifiedBytes, 0);
  return (
    `${fmt(bundle.gzipKiB - budgetKiB, 2)} KiB over. Minified bytes by source (esbuild metafile): ` +
    `${top}. The Clerk SDK is ${fmt((100 * clerk) / total)}% of the bundle for two endpoints ` +
    "(`POST /api_keys/verify`, `POST /api_keys/{id}/revoke`), and `standardwebhooks` with its pure-JS " +
    `SHA-256 and base64 adds ${fmt(webhooks / 1024, 1)} KiB for an HMAC that WebCrypto does natively.` +
    (estimates ? ` Dry runs with a stub in place of each: ${estimates}.` : "") +
    " Fix: Standard Webhooks sign/verify on `crypto.subtle` HMAC (src/senders/standard-webhooks-verifier.ts, " +
    "src/notify/deliver.ts) is the small change; a two-call fetch client for Clerk validated with valibot " +
    "(src/clerk/client.ts) is the big saving."
  );
}

/**
 * A path of the distance model over its budget: the waiting its round trips add up to at these latencies, against
 * the bound, and the rest, which is this machine's (the same path at zero distance).
 */
export function distanceWhy(p: PathSummary, d: DistanceSummary): string {
  const live = p.d1BeforeRevoke !== undefined;
  // Up to the revocation a live key has made both its Clerk calls; the other paths' calls all come before the answer.
  const d1 = (live ? p.d1BeforeRevoke : p.d1InSequence)?.max ?? 0;
  const clerk = p.clerkCalls.max;
  const waitingMs = d1 * d.d1LatencyMs + clerk * d.clerkLatencyMs;
  return (
    `${fmtPlural(d1, "D1 round trip")} one after another before the ${live ? "revoke" : "answer"} and ` +
    `${fmtPlural(clerk, "Clerk call")}: at ${fmt(d.d1LatencyMs)} ms and ${fmt(d.clerkLatencyMs)} ms they alone ` +
    `wait ${fmtWholeMs(waitingMs)}, against the bound's ${fmtWholeMs(d.boundMs)} ` +
    `(${fmtPlural(DISTANCE_BOUND_CLERK_CALLS, "Clerk call")}, ` +
    `${fmtPlural(DISTANCE_BOUND_D1_ROUND_TRIPS, "D1 round trip")}). The rest is this machine: the same path at zero ` +
    `distance takes ${fmtWholeMs(p.zero.judgedMs)} here (local D1, the pacer's Durable Object before each Clerk call, ` +
    "wrangler dev). " +
    (live && d1 <= 2
      ? 'What is left is a decision (docs/ARCHITECTURE.md, "Distance to D1"): the key id is stored before the ' +
        "revoke, and Clerk's verify waits for the record, so a replayed alert costs no Clerk call; starting the " +
        "verify beside the record would save one D1 round trip here and spend a billed verify, and a slot in " +
        "Clerk's budget, on every replay."
      : `Fix, in src/: fewer D1 round trips before the ${live ? "revoke" : "answer"}: record and claim in one ` +
        "batch, each attempt record riding with the next state write" +
        `${live ? ", the key id still stored before the revoke" : ""}.`)
  );
}

/** Signature check and parsing over their CPU budget: where to look. */
export function cpuWhy(): string {
  return (
    "Signature check and parsing of one match are over budget. Check that the key cache hits (a miss " +
    "imports the public key again) and profile `parseAlertBody` in bench/cpu.bench.ts."
  );
}
