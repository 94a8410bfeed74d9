/**
 * @module
 * Waits for a promise at most so long, and never throws: for the steps of an alert that must not hold up its answer
 * (a slow D1, a slow queue). The promise itself keeps running; a caller that still needs it can hand it to
 * `waitUntil`.
 */

/** How a promise settled within its time. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "timeout" }
  | { ok: false; reason: "error"; error: unknown };

/** `promise`'s outcome, or `timeout` after `ms`. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: "timeout" }), Math.max(0, ms));
  });
  const settled = promise.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, reason: "error", error }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A name for an error that is safe to log (never its message, which could quote a secret). */
export const errorName = (error: unknown) => (error instanceof Error ? error.name : "unknown");
