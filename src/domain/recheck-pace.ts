/**
 * @module
 * The pace of a re-check of many `not_found` verdicts (use-cases/recheck-not-found.ts), in one place so the route's
 * description and the use case say the same numbers.
 */

/** Incidents reopened per chunk: one `sendBatch` of revocations, about as many rows read. */
export const RECHECK_CHUNK = 100;

/**
 * Between chunks, so a big re-check queues work about as fast as Clerk's pace takes it (100 per 10 s is a tenth of a
 * production instance's budget) instead of flooding the queue ahead of fresh alerts.
 */
export const RECHECK_CHUNK_INTERVAL_SECONDS = 10;
