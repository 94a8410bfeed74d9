/**
 * @module
 * The contents of the bench's main tables (the summary, the batches, the budgets), shared by the console report
 * and bench/RESULTS.md so both always show the same cells. Pure: results in, rows out.
 */
import {
  BUNDLE_BUDGET_GZIP_KIB,
  CPU_BUDGET_ONE_MATCH_MS,
  DISTANCE_BUDGET_FACTOR,
  FREE_PLAN_CPU_MS,
  MAX_429_SHARE,
  OVERHEAD_BUDGET_RATIO,
  RATE_BOUND_BUDGET_FACTOR,
} from "./budget-limits.ts";
import type { BudgetCheck, Verdict } from "./budgets.ts";
import type { DistanceResult } from "./distance.ts";
import { summarizeDistance } from "./distance-summary.ts";
import { fmt, fmtMs, fmtRatio, fmtRatioTo, fmtShare, fmtSignedMs, fmtWholeMs } from "./format.ts";
import type { LatencyPercentiles } from "./load.ts";
import type { RateLimitResult } from "./rate-limit.ts";
import { type BenchResults, share429, totalCpu } from "./results.ts";
import type { Row, Table } from "./table-layout.ts";

/** Each measure next to its baseline from the same run. */
export function summaryTable(res: BenchResults): Table {
  const o = res.overhead;
  const s = res.bundle.startup;
  const c = res.cpu;
  return {
    head: ["measure", "value", "baseline (same run)", "ratio", "budget"],
    rows: [
      [
        `overhead: signed 1-match alerts/s, ${o.options.connections} connections`,
        `${fmt(o.alertPerSecond)}/s`,
        `GET /health ${fmt(o.healthPerSecond)}/s`,
        fmtRatio(o.ratio),
        `≥ ${OVERHEAD_BUDGET_RATIO}×`,
      ],
      [
        "overhead: response time p50 / p90 / p99 (ratio of p50s)",
        percentiles(o.alertLatencyMs),
        `GET /health ${percentiles(o.healthLatencyMs)}`,
        fmtRatioTo(o.alertLatencyMs.p50, o.healthLatencyMs.p50),
        "—",
      ],
      [
        "overhead: CPU per request, every process (/proc)",
        fmtMs(totalCpu(o.cpuPerRequest.alert)),
        `GET /health ${fmtMs(totalCpu(o.cpuPerRequest.health))}`,
        fmtRatioTo(totalCpu(o.cpuPerRequest.alert), totalCpu(o.cpuPerRequest.health)),
        "—",
      ],
      [
        `GET /health on the bare bundle in Miniflare, ${res.bundle.bareHealth.connections} connections`,
        `${fmt(res.bundle.bareHealth.perSecond)}/s`,
        `under wrangler dev ${fmt(o.healthPerSecond)}/s`,
        fmtRatio(res.bundle.bareHealth.perSecond / o.healthPerSecond),
        "— (context)",
      ],
      ...rateLimitRows(res.rateLimit),
      ...distanceRows(res.distance),
      [
        "bundle: gzip (minified total)",
        `${fmt(res.bundle.gzipKiB, 2)} KiB (${fmt(res.bundle.minifiedKiB, 2)} KiB)`,
        `budget ${BUNDLE_BUDGET_GZIP_KIB} KiB gzip`,
        fmtRatio(res.bundle.gzipKiB / BUNDLE_BUDGET_GZIP_KIB),
        `< ${BUNDLE_BUDGET_GZIP_KIB} KiB`,
      ],
      [
        `start-up: Miniflare start to first /health (median of ${s.runs})`,
        fmtMs(s.workerMedianMs),
        `hello-world Worker ${fmtMs(s.baselineMedianMs)}`,
        `${fmtRatio(s.workerMedianMs / s.baselineMedianMs)} (${fmtSignedMs(s.workerMedianMs - s.baselineMedianMs)})`,
        "—",
      ],
      [
        "CPU: verify + parse, 1 match (workerd)",
        fmtMs(c.verify_parse_1_ms),
        `JSON.parse ${fmtMs(c.json_parse_1_ms)}`,
        fmtRatioTo(c.verify_parse_1_ms, c.json_parse_1_ms),
        `< ${CPU_BUDGET_ONE_MATCH_MS} ms (free plan: ${FREE_PLAN_CPU_MS} ms)`,
      ],
      [
        "CPU: verify + parse, 1,000 matches (workerd)",
        fmtMs(c.verify_parse_1000_ms),
        `JSON.parse ${fmtMs(c.json_parse_1000_ms)}`,
        fmtRatioTo(c.verify_parse_1000_ms, c.json_parse_1000_ms),
        `(free plan: ${FREE_PLAN_CPU_MS} ms)`,
      ],
    ],
  };
}

