import { describe, expect, it } from "vitest";
import {
  BACKGROUND_HORIZON_MS,
  currentShare,
  idleSchedule,
  MIN_RATE_SHARE,
  type PaceRequest,
  RATE_WINDOW_MS,
  reserve,
  SLOWDOWN_FACTOR,
  slowDown,
  TARGET_SHARE,
} from "./pace-schedule";

const LIMIT = 100; // per 10 s: one slot every 10_000 / (100 * TARGET_SHARE) ms at full rate
const INTERVAL = RATE_WINDOW_MS / (LIMIT * TARGET_SHARE);

const request = (now: number, overrides: Partial<PaceRequest> = {}): PaceRequest => ({
  now,
  limitPerWindow: LIMIT,
  priority: "inline",
  maxWaitMs: 60_000,
  ...overrides,
});

/** Books `n` slots at `now`; answers the waits. */
function book(n: number, now: number, overrides: Partial<PaceRequest> = {}) {
  let state = idleSchedule();
  const waits: number[] = [];
  for (let i = 0; i < n; i++) {
    const booked = reserve(state, request(now, overrides));
    state = booked.state;
    if (booked.decision.granted) waits.push(booked.decision.waitMs);
  }
  return { state, waits };
}

describe("the pace of Clerk calls", () => {
  describe("the pace itself, as numbers (not derived from the constants it checks)", () => {
    it("spaces slots 111.1 ms apart at 100 calls per 10 s: 90 calls per window, not 100", () => {
      const { waits } = book(3, 0);
      // 10_000 / 90 = 111.11 ms; at 100% of the limit it would be 100 ms, at 50% 200 ms.
      expect(waits[1]).toBeCloseTo(111.11, 1);
      expect(waits[2]).toBeCloseTo(222.22, 1);
    });

    it("aims between 85% and 95% of the limit: under it, but not so far under that revocation slows", () => {
      const { waits } = book(1_000, 0);
      const inFirstWindow = waits.filter((w) => w < 10_000).length;
      expect(inFirstWindow).toBeGreaterThanOrEqual(85);
      expect(inFirstWindow).toBeLessThanOrEqual(95);
    });
  });

  describe("booking slots", () => {
    it("grants the first call at once", () => {
      expect(reserve(idleSchedule(), request(1_000)).decision).toEqual({ granted: true, waitMs: 0 });
    });

    it("spaces calls one interval apart, with no burst", () => {
      const { waits } = book(4, 0);
      expect(waits).toEqual([0, INTERVAL, 2 * INTERVAL, 3 * INTERVAL]);
    });

    it("never books more than the target share of the limit in any window", () => {
      const { waits } = book(1_000, 0);
      const inFirstWindow = waits.filter((w) => w < RATE_WINDOW_MS).length;
      expect(inFirstWindow).toBeLessThanOrEqual(LIMIT * TARGET_SHARE);
      expect(inFirstWindow).toBeGreaterThanOrEqual(LIMIT * TARGET_SHARE - 1);
    });

    it("does not carry idle time over into a burst", () => {
      let state = book(1, 0).state;
      state = reserve(state, request(60_000)).state;
      const next = reserve(state, request(60_000)).decision;
      expect(next.granted && next.waitMs).toBeCloseTo(INTERVAL);
    });

    it("refuses a slot beyond the caller's longest wait, and books nothing for it", () => {
      const { state } = book(10, 0);
      const refused = reserve(state, request(0, { maxWaitMs: INTERVAL }));
      expect(refused.decision.granted).toBe(false);
      expect(refused.state).toBe(state);
    });
  });

  describe("inline work first", () => {
    it("lets background work book only up to its horizon", () => {
      const slotsInHorizon = Math.floor(BACKGROUND_HORIZON_MS / INTERVAL) + 1;
      const { waits } = book(slotsInHorizon + 5, 0, { priority: "background" });
      expect(waits).toHaveLength(slotsInHorizon);
      expect(Math.max(...waits)).toBeLessThanOrEqual(BACKGROUND_HORIZON_MS);
    });

    it("lets inline work book past the background horizon, up to its own deadline", () => {
      const { state } = book(30, 0, { priority: "inline" });
      expect(reserve(state, request(0, { priority: "background" })).decision.granted).toBe(false);
      expect(reserve(state, request(0, { priority: "inline", maxWaitMs: 8_000 })).decision.granted).toBe(
        true,
      );
    });

    it("tells refused work to come back when the backlog has drained to the background horizon", () => {
      const { state } = book(60, 0, { priority: "inline" });
      const backlog = state.nextSlotAt;
      const refused = reserve(state, request(0, { priority: "background" })).decision;
      expect(refused).toEqual({ granted: false, retryAfterMs: backlog - BACKGROUND_HORIZON_MS });
    });
  });

  describe("Clerk's 429", () => {
    it("books no slot before Retry-After", () => {
      const state = slowDown(idleSchedule(), 5_000, 3_000);
      expect(reserve(state, request(5_000)).decision).toEqual({ granted: true, waitMs: 3_000 });
    });

    it("slows the rate", () => {
      const state = slowDown(idleSchedule(), 5_000, 1_000);
      expect(currentShare(state, 5_000)).toBeCloseTo(SLOWDOWN_FACTOR);
      const first = reserve(state, request(5_000));
      const second = reserve(first.state, request(5_000)).decision;
      expect(second.granted && second.waitMs).toBeCloseTo(1_000 + INTERVAL / SLOWDOWN_FACTOR);
    });

    it("counts once for the calls in flight that met the same limit", () => {
      let state = idleSchedule();
      for (let i = 0; i < 6; i++) state = slowDown(state, 5_000 + i, 1_000);
      expect(currentShare(state, 5_010)).toBeCloseTo(SLOWDOWN_FACTOR, 2);
    });

    it("never slows below the floor", () => {
      let state = idleSchedule();
      for (let i = 0; i < 50; i++) state = slowDown(state, i * 2_000, 1_000);
      expect(currentShare(state, 100_000 - 1)).toBeGreaterThanOrEqual(MIN_RATE_SHARE);
    });

    it("recovers the full rate gradually", () => {
      const state = slowDown(idleSchedule(), 0, 1_000);
      const soon = currentShare(state, 2_000);
      const later = currentShare(state, 20_000);
      expect(soon).toBeGreaterThan(SLOWDOWN_FACTOR);
      expect(soon).toBeLessThan(1);
      expect(later).toBe(1);
    });
  });
});
