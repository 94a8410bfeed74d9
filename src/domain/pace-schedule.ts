/**
 * @module
 * The pace of Clerk calls, as pure arithmetic: a virtual schedule (GCRA, the "leaky bucket as a meter") that hands
 * each call the next free slot, `interval` after the one before. A caller told to wait sleeps until its slot; a caller
 * whose slot is too far off is told when to come back instead, and holds no slot meanwhile.
 *
 * - No burst allowance: slots are `interval` apart, so any window of Clerk's holds at most `ceil(window / interval)`
 *   calls, and the target stays under the limit by `TARGET_SHARE` to absorb network jitter at window edges.
 * - Inline work (an alert's sender is waiting) may book slots up to its own deadline; background work (the queue) only
 *   while the backlog is under `BACKGROUND_HORIZON_MS`. So a queue backlog never makes an alert wait more than that.
 * - A revoke of a key verified live goes first: it is the one call that ends a leak. While the backlog is past the
 *   background horizon (a flood of verifies), one slot every `REVOKE_RESERVE_SPACING_MS` is kept out of the verifies'
 *   bookings for revokes; a revoke takes the earliest kept slot, else books at the tail past the background horizon.
 *   A kept slot is a slot of the schedule left unbooked, never an extra one, so the rate is the same; one no revoke
 *   claimed goes to whoever asks in the last interval before it, so a flood without live keys wastes almost none.
 * - Clerk's 429 is the truth about the budget (the instance's other traffic shares it): it pushes every slot past its
 *   `Retry-After` and cuts the rate by `SLOWDOWN_FACTOR`; the rate then recovers linearly (AIMD, as TCP does).
 *
 * No clock: `now` is always passed in.
 */

/** The window Clerk's limits are stated in (1,000 per 10 s on production instances, 100 on development ones). */
export const RATE_WINDOW_MS = 10_000;
/** The share of the configured limit the schedule aims at; the rest absorbs jitter at Clerk's window edges. */
export const TARGET_SHARE = 0.9;
/** How far ahead background work may book slots. Inline work never waits behind more queue work than this. */
export const BACKGROUND_HORIZON_MS = 2_000;
/** While verifies book past the background horizon, one slot this often is kept for revokes. */
export const REVOKE_RESERVE_SPACING_MS = 1_000;
/**
 * The longest a revoke from the queue sleeps for its slot. Kept slots come every second, so it rarely needs this;
 * the lease (`CLAIM_LEASE_MS`, 30 s) still covers a verify, a revoke and a lookup at their timeouts and waits.
 */
export const QUEUED_REVOKE_MAX_WAIT_MS = 4_000;
/** The rate is multiplied by this after a 429. */
export const SLOWDOWN_FACTOR = 0.7;
/** The rate never falls below this share of the target, so a stream of 429s cannot stall revocation. */
export const MIN_RATE_SHARE = 0.1;
/** After a slowdown, the rate climbs back by this share of the target each second. */
export const RECOVERY_SHARE_PER_SECOND = 0.05;

/**
 * Who is asking: an alert's inline resolution (its sender is waiting), the queue, or the revoke (or the lookup that
 * decides a refused revoke) of a key Clerk has said is live, whoever asks for it.
 */
export type PacePriority = "inline" | "background" | "revoke";

/** The schedule's state. */
export interface PaceState {
  /** When the next free slot starts (ms since the epoch). */
  nextSlotAt: number;
  /** The share of the target rate in use, in [MIN_RATE_SHARE, 1]. */
  rateShare: number;
  /** When `rateShare` was last cut (ms since the epoch); recovery counts from here. */
  slowedAt: number;
  /** Slots kept for revokes, earliest first (ms since the epoch); each is a slot of the schedule left unbooked. */
  reserved: readonly number[];
  /** When the last slot was kept for revokes (ms since the epoch). */
  reservedAt: number;
}

/** One request for a slot. */
export interface PaceRequest {
  now: number;
  /** Clerk requests allowed per `RATE_WINDOW_MS` (`CLERK_RATE_LIMIT`). */
  limitPerWindow: number;
  priority: PacePriority;
  /** The longest the caller will sleep for its slot. */
  maxWaitMs: number;
}

/** A slot `waitMs` from now, or none: come back in `retryAfterMs`. */
export type PaceDecision = { granted: true; waitMs: number } | { granted: false; retryAfterMs: number };

