/**
 * @module
 * `Result`: expected failures as values, so callers must handle them; bugs stay exceptions.
 */

/** Success or a tagged failure. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/** Wraps a success. */
export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

/** Wraps a failure. */
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
