/**
 * @module
 * Every Clerk call waits for its slot in the instance's pace first: book it, sleep until it, or learn when to come
 * back when none is free within the wait.
 */
import type { PacePriority } from "../domain/pace-schedule";
import type { Pacer } from "../pacing/pacer";

/** A slot was booked and slept until, or none was free within the wait: come back in `retryAfterMs`. */
export type SlotWait = { ok: true } | { ok: false; retryAfterMs: number };

/** Books a slot for one Clerk call and sleeps until it. */
export async function waitForSlot(
  pacer: Pacer,
  sleep: (ms: number) => Promise<void>,
  priority: PacePriority,
  maxWaitMs: number,
): Promise<SlotWait> {
  const decision = await pacer.reserve(priority, maxWaitMs);
  if (!decision.granted) return { ok: false, retryAfterMs: decision.retryAfterMs };
  if (decision.waitMs > 0) await sleep(decision.waitMs);
  return { ok: true };
}
