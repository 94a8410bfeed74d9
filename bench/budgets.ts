/**
 * @module
 * The budgets of issues 5, 10 and 15 applied: whether this run passed each (the numbers are in budget-limits.ts). A miss carries the
 * reason worked out from this run's numbers (bench/miss-reasons.ts). Pure: results in, verdicts out.
 */
import {
  BATCH_10K_BUDGET_MS,
  BATCH_100_BUDGET_FACTOR,
  BUNDLE_BUDGET_GZIP_KIB,
  CPU_BUDGET_ONE_MATCH_MS,
  DISTANCE_BUDGET_FACTOR,
  GITHUB_DEADLINE_MS,
  MAX_429_SHARE,
  OVERHEAD_BUDGET_RATIO,
  RATE_BOUND_BUDGET_FACTOR,
} from "./budget-limits.ts";
import { type DistanceSummary, PATH_TITLES, summarizeDistance } from "./distance-summary.ts";
import { fmt, fmtMs, fmtRatio, fmtShare, fmtWholeMs } from "./format.ts";
import {
  batch10kWhy,
  batch100Why,
  bundleWhy,
  cpuWhy,
  distanceWhy,
  overheadWhy,
  rate429Why,
  rateRatioWhy,
} from "./miss-reasons.ts";
import { type BenchResults, share429 } from "./results.ts";

export type Verdict = "pass" | "miss" | "not measured";

export interface BudgetCheck {
  measure: string;
  budget: string;
  measured: string;
  verdict: Verdict;
  /** For a miss: why, from this run's numbers, and what would fix it. */
  why?: string;
}

