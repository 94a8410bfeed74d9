/**
 * @module
 * How long the main suite's queues wait to fill a batch (vitest.config.ts). wrangler.toml's `max_batch_timeout` is
 * 1 s, and under Miniflare that second is spent on every round through the queue, even for a single message: a
 * message sent now is consumed a second later, a retry `delaySeconds` plus a second after it. The tests wait on
 * those rounds, so the suite uses a tenth of it. Messages sent together (one `sendBatch`) still arrive in one batch:
 * Miniflare flushes only once the whole send is queued. The pacing suite keeps wrangler.toml's value.
 */
export const TEST_QUEUE_BATCH_TIMEOUT_SECONDS = 0.1;

/**
 * Long enough for a message sent during a test to have been consumed, had one been sent: the batch timeout, then
 * half a second for the consumer's own work (the margin the suite had over wrangler.toml's 1 s).
 */
export const QUEUE_ROUND_MS = TEST_QUEUE_BATCH_TIMEOUT_SECONDS * 1_000 + 500;
