/**
 * @module
 * The arithmetic the benchmarks are judged by: medians of rounds, and the lower bounds on revoking live keys that
 * time to revoke is compared with.
 */

/** The Workers limit on simultaneous outbound connections per invocation, which the Worker's pool honours. */
export const CLERK_CONNECTIONS = 6;
/** Clerk calls per live key: verify (secret → key id), then revoke. */
export const CLERK_CALLS_PER_KEY = 2;

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/**
 * The lower bound on revoking `keys` live keys: every Clerk call costs `latencyMs` and at most
 * `CLERK_CONNECTIONS` are in flight, so `keys × 2 × latency / 6`. For fewer than 6 keys the real floor is higher
 * (a key's two calls are sequential: 2 × latency); the bound stays the definition so ratios compare.
 */
export function revocationBoundMs(keys: number, latencyMs: number): number {
  return (keys * CLERK_CALLS_PER_KEY * latencyMs) / CLERK_CONNECTIONS;
}

/**
 * The floor on revoking `keys` live keys when Clerk allows `callsPerSecond`: two calls per key at that rate,
 * whatever the latency or the connections.
 */
export function rateBoundMs(keys: number, callsPerSecond: number): number {
  return ((keys * CLERK_CALLS_PER_KEY) / callsPerSecond) * 1000;
}

/** Issue 15's bound on one live key at a distance: its two Clerk calls and one D1 round trip, none avoidable. */
export const DISTANCE_BOUND_CLERK_CALLS = 2;
export const DISTANCE_BOUND_D1_ROUND_TRIPS = 1;

/** The distance model's bound: `2 × clerkLatencyMs + 1 × d1LatencyMs`. */
export function distanceBoundMs(d1LatencyMs: number, clerkLatencyMs: number): number {
  return DISTANCE_BOUND_CLERK_CALLS * clerkLatencyMs + DISTANCE_BOUND_D1_ROUND_TRIPS * d1LatencyMs;
}