/** Each budget, judged on this run. */
export function evaluateBudgets(res: BenchResults): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const o = res.overhead;
  checks.push(
    judged(o.ratio >= OVERHEAD_BUDGET_RATIO, () => overheadWhy(res), {
      measure: "overhead ratio (alerts/s ÷ /health req/s)",
      budget: `≥ ${OVERHEAD_BUDGET_RATIO}`,
      measured: fmt(o.ratio, 2),
    }),
  );

  const b100 = res.batches.find((b) => b.keys === 100);
  if (b100 === undefined) {
    checks.push(notMeasured("100 live keys at 50 ms: time to answer", "≤ 1.5 × bound"));
  } else {
    const limit = BATCH_100_BUDGET_FACTOR * b100.boundMs;
    checks.push(
      judged(b100.answerMs <= limit && b100.labelled === b100.keys, () => batch100Why(b100), {
        measure: `100 live keys at ${res.latencyMs} ms: all labelled in the answer`,
        budget: `≤ ${BATCH_100_BUDGET_FACTOR} × ${fmtMs(b100.boundMs)} = ${fmtMs(limit)}`,
        measured: `${fmtMs(b100.answerMs)} (${fmtRatio(b100.answerMs / b100.boundMs)} the bound), ${b100.labelled} labelled`,
      }),
    );
  }

  const b10k = res.batches.find((b) => b.keys === 10_000);
  if (b10k === undefined) {
    checks.push(notMeasured("10,000 matches: time to answer", `< ${fmtMs(BATCH_10K_BUDGET_MS)}`));
  } else {
    checks.push(
      judged(b10k.answerMs < BATCH_10K_BUDGET_MS, () => batch10kWhy(b10k), {
        measure: "10,000 matches: time to answer",
        budget: `< ${fmtMs(BATCH_10K_BUDGET_MS)} (GitHub allows ${fmtMs(GITHUB_DEADLINE_MS)})`,
        measured: `${fmtMs(b10k.answerMs)}; ${fmt(b10k.labelled)} labelled, the rest queued`,
      }),
    );
  }

  const rl = res.rateLimit;
  if (rl === undefined) {
    checks.push(
      notMeasured(
        "big leak at Clerk's rate limit: time to revoke",
        `≤ ${RATE_BOUND_BUDGET_FACTOR} × bound`,
        "failed",
      ),
      notMeasured(
        "big leak at Clerk's rate limit: 429s",
        `≤ ${fmt(100 * MAX_429_SHARE)}% of calls`,
        "failed",
      ),
    );
  } else {
    const ratio = rl.revokeMs / rl.boundMs;
    const limit = RATE_BOUND_BUDGET_FACTOR * rl.boundMs;
    const share = share429(rl);
    checks.push(
      judged(ratio <= RATE_BOUND_BUDGET_FACTOR, () => rateRatioWhy(rl, res.batches), {
        measure: `${fmt(rl.keys)} live keys at ${fmt(rl.callsPerSecond)} calls/s: time to revoke`,
        budget: `≤ ${RATE_BOUND_BUDGET_FACTOR} × ${fmtMs(rl.boundMs)} = ${fmtMs(limit)}`,
        measured: `${fmtMs(rl.revokeMs)} (${fmtRatio(ratio)} the bound)`,
      }),
      judged(share <= MAX_429_SHARE, () => rate429Why(rl), {
        measure: `${fmt(rl.keys)} live keys at ${fmt(rl.callsPerSecond)} calls/s: Clerk calls answered 429`,
        budget: `≤ ${fmt(100 * MAX_429_SHARE)}%`,
        measured: `${fmtShare(share)} (${fmt(rl.limited)} of ${fmt(rl.clerkCalls)})`,
      }),
    );
  }

  if (res.distance === undefined) {
    checks.push(
      notMeasured("distance model: receipt to revocation", `≤ ${DISTANCE_BUDGET_FACTOR} × bound`, "failed"),
    );
  } else {
    checks.push(...distanceChecks(summarizeDistance(res.distance)));
  }

  checks.push(
    judged(res.bundle.gzipKiB < BUNDLE_BUDGET_GZIP_KIB, () => bundleWhy(res.bundle, BUNDLE_BUDGET_GZIP_KIB), {
      measure: "bundle, gzip",
      budget: `< ${BUNDLE_BUDGET_GZIP_KIB} KiB`,
      measured: `${fmt(res.bundle.gzipKiB, 2)} KiB`,
    }),
    judged(res.cpu.verify_parse_1_ms < CPU_BUDGET_ONE_MATCH_MS, cpuWhy, {
      measure: "signature + parse CPU, one match",
      budget: `< ${CPU_BUDGET_ONE_MATCH_MS} ms`,
      measured: fmtMs(res.cpu.verify_parse_1_ms),
    }),
  );
  return checks;
}

/** One check per path of the distance model, against the same bound. */
export function distanceChecks(d: DistanceSummary): BudgetCheck[] {
  const limit = DISTANCE_BUDGET_FACTOR * d.boundMs;
  return d.paths.map((p) =>
    judged(p.judgedMs <= limit, () => distanceWhy(p, d), {
      measure:
        `distance model (D1 ${fmt(d.d1LatencyMs)} ms, Clerk ${fmt(d.clerkLatencyMs)} ms), ${PATH_TITLES[p.path]}: ` +
        `receipt to ${p.revokeMs === undefined ? "answer" : "revocation"}`,
      budget: `≤ ${DISTANCE_BUDGET_FACTOR} × ${fmtWholeMs(d.boundMs)} = ${fmtWholeMs(limit)}`,
      measured: `${fmtWholeMs(p.judgedMs)} (${fmtRatio(p.judgedMs / d.boundMs)} the bound)`,
    }),
  );
}

/** A pass, or a miss with its reason; the reason is only worked out for a miss. */
function judged(
  ok: boolean,
  why: () => string,
  check: { measure: string; budget: string; measured: string },
): BudgetCheck {
  return ok ? { ...check, verdict: "pass" } : { ...check, verdict: "miss", why: why() };
}

function notMeasured(measure: string, budget: string, why = "smoke"): BudgetCheck {
  return { measure, budget, measured: `not measured (${why})`, verdict: "not measured" };
}