/** `210 / 343 / 464 ms`: autocannon records whole milliseconds, so no decimals. */
function percentiles(ms: LatencyPercentiles): string {
  return `${fmt(ms.p50)} / ${fmt(ms.p90)} / ${fmt(ms.p99)} ms`;
}

/** Time to revoke at Clerk's rate limit against the rate bound, and the share of 429s. */
function rateLimitRows(rl: RateLimitResult | undefined): Row[] {
  if (rl === undefined) return [];
  return [
    [
      `time to revoke ${fmt(rl.keys)} live keys at Clerk's limit, ${fmt(rl.callsPerSecond)} calls/s`,
      fmtMs(rl.revokeMs),
      `rate bound ${fmtMs(rl.boundMs)} (2 calls per key); ${fmt(rl.labelled)} labelled inline`,
      fmtRatio(rl.revokeMs / rl.boundMs),
      `≤ ${RATE_BOUND_BUDGET_FACTOR}×`,
    ],
    [
      "…its Clerk calls answered 429",
      fmtShare(share429(rl)),
      `${fmt(rl.limited)} of ${fmt(rl.clerkCalls)} calls (${fmt(2 * rl.keys)} needed)`,
      "—",
      `≤ ${fmt(100 * MAX_429_SHARE)}%`,
    ],
  ];
}

/** The distance model's headline: one live key from receipt to revocation, at the distance and at zero distance. */
function distanceRows(result: DistanceResult | undefined): Row[] {
  if (result === undefined) return [];
  const d = summarizeDistance(result);
  const live = d.paths.find((p) => p.path === "live");
  if (live?.revokeMs === undefined || live.zero.revokeMs === undefined) return [];
  return [
    [
      `distance model, D1 ${fmt(d.d1LatencyMs)} ms / Clerk ${fmt(d.clerkLatencyMs)} ms: one live key, ` +
        "receipt to revocation",
      fmtWholeMs(live.revokeMs),
      `bound ${fmtWholeMs(d.boundMs)}; at zero distance ${fmtWholeMs(live.zero.revokeMs)}`,
      fmtRatio(live.revokeMs / d.boundMs),
      `≤ ${DISTANCE_BUDGET_FACTOR}×`,
    ],
  ];
}

/** One row per batch size: answer and revoke against the bound. */
export function batchTable(res: BenchResults): Table {
  return {
    head: [
      "live keys",
      "time to answer",
      "time to revoke",
      "bound",
      "answer / bound",
      "revoke / bound",
      "labelled",
      "Clerk calls",
      "Worker: prepare / D1 record / inline",
    ],
    rows: res.batches.map((b) => [
      fmt(b.keys),
      fmtMs(b.answerMs),
      fmtMs(b.revokeMs),
      fmtMs(b.boundMs),
      fmtRatio(b.answerMs / b.boundMs),
      fmtRatio(b.revokeMs / b.boundMs),
      fmt(b.labelled),
      `${fmt(b.clerkCalls)} (${fmt(2 * b.keys)} needed)`,
      [b.phases.prepare_ms, b.phases.record_ms, b.phases.inline_ms]
        .map((ms) => (ms === undefined ? "?" : fmt(ms)))
        .join(" / ")
        .concat(" ms"),
    ]),
  };
}

/** One row per budget; `verdict` says how the output marks each verdict. */
export function budgetTable(checks: readonly BudgetCheck[], verdict: (v: Verdict) => string): Table {
  return {
    head: ["measure", "budget", "measured", "verdict"],
    rows: checks.map((c) => [c.measure, c.budget, c.measured, verdict(c.verdict)]),
  };
}
