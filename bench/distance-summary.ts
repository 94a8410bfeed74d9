/**
 * @module
 * The distance model's runs boiled down per path: medians of the times, the D1 round trips and Clerk calls counted,
 * and the live key's timeline. Worked out here once, so the tables, the budgets, the prose and the plot cannot
 * disagree. Pure: runs in, numbers out.
 */

import { DISTANCE_PATHS, type DistancePath, type DistanceResult, type PathRun } from "./distance.ts";
import type { D1Trip } from "./distance-line.ts";
import { fmt } from "./format.ts";
import { distanceBoundMs, median } from "./stats.ts";

/** How each path reads in a table or on the plot. */
export const PATH_TITLES: Record<DistancePath, string> = {
  live: "live key",
  replay: "replay of a revoked key",
  unknown: "unknown ak_ secret (404)",
  not_clerk: "not Clerk's (ghp_)",
};

/** A count over the runs: the same every time, or the range it took. */
export interface Count {
  min: number;
  max: number;
}

/** One path over every round. */
export interface PathSummary {
  path: DistancePath;
  runs: number;
  /** Median from receipt to Clerk's revocation (live keys), and to the answer. */
  revokeMs: number | undefined;
  answerMs: number;
  /** What the path is judged by: receipt to revocation for a live key, to the answer for the others. */
  judgedMs: number;
  /** The fastest and slowest run of `judgedMs`: the noise. */
  judgedRangeMs: Count;
  /** The same medians at zero distance: what this machine costs by itself. */
  zero: { revokeMs: number | undefined; answerMs: number; judgedMs: number };
  /** D1 round trips one after another before the answer: each began after every earlier one had ended. */
  d1InSequence: Count;
  /** ...of them, those that began before Clerk was asked to revoke (live keys). */
  d1BeforeRevoke: Count | undefined;
  /** Every D1 round trip of the request, background work after the answer included. */
  d1Total: Count;
  clerkCalls: Count;
}

export interface DistanceSummary {
  d1LatencyMs: number;
  clerkLatencyMs: number;
  rounds: number;
  boundMs: number;
  paths: PathSummary[];
  /** The live key's run with the median time to revoke, step by step. */
  liveTimeline: string | undefined;
}

/** The summary of `res`. */
export function summarizeDistance(res: DistanceResult): DistanceSummary {
  const { d1LatencyMs, clerkLatencyMs, rounds } = res.plan;
  const paths = DISTANCE_PATHS.map((path) => summarizePath(path, res));
  const live = res.distant.filter((r) => r.path === "live");
  const medianLive = [...live].sort((a, b) => (a.revokeMs ?? 0) - (b.revokeMs ?? 0))[
    Math.floor(live.length / 2)
  ];
  return {
    d1LatencyMs,
    clerkLatencyMs,
    rounds,
    boundMs: distanceBoundMs(d1LatencyMs, clerkLatencyMs),
    paths,
    liveTimeline: medianLive === undefined ? undefined : timeline(medianLive),
  };
}

function summarizePath(path: DistancePath, res: DistanceResult): PathSummary {
  const runs = res.distant.filter((r) => r.path === path);
  const zeroRuns = res.zero.filter((r) => r.path === path);
  if (runs.length === 0 || zeroRuns.length === 0) throw new Error(`distance: no runs of ${path}`);
  const times = (rs: PathRun[]) => {
    const revokes = rs.flatMap((r) => (r.revokeMs === undefined ? [] : [r.revokeMs]));
    const revokeMs = revokes.length > 0 ? median(revokes) : undefined;
    const answerMs = median(rs.map((r) => r.answerMs));
    return { revokeMs, answerMs, judgedMs: revokeMs ?? answerMs };
  };
  const judged = runs.map((r) => r.revokeMs ?? r.answerMs);
  return {
    path,
    runs: runs.length,
    ...times(runs),
    judgedRangeMs: { min: Math.min(...judged), max: Math.max(...judged) },
    zero: times(zeroRuns),
    d1InSequence: countOf(runs.map((r) => inSequence(r.d1.filter((t) => t.startMs < r.answerMs)))),
    d1BeforeRevoke:
      path === "live"
        ? countOf(runs.map((r) => inSequence(r.d1.filter((t) => t.startMs < revokeCallAt(r)))))
        : undefined,
    d1Total: countOf(runs.map((r) => r.d1.length)),
    clerkCalls: countOf(runs.map((r) => r.clerk.length)),
  };
}

/**
 * Round trips that each began once every earlier one had ended: the ones whose latencies add up. Round trips that
 * overlap (a batch beside an attempt record, say) pay one latency between them and count once.
 */
export function inSequence(trips: readonly D1Trip[]): number {
  let count = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  for (const t of [...trips].sort((a, b) => a.startMs - b.startMs)) {
    if (t.startMs >= busyUntil) count++;
    busyUntil = Math.max(busyUntil, t.endMs);
  }
  return count;
}

/** When the run's revoke reached Clerk, ms since receipt; never, for a run without one. */
function revokeCallAt(run: PathRun): number {
  return run.clerk.find((c) => c.operation === "revoke")?.atMs ?? Number.POSITIVE_INFINITY;
}

function countOf(values: readonly number[]): Count {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** `6`, or `5–6` when the runs differed. */
export function fmtCount(c: Count): string {
  return c.min === c.max ? fmt(c.min) : `${fmt(c.min)}–${fmt(c.max)}`;
}

/**
 * The run's steps in time order, ms since receipt: each D1 round trip (start–end), each Clerk call (arrival at
 * Clerk), the revocation and the answer.
 */
export function timeline(run: PathRun): string {
  const events: { at: number; text: string }[] = [
    ...run.d1.map((t) => ({
      at: t.startMs,
      text: `D1 ${t.what} ${fmt(t.startMs)}–${Number.isFinite(t.endMs) ? fmt(t.endMs) : "?"}`,
    })),
    ...run.clerk.map((c) => ({ at: c.atMs, text: `Clerk ${c.operation} ${fmt(c.atMs)}` })),
    ...(run.revokeMs === undefined ? [] : [{ at: run.revokeMs, text: `revoked ${fmt(run.revokeMs)}` }]),
    { at: run.answerMs, text: `answer ${fmt(run.answerMs)}` },
  ];
  return events
    .sort((a, b) => a.at - b.at)
    .map((e) => e.text)
    .join(" → ");
}
