/**
 * @module
 * What one run of the bench measured, and the few quantities derived from it that the budgets, the prose and the
 * tables all need, worked out here once so they cannot disagree.
 */
// Pure and import-free, so Node loads it as it is.
import { TARGET_SHARE as PACER_TARGET_SHARE } from "../src/domain/pace-schedule.ts";
import type { BatchResult } from "./batches.ts";
import type { BundleResult } from "./bundle.ts";
import type { CpuResult } from "./cpu.ts";
import type { DistanceResult } from "./distance.ts";
import type { Machine } from "./machine.ts";
import type { OverheadResult } from "./overhead.ts";
import type { CpuByProgram } from "./proc-cpu.ts";
import type { RateLimitResult } from "./rate-limit.ts";
import { CLERK_CALLS_PER_KEY } from "./stats.ts";

export interface BenchResults {
  smoke: boolean;
  date: Date;
  machine: Machine;
  /** The Clerk stand-in's latency for the batch measures. */
  latencyMs: number;
  overhead: OverheadResult;
  batches: BatchResult[];
  /** Absent when the measure failed (a finding says why). */
  rateLimit: RateLimitResult | undefined;
  /** The distance model; absent when the measure failed (a finding says why). */
  distance: DistanceResult | undefined;
  bundle: BundleResult;
  cpu: CpuResult;
}

/** CPU milliseconds per request summed over every program. */
export function totalCpu(cpu: CpuByProgram): number {
  return Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
}

/** The share of the big leak's Clerk calls that were answered 429 (0 when there were none). */
export function share429(rl: RateLimitResult): number {
  return rl.clerkCalls > 0 ? rl.limited / rl.clerkCalls : 0;
}

/** Keys per second in the inline phase (until the answer) and through the queue (after it). */
export function ratePhases(rl: RateLimitResult): {
  inline: number;
  queued: number;
  queueRate: number | undefined;
} {
  const queued = rl.keys - rl.labelled;
  const queueMs = rl.revokeMs - rl.answerMs;
  return {
    inline: (rl.labelled * 1000) / rl.answerMs,
    queued,
    queueRate: queued > 0 && queueMs > 0 ? (queued * 1000) / queueMs : undefined,
  };
}

/** The pace the pacer aims at, in keys per second, when Clerk allows `callsPerSecond`: its share, two calls a key. */
export function pacedKeysPerSecond(callsPerSecond: number): number {
  return (PACER_TARGET_SHARE * callsPerSecond) / CLERK_CALLS_PER_KEY;
}
