/**
 * @module
 * A fixed-window rate limit, like Clerk's Backend API (1,000 requests per 10 s on production instances, 100 per 10 s
 * on development ones), so the Worker's pacing can be tested against the limit it will meet.
 */
import * as v from "valibot";

/**
 * A limit of `limit` calls per window of `windowMs`. Windows are aligned to multiples of `windowMs` on the stand-in's
 * clock; calls past `limit` in a window are refused and do not count.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const RateLimitSchema = v.strictObject({
  limit: v.pipe(v.number(), v.integer(), v.minValue(1)),
  windowMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

/** The limiter of one stand-in instance; no limit until one is set. */
export interface RateLimiter {
  /** Sets the limit (`null` lifts it) and starts counting afresh. */
  set(limit: RateLimit | null): void;
  current(): RateLimit | null;
  /**
   * Counts one call: `undefined` when it is within the limit, else the whole seconds until the window ends (at least
   * 1), for `Retry-After`.
   */
  take(): number | undefined;
}

/** Builds a limiter on the clock `now` (milliseconds). */
export function createRateLimiter(now: () => number): RateLimiter {
  let rateLimit: RateLimit | null = null;
  let windowStart = 0;
  let windowCalls = 0;
  return {
    set(limit) {
      rateLimit = limit;
      windowCalls = 0;
    },
    current: () => rateLimit,
    take() {
      if (rateLimit === null) return undefined;
      const at = now();
      const start = Math.floor(at / rateLimit.windowMs) * rateLimit.windowMs;
      if (start !== windowStart) {
        windowStart = start;
        windowCalls = 0;
      }
      if (windowCalls < rateLimit.limit) {
        windowCalls++;
        return undefined;
      }
      return Math.max(1, Math.ceil((start + rateLimit.windowMs - at) / 1000));
    },
  };
}
