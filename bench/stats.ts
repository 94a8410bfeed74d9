/**
 * @module
 * Small pure helpers for the benchmarks: medians, the revocation lower bound, and number formatting.
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

/** A number with thousands separators and at most `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds, in ms below 10 s and in s above; two significant digits below 1 ms. */
export function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return "?";
  if (ms < 0) return `−${fmtMs(-ms)}`;
  if (ms > 0 && ms < 1) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 10) return `${fmt(ms, 2)} ms`;
  if (ms < 10_000) return `${fmt(ms)} ms`;
  return `${fmt(ms / 1000, 1)} s`;
}

/** A ratio like `0.83×`. */
export function fmtRatio(ratio: number): string {
  return `${fmt(ratio, ratio < 10 ? 2 : 1)}×`;
}
