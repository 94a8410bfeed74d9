/**
 * @module
 * What the pacing schedule keeps across a reset of its Durable Object (a deploy, an eviction, a crash), as pure
 * arithmetic. A reset must not book earlier than what it forgot: callers granted a slot before it are still sleeping
 * toward that slot (up to an inline deadline, 8 s), and a fresh schedule starting from now would book the same
 * seconds again, up to twice Clerk's rate. Nor may it forget a 429's slowdown.
 *
 * So the object keeps a mark that is always past every slot it has granted: `MARK_AHEAD_MS` beyond the next free
 * slot, written again only once the schedule has booked past it. A write holds the booking's answer until storage
 * has it (the output gate), so writing per booking would put a storage round trip on every Clerk call; the mark
 * writes once per `MARK_AHEAD_MS` of booked schedule instead (one in about 9 bookings at a development instance's
 * 100 calls per 10 s, one in 90 at production's 1,000), and a reset costs at most that much unused schedule.
 * The slowdown is written whenever a 429 changes it, which is rare by nature.
 *
 * Slots kept for revokes are not remembered: they lie before the mark, so a restored schedule simply books revokes
 * at its tail, later but never over the rate.
 */
import type { PaceState } from "./pace-schedule";

/** How far past the next free slot the remembered mark is set. */
export const MARK_AHEAD_MS = 1_000;

/** What is stored: enough to restore a schedule that never books before a slot already granted. */
export interface PaceMemory {
  /** No slot starts before this (ms since the epoch); past every slot granted when it was written. */
  markAt: number;
  /** The rate share in use when it was written (see PaceState). */
  rateShare: number;
  /** When the rate was last cut (ms since the epoch); `null` for never, as storage has no infinities. */
  slowedAt: number | null;
}

/** The schedule a reset object starts from: nothing before the mark, the slowdown as it was. */
export function restoreSchedule(memory: PaceMemory, idle: PaceState): PaceState {
  return {
    ...idle,
    nextSlotAt: Math.max(idle.nextSlotAt, memory.markAt),
    rateShare: memory.rateShare,
    slowedAt: memory.slowedAt ?? Number.NEGATIVE_INFINITY,
  };
}

/**
 * What to write after a booking or a slowdown moved the schedule to `state`, or `undefined` when the stored
 * memory still covers it: the next free slot is before the mark and the slowdown is the one stored.
 */
export function memoryToWrite(stored: PaceMemory | undefined, state: PaceState): PaceMemory | undefined {
  const slowedAt = Number.isFinite(state.slowedAt) ? state.slowedAt : null;
  const covered =
    stored !== undefined &&
    state.nextSlotAt <= stored.markAt &&
    stored.slowedAt === slowedAt &&
    stored.rateShare === state.rateShare;
  if (covered) return undefined;
  return {
    // Never lower a stored mark: slots granted before a slowdown's write are still ahead of it.
    markAt: Math.max(state.nextSlotAt + MARK_AHEAD_MS, stored?.markAt ?? 0),
    rateShare: state.rateShare,
    slowedAt,
  };
}
