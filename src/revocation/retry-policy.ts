/**
 * @module
 * When to try a retryable revocation again: exponential backoff with jitter, or Clerk's own
 * `Retry-After` when it gave one. Pure: the random source is passed in.
 */

/** First retry delay. */
export const RETRY_BASE_DELAY_SECONDS = 10;
/** Longest delay between attempts; Queues allows up to 12 hours. */
export const RETRY_MAX_DELAY_SECONDS = 3_600;
/** Queues' own ceiling on `delaySeconds`. */
const QUEUES_MAX_DELAY_SECONDS = 43_200;

/** Inputs of the policy. */
export interface RetryInput {
  /** Attempts made so far, 1 after the first failure. */
  attempt: number;
  /** Clerk's `Retry-After`, in seconds, when it gave one. */
  retryAfterSeconds?: number;
  baseDelaySeconds?: number;
  /** A number in [0, 1). */
  random: number;
}

/**
 * The delay before the next attempt, in whole seconds. Backoff uses "equal jitter" (half fixed, half
 * random) so retries spread out but never come early; a `Retry-After` is a floor, with up to 10%
 * added so a rate-limited herd does not return in the same second.
 */
export function retryDelaySeconds(input: RetryInput): number {
  const base = input.baseDelaySeconds ?? RETRY_BASE_DELAY_SECONDS;
  const exponent = Math.max(0, Math.min(input.attempt - 1, 30));
  const backoff = Math.min(RETRY_MAX_DELAY_SECONDS, base * 2 ** exponent);
  const delay =
    input.retryAfterSeconds !== undefined
      ? input.retryAfterSeconds * (1 + 0.1 * input.random)
      : backoff / 2 + (backoff / 2) * input.random;
  return Math.min(QUEUES_MAX_DELAY_SECONDS, Math.max(1, Math.ceil(delay)));
}
