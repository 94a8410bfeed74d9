/**
 * @module
 * The distance model's table and the lines around it, shared by the console report and bench/RESULTS.md so both
 * show the same cells. Pure: the summary in, rows and prose out.
 */
import { DISTANCE_BUDGET_FACTOR } from "./budget-limits.ts";
import { type DistanceSummary, fmtCount, PATH_TITLES } from "./distance-summary.ts";
import { fmt, fmtPlural, fmtRatio, fmtWholeMs } from "./format.ts";
import type { Table } from "./table-layout.ts";

/** One row per path: round trips counted, times at the distance and at zero distance, against the bound. */
export function distanceTable(d: DistanceSummary): Table {
  return {
    head: [
      "path",
      "D1 round trips in sequence before the answer (in all)",
      "Clerk calls",
      "receipt to revocation",
      "receipt to answer",
      "same at zero distance",
      "judged ÷ bound (runs' range)",
    ],
    rows: d.paths.map((p) => [
      PATH_TITLES[p.path],
      `${fmtCount(p.d1InSequence)}` +
        (p.d1BeforeRevoke === undefined ? "" : `, ${fmtCount(p.d1BeforeRevoke)} before the revoke`) +
        ` (${fmtCount(p.d1Total)})`,
      fmtCount(p.clerkCalls),
      p.revokeMs === undefined ? "— (nothing to revoke)" : fmtWholeMs(p.revokeMs),
      fmtWholeMs(p.answerMs),
      p.zero.revokeMs === undefined
        ? fmtWholeMs(p.zero.answerMs)
        : `${fmtWholeMs(p.zero.revokeMs)} / ${fmtWholeMs(p.zero.answerMs)}`,
      `${fmtRatio(p.judgedMs / d.boundMs)} (${fmt(p.judgedRangeMs.min / d.boundMs, 2)}–` +
        `${fmt(p.judgedRangeMs.max / d.boundMs, 2)})`,
    ]),
  };
}

/** The sentence that introduces the table: the settings, the bound and the budget. */
export function distanceIntro(d: DistanceSummary): string {
  return (
    `Distance model: every D1 round trip costs ${fmt(d.d1LatencyMs)} ms and every Clerk call ` +
    `${fmt(d.clerkLatencyMs)} ms; one single-token alert per path, medians of ${fmtPlural(d.rounds, "round")}. ` +
    "A live key " +
    `is judged from receipt to revocation, the other paths from receipt to the answer, against the bound of a live ` +
    `key, 2 Clerk calls + 1 D1 round trip = ${fmtWholeMs(d.boundMs)} (budget ≤ ${DISTANCE_BUDGET_FACTOR}×, ` +
    `${fmtWholeMs(DISTANCE_BUDGET_FACTOR * d.boundMs)}). "In all" counts the request's background work after the ` +
    "answer."
  );
}

/** The live key's median run step by step, or nothing when there is none. */
export function distanceTimelineLine(d: DistanceSummary): string | undefined {
  return d.liveTimeline === undefined
    ? undefined
    : `Live key, the median run, ms since receipt: ${d.liveTimeline}.`;
}
