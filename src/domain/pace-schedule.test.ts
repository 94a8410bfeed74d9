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

/** The schedule's slots of `book(n, 0)`, from 0: those booked and those kept for revokes (each a slot of the pace). */
function slotsOfPace(n: number) {
  const { state, waits } = book(n, 0);
  return [...waits, ...state.reserved].sort((a, b) => a - b);
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
      const inFirstWindow = slotsOfPace(1_000).filter((w) => w < 10_000).length;
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
      const inFirstWindow = slotsOfPace(1_000).filter((w) => w < RATE_WINDOW_MS).length;
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

  describe("an inline call refused for its own deadline", () => {
    it("says come back at once when the queue could book now, so the work it queues is not held back", () => {
      // Three slots booked: the next is a few intervals off, within the background horizon, but past a deadline 1 ms away.
      const { state } = book(3, 0, { priority: "inline" });
      expect(reserve(state, request(0, { priority: "inline", maxWaitMs: 1 })).decision).toEqual({
        granted: false,
        retryAfterMs: 0,
      });
      expect(reserve(state, request(0, { priority: "background" })).decision.granted).toBe(true);
    });

    it("says when the backlog drains to the background horizon when it is past it", () => {
      const { state } = book(60, 0, { priority: "inline" });
      expect(reserve(state, request(0, { priority: "inline", maxWaitMs: 1 })).decision).toEqual({
        granted: false,
        retryAfterMs: state.nextSlotAt - BACKGROUND_HORIZON_MS,
      });
    });

    it("never tells queued work to come back at once: it waits at least 1 ms", () => {
      const { state } = book(3, 0, { priority: "inline" });
      const background = reserve(state, request(0, { priority: "background", maxWaitMs: 1 })).decision;
      expect(background).toEqual({ granted: false, retryAfterMs: 1 });
    });
  });

  describe("Clerk's 429", () => {
    it("books no slot before Retry-After", () => {
      const state = slowDown(idleSchedule(), 5_000, 3_000);
      const verify = reserve(state, request(5_000)).decision;
      // The first slot after a long pause is past the background horizon, so it may be the one kept for revokes.
      expect(verify.granted && verify.waitMs).toBeGreaterThanOrEqual(3_000);
      expect(verify.granted && verify.waitMs).toBeLessThanOrEqual(3_000 + INTERVAL / SLOWDOWN_FACTOR + 1e-6);
      expect(reserve(state, request(5_000, { priority: "revoke" })).decision).toEqual({
        granted: true,
        waitMs: 3_000,
      });
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

/**
 * A sustained flood of junk tokens (a fork storm: 20 inline verifies a second against a pace of 9) for two minutes,
 * with a live key now and then. Each alert's tokens are verified inline up to the alert's 8 s deadline; what is
 * refused goes to the queue, which retries after the `retryAfterMs` it was told (at least 1 s, as `pacedOut` does).
 * A live key, once verified (50 ms later), books its revoke inline up to the same deadline, then from the queue
 * (up to 4 s a try). Answers the longest a verified key waited for its revoke's slot, and every slot granted.
 */
function junkFlood() {
  const FLOOD_END_MS = 120_000;
  const JUNK_EVERY_MS = 50;
  const DEADLINE_MS = 8_000;
  const CLERK_MS = 50;
  const QUEUED_REVOKE_WAIT_MS = 4_000;
  const liveAt = Array.from({ length: 40 }, (_, i) => 10_000 + i * 2_537);
  type Event = { at: number; run: (now: number) => void };
  const events: Event[] = [];
  const at = (time: number, run: (now: number) => void) => {
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((events[mid]?.at ?? 0) <= time) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, { at: time, run });
  };
  const queueDelay = (retryAfterMs: number) => Math.max(1, Math.ceil(retryAfterMs / 1000)) * 1000;
  let state = idleSchedule();
  const slots: number[] = [];
  const book = (now: number, priority: PaceRequest["priority"], maxWaitMs: number) => {
    const booked = reserve(state, request(now, { priority, maxWaitMs }));
    state = booked.state;
    if (booked.decision.granted) slots.push(now + booked.decision.waitMs);
    return booked.decision;
  };
  const revokeWaits: number[] = [];
  const revoke = (verifiedAt: number, deadlineAt: number | undefined) => (now: number) => {
    const inline = deadlineAt !== undefined && now < deadlineAt;
    const decision = book(now, "revoke", inline ? deadlineAt - now : QUEUED_REVOKE_WAIT_MS);
    if (decision.granted) revokeWaits.push(now + decision.waitMs - verifiedAt);
    else at(now + queueDelay(decision.retryAfterMs), revoke(verifiedAt, undefined));
  };
  const verify = (live: boolean, deadlineAt: number | undefined) => (now: number) => {
    const inline = deadlineAt !== undefined && now < deadlineAt;
    const decision = book(now, inline ? "inline" : "background", inline ? deadlineAt - now : 2_000);
    if (!decision.granted) at(now + queueDelay(decision.retryAfterMs), verify(live, undefined));
    else if (live) {
      const verifiedAt = now + decision.waitMs + CLERK_MS;
      at(verifiedAt, revoke(verifiedAt, deadlineAt));
    }
  };
  for (let t = 0; t < FLOOD_END_MS; t += JUNK_EVERY_MS) at(t, verify(false, t + DEADLINE_MS));
  for (const t of liveAt) at(t + 1, verify(true, t + 1 + DEADLINE_MS));
  for (let event = events.shift(); event; event = events.shift()) event.run(event.at);
  slots.sort((a, b) => a - b);
  let busiestWindow = 0;
  for (let i = 0, j = 0; i < slots.length; i++) {
    // A slot exactly one window after another falls outside it (less a float's rounding).
    while ((slots[i] ?? 0) - (slots[j] ?? 0) >= RATE_WINDOW_MS - 1e-6) j++;
    busiestWindow = Math.max(busiestWindow, i - j + 1);
  }
  return { longestRevokeWaitMs: Math.max(...revokeWaits), revokes: revokeWaits.length, busiestWindow };
}

describe("the revoke of a key verified live goes first", () => {
  it("is not starved by a sustained flood of junk verifies, and the pace holds", () => {
    const flood = junkFlood();
    console.info("junk flood", flood);
    expect(flood.revokes).toBe(40);
    expect(flood.longestRevokeWaitMs).toBeLessThanOrEqual(2_500);
    expect(flood.busiestWindow).toBeLessThanOrEqual(90);
  });

  it("takes a slot kept for revokes, ahead of verifies booked before it", () => {
    const { state } = book(60, 0, { priority: "inline" });
    const revoke = reserve(state, request(0, { priority: "revoke", maxWaitMs: 4_000 })).decision;
    expect(revoke.granted).toBe(true);
    expect(revoke.granted && revoke.waitMs).toBeLessThan(state.nextSlotAt - BACKGROUND_HORIZON_MS);
  });

  it("books past the background horizon when no kept slot is free", () => {
    const { state } = book(30, 0, { priority: "inline" });
    const cleared = { ...state, reserved: [] };
    const revoke = reserve(cleared, request(0, { priority: "revoke", maxWaitMs: 4_000 })).decision;
    expect(revoke).toEqual({ granted: true, waitMs: state.nextSlotAt });
  });

  it("keeps one slot a second for revokes while the backlog is past the background horizon, and none before", () => {
    const { state } = book(80, 0, { priority: "inline" });
    const kept = state.reserved;
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...kept)).toBeGreaterThan(BACKGROUND_HORIZON_MS);
    for (let i = 1; i < kept.length; i++)
      expect((kept[i] ?? 0) - (kept[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("hands a kept slot no revoke claimed to whoever asks just before it passes", () => {
    const { state } = book(80, 0, { priority: "inline" });
    const first = state.reserved[0] ?? 0;
    const verify = reserve(state, request(first - 50, { priority: "inline", maxWaitMs: 8_000 })).decision;
    expect(verify).toEqual({ granted: true, waitMs: 50 });
  });

  it("keeps no slot for revokes before a 429's Retry-After", () => {
    const { state } = book(80, 0, { priority: "inline" });
    const paused = slowDown(state, 0, 5_000);
    expect(Math.min(...paused.reserved)).toBeGreaterThanOrEqual(5_000);
  });
});