/** A schedule with nothing booked. */
export const idleSchedule = (): PaceState => ({
  nextSlotAt: 0,
  rateShare: 1,
  slowedAt: Number.NEGATIVE_INFINITY,
  reserved: [],
  reservedAt: Number.NEGATIVE_INFINITY,
});

/** The rate share at `now`, recovered since the last slowdown. */
export function currentShare(state: PaceState, now: number): number {
  const recovered = state.rateShare + (RECOVERY_SHARE_PER_SECOND * Math.max(0, now - state.slowedAt)) / 1000;
  return Math.min(1, recovered);
}

/** Milliseconds between slots at `now`. */
export function slotInterval(state: PaceState, now: number, limitPerWindow: number): number {
  return RATE_WINDOW_MS / (limitPerWindow * TARGET_SHARE * currentShare(state, now));
}

/** Books the next slot for `request`, or says when to come back. */
export function reserve(
  state: PaceState,
  request: PaceRequest,
): { state: PaceState; decision: PaceDecision } {
  const { now, priority } = request;
  const interval = slotInterval(state, now, request.limitPerWindow);
  // Kept slots that have passed are gone: unused, like any slot nobody booked.
  const reserved = state.reserved.filter((at) => at >= now);
  const kept = reserved[0];
  if (
    kept !== undefined &&
    kept - now <= request.maxWaitMs &&
    (priority === "revoke" || kept - now <= interval)
  ) {
    return {
      state: { ...state, reserved: reserved.slice(1) },
      decision: { granted: true, waitMs: kept - now },
    };
  }
  const slot = Math.max(state.nextSlotAt, now);
  // Congested (the backlog is past the background horizon): keep this slot for revokes, once a spacing.
  const keep =
    priority !== "revoke" &&
    slot - now > BACKGROUND_HORIZON_MS &&
    slot >= state.reservedAt + REVOKE_RESERVE_SPACING_MS;
  const booked = keep ? slot + interval : slot;
  const waitMs = booked - now;
  const horizon = priority === "background" ? BACKGROUND_HORIZON_MS : Number.POSITIVE_INFINITY;
  if (waitMs > Math.min(request.maxWaitMs, horizon)) {
    // A refused verify comes back as background work (an alert queues what it could not finish), so: once the
    // backlog has drained to the background horizon. A refused revoke comes back as a queued revoke: once the
    // earliest slot it could take is within that wait. An inline call is refused only because its caller's deadline
    // comes before its slot; when the queue could book at once, it says 0, so the alert does not hold back the work
    // it queues (a wait of whole seconds for every unstarted token, and a timer each on the queue).
    const earliest = kept ?? slot;
    const retryAfterMs =
      priority === "revoke"
        ? Math.max(1, earliest - now - QUEUED_REVOKE_MAX_WAIT_MS)
        : Math.max(priority === "inline" ? 0 : 1, slot - now - BACKGROUND_HORIZON_MS);
    return { state, decision: { granted: false, retryAfterMs } };
  }
  return {
    state: {
      ...state,
      nextSlotAt: booked + interval,
      reserved: keep ? [...reserved, slot] : reserved,
      reservedAt: keep ? slot : state.reservedAt,
    },
    decision: { granted: true, waitMs },
  };
}

/**
 * Clerk answered 429: no slot before its `Retry-After`, and a slower rate. Several calls in flight meet the same
 * limit at once, so one slowdown per `Retry-After` counts; the rest only confirm the pause.
 */
export function slowDown(state: PaceState, now: number, retryAfterMs: number): PaceState {
  const pauseUntil = now + Math.max(0, retryAfterMs);
  const alreadySlowed = now - state.slowedAt < Math.max(retryAfterMs, 1_000);
  const rateShare = alreadySlowed
    ? state.rateShare
    : Math.max(MIN_RATE_SHARE, currentShare(state, now) * SLOWDOWN_FACTOR);
  return {
    ...state,
    nextSlotAt: Math.max(state.nextSlotAt, pauseUntil),
    rateShare,
    slowedAt: alreadySlowed ? state.slowedAt : now,
    // No call before Retry-After, a revoke's included.
    reserved: state.reserved.filter((at) => at >= pauseUntil),
  };
}
