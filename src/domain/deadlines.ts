/**
 * @module
 * The deadlines: how long each step may take when someone is waiting for the answer. A sender wants its answer within
 * its own deadline (GitHub: 15 s), and an operator at the console or the API is waiting too.
 */

/**
 * Time from receipt to the answer, whatever D1 and the queue do. GitHub allows 15 s; 12 s leaves room for a slow
 * network and clock skew. Every step below is bounded inside it.
 */
export const ALERT_BUDGET_MS = 12_000;

/**
 * Time from receipt for the D1 record. Past it (or on a D1 error) the alert goes on without the log: its keys are
 * revoked straight through Clerk and the record follows through the queue (process-unrecorded.ts).
 */
export const RECORD_BUDGET_MS = 4_000;

/**
 * Time from receipt to stop starting inline work. It leaves room within ALERT_BUDGET_MS for queueing the rest and for
 * calls in flight to come back.
 */
export const INLINE_DEADLINE_MS = 8_000;

/** How long an operator's request waits for a slot in Clerk's pace before the revocation is queued instead. */
export const MANUAL_DEADLINE_MS = 8_000;
