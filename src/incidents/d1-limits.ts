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

/**
 * Largest JSON parameter a statement binds, in bytes of UTF-8. Rows travel to D1 as one JSON array
 * per statement, read with `json_each`, so an alert costs a few statements in one batch instead of one
 * per row. D1 refuses a string over {@link D1_MAX_STRING_BYTES}, and a refused batch fails the whole
 * alert, and every resend of it, so chunks are cut by bytes, never by rows. The 10% margin covers what
 * the docs leave open (whether the bound is inclusive, what the transport adds) and costs at most one
 * more statement per 1.8 MB.
 *
 * The other per-statement limits above do not bind the record statements: each statement's SQL text is
 * fixed, about 1 KB of the 100,000 bytes allowed, and binds at most 3 of the 100 parameters allowed
 * (local D1 enforces both, so any test that records catches a regression). As for queries per
 * invocation: the worst a 5 MiB alert can do is about 189,000 distinct one-character tokens with no
 * url, which measured 15 incident and 19 sighting statements at this budget, inside Workers Paid's 1,000
 * even if each statement of the batch counts.
 *
 * No single row can be over the budget, which would make `chunkJsonArrays` throw: the alert schema
 * (src/domain/alert-body.ts) caps every field a row carries. A sighting row holds two 64-hex ids, a url of
 * at most MAX_URL_CHARS (2,048) UTF-16 units, a source of at most 64 and a type of at most 128; at
 * worst 6 bytes of JSON a unit (a control character escaped as `\u00XX`), that is under 14 KB. An
 * incident row holds a 64-hex hash, a prefix of at most 7 characters, the type, and a sealed secret
 * only for Clerk-shaped tokens, which are at most 259 printable ASCII characters: under 2 KB. Either
 * is over a hundred times smaller than the budget.
 */
export const RECORD_PARAM_MAX_BYTES = Math.floor(D1_MAX_STRING_BYTES * 0.9);
