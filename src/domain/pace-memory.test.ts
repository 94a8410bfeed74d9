import { describe, expect, it } from "vitest";
import { MARK_AHEAD_MS, memoryToWrite, type PaceMemory, restoreSchedule } from "./pace-memory";
import {
  idleSchedule,
  type PaceState,
  RATE_WINDOW_MS,
  reserve,
  slowDown,
  TARGET_SHARE,
} from "./pace-schedule";

const LIMIT = 100;
const NOW = 1_800_000_000_000;
const INTERVAL = RATE_WINDOW_MS / (LIMIT * TARGET_SHARE);

/** Books `n` inline slots at `now`, writing memory as the object does; answers the grants, the writes and the end. */
function bookWithMemory(n: number, now: number, start: PaceState = idleSchedule(), from?: PaceMemory) {
  let state = start;
  let memory = from;
  const grantedAt: number[] = [];
  let writes = 0;
  for (let i = 0; i < n; i++) {
    const booked = reserve(state, { now, limitPerWindow: LIMIT, priority: "inline", maxWaitMs: 60_000 });
    state = booked.state;
    if (booked.decision.granted) grantedAt.push(now + booked.decision.waitMs);
    const write = memoryToWrite(memory, state);
    if (write) {
      memory = write;
      writes++;
    }
  }
  return { state, memory, grantedAt, writes };
}

describe("the pacing schedule's memory", () => {
  it("is written on the first booking of a schedule with none", () => {
    const { memory, writes } = bookWithMemory(1, NOW);
    expect(writes).toBe(1);
    expect(memory?.markAt).toBe(NOW + INTERVAL + MARK_AHEAD_MS);
  });

  it("is written once per MARK_AHEAD_MS of booked schedule, not once per booking", () => {
    // 90 bookings at 100 calls per 10 s: 10 s of schedule, so about one write a second of it.
    const { writes } = bookWithMemory(90, NOW);
    expect(writes).toBeGreaterThanOrEqual(9);
    expect(writes).toBeLessThanOrEqual(Math.ceil((90 * INTERVAL) / MARK_AHEAD_MS) + 1);
  });

  it("keeps the mark past every slot it has granted, at every write", () => {
    const { memory, grantedAt } = bookWithMemory(250, NOW);
    expect(Math.max(...grantedAt)).toBeLessThan(memory?.markAt ?? 0);
  });

  it("restores a schedule whose every slot comes after every slot granted before the reset", () => {
    const before = bookWithMemory(72, NOW);
    const lastGranted = Math.max(...before.grantedAt);
    // A reset 200 ms later: a fresh object, nothing but the stored memory.
    const restored = restoreSchedule(before.memory as PaceMemory, idleSchedule());
    const after = bookWithMemory(20, NOW + 200, restored, before.memory);
    expect(Math.min(...after.grantedAt)).toBeGreaterThan(lastGranted);
  });

  it("costs at most MARK_AHEAD_MS of schedule on a reset", () => {
    const before = bookWithMemory(72, NOW);
    const restored = restoreSchedule(before.memory as PaceMemory, idleSchedule());
    expect(restored.nextSlotAt - before.state.nextSlotAt).toBeLessThanOrEqual(MARK_AHEAD_MS);
  });

  it("is written when a 429 slows the rate, and restores that slower rate", () => {
    const booked = bookWithMemory(3, NOW);
    const slowed = slowDown(booked.state, NOW + 100, 1_000);
    const write = memoryToWrite(booked.memory, slowed);
    expect(write).toEqual({
      markAt: Math.max(slowed.nextSlotAt + MARK_AHEAD_MS, booked.memory?.markAt ?? 0),
      rateShare: slowed.rateShare,
      slowedAt: NOW + 100,
    });
    const restored = restoreSchedule(write as PaceMemory, idleSchedule());
    expect(restored.rateShare).toBe(slowed.rateShare);
    expect(restored.slowedAt).toBe(NOW + 100);
    expect(restored.nextSlotAt).toBeGreaterThanOrEqual(NOW + 1_100);
  });

  it("is not written again by a 429 that only confirms a slowdown already stored", () => {
    const booked = bookWithMemory(1, NOW);
    const slowed = slowDown(booked.state, NOW, 1_000);
    const memory = memoryToWrite(booked.memory, slowed);
    const confirmed = slowDown(slowed, NOW + 10, 1_000);
    expect(memoryToWrite(memory, confirmed)).toBeUndefined();
  });

  it("never lowers a stored mark", () => {
    const stored: PaceMemory = { markAt: NOW + 30_000, rateShare: 1, slowedAt: null };
    const slowed = slowDown(restoreSchedule(stored, idleSchedule()), NOW, 0);
    expect(memoryToWrite(stored, { ...slowed, nextSlotAt: NOW })?.markAt).toBe(NOW + 30_000);
  });

  it("stores a schedule never slowed as null, which storage can hold, and restores it as never", () => {
    const { memory } = bookWithMemory(1, NOW);
    expect(memory?.slowedAt).toBeNull();
    expect(restoreSchedule(memory as PaceMemory, idleSchedule()).slowedAt).toBe(Number.NEGATIVE_INFINITY);
  });
});
