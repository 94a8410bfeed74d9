/**
 * @module
 * When to try a retryable revocation again: exponential backoff with jitter, never sooner than Clerk's
 * own `Retry-After` when it gave one. Pure: the random source is passed in.
 */

/** First retry delay. */
export const RETRY_BASE_DELAY_SECONDS = 10;
/** Longest delay between attempts; Queues allows up to 12 hours. */
export const RETRY_MAX_DELAY_SECONDS = 3_600;
/** Queues' own ceiling on `delaySeconds`. */
const QUEUES_MAX_DELAY_SECONDS = 43_200;

/** Inputs of the policy. */
export interface RetryInput {
  /** Real failures so far, 1 after the first; 0 when only waiting (a 429, the pace). */
  attempt: number;
  /** Clerk's `Retry-After`, in seconds, when it gave one. */
  retryAfterSeconds?: number;
  baseDelaySeconds?: number;
  /** A number in [0, 1). */
  random: number;
}

/**
 * The delay before the next attempt, in whole seconds. Backoff uses "equal jitter" (half fixed, half
 * random) so retries spread out but never come early. A `Retry-After` is a floor under it, with up to
 * 10% added so a rate-limited herd does not return in the same second. With no failure yet (attempt 0)
 * there is no backoff: only the floor, if any.
 */
export function retryDelaySeconds(input: RetryInput): number {
  const base = input.baseDelaySeconds ?? RETRY_BASE_DELAY_SECONDS;
  const exponent = Math.max(0, Math.min(input.attempt - 1, 30));
  const backoff =
    input.attempt > 0
      ? Math.min(RETRY_MAX_DELAY_SECONDS, base * 2 ** exponent) * (0.5 + 0.5 * input.random)
      : 0;
  const floor =
    input.retryAfterSeconds !== undefined ? input.retryAfterSeconds * (1 + 0.1 * input.random) : 0;
  return Math.min(QUEUES_MAX_DELAY_SECONDS, Math.max(1, Math.ceil(Math.max(backoff, floor))));
}
