/**
 * @module
 * D1's documented limits that shape how the incident log writes, as published at
 * https://developers.cloudflare.com/d1/platform/limits/ (read 2026-11-29). The page adds: "Limits for
 * individual queries (listed above) apply to each individual statement contained within a batch
 * statement", so each statement of a `db.batch()` must fit on its own.
 */

/** "Maximum string, `BLOB` or table row size: 2,000,000 bytes (2 MB)". Applies to each bound string. */
export const D1_MAX_STRING_BYTES = 2_000_000;

/** "Maximum SQL statement length: 100,000 bytes (100 KB)". The SQL text, not its bound values. */
export const D1_MAX_STATEMENT_BYTES = 100_000;

/** "Maximum bound parameters per query: 100". */
export const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * "Queries per Worker invocation: 1000 (Workers Paid) / 50 (Free)". The page does not say whether a
 * batch counts once or once per statement, so plan as if each statement counts.
 */
export const D1_MAX_QUERIES_PER_INVOCATION_PAID = 1_000;
export const D1_MAX_QUERIES_PER_INVOCATION_FREE = 50;
