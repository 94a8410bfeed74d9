/**
 * The pacing object across a reset (issue 22, item 5). A deploy or an eviction resets the Durable Object while
 * callers it granted slots are still sleeping toward them; a fresh schedule from now would book the same seconds
 * again, up to twice Clerk's rate, and forget a 429's slowdown. Here the object is reset for real (`ctx.abort()`, as
 * workerd does on a deploy) and booked again through a new stub, in the Workers runtime.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RATE_WINDOW_MS, TARGET_SHARE } from "../src/domain/pace-schedule";
import type { ClerkPacer } from "../src/pacing/clerk-pacer";

const LIMIT = 100;
const INTERVAL = RATE_WINDOW_MS / (LIMIT * TARGET_SHARE);
/** An alert's inline deadline, about: bookings this far ahead are callers asleep toward their slots. */
const INLINE_WAIT_MS = 8_000;

/** A pacing object of its own for each test: no test inherits another's schedule. */
const pacerNamed = (name: string) =>
  env.CLERK_PACER.get(env.CLERK_PACER.idFromName(`clerk:reset-test-${name}`));

/** Books `n` inline slots; answers when each is, in the object's clock (ms since the epoch). */
async function book(
  stub: DurableObjectStub<ClerkPacer>,
  n: number,
  maxWaitMs = INLINE_WAIT_MS,
): Promise<number[]> {
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    const asked = Date.now();
    const decision = await stub.reserve({ priority: "inline", maxWaitMs, limitPerWindow: LIMIT });
    if (decision.granted) slots.push(asked + decision.waitMs);
  }
  return slots;
}

/** Resets the object as a deploy does: its in-memory state is gone, its storage is not. */
async function reset(stub: DurableObjectStub<ClerkPacer>): Promise<void> {
  await runInDurableObject(stub, (_pacer, state) => state.abort("reset for the test")).catch(() => undefined);
}

describe("the pacing object after a reset", () => {
  it("books no slot before one it granted before the reset", async () => {
    const first = pacerNamed("slots");
    // 8 s of slots: the inline callers of a busy minute, asleep toward them when the deploy lands.
    const before = await book(first, Math.floor(INLINE_WAIT_MS / INTERVAL));
    expect(before.length).toBeGreaterThan(60);
    await reset(first);
    // Asked with a minute's patience, so each is granted wherever the restored schedule puts it.
    const after = await book(pacerNamed("slots"), 5, 60_000);
    expect(after).toHaveLength(5);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
  });

  it("keeps a 429's slowdown: slots after the reset are as far apart as before it", async () => {
    const first = pacerNamed("slowdown");
    await book(first, 1);
    await first.slowDown(0);
    const [a, b] = await book(first, 2);
    const slowedInterval = (b ?? 0) - (a ?? 0);
    expect(slowedInterval).toBeGreaterThan(INTERVAL * 1.3);
    await reset(first);
    const [c, d] = await book(pacerNamed("slowdown"), 2);
    // Recovery climbs 5 % of the rate a second, so a few ms between the two measures barely move it.
    expect((d ?? 0) - (c ?? 0)).toBeGreaterThan(INTERVAL * 1.3);
  });

  it("keeps a 429's pause: no slot before its Retry-After", async () => {
    const first = pacerNamed("pause");
    await book(first, 1);
    const pausedAt = Date.now();
    await first.slowDown(20_000);
    await reset(first);
    const [slot] = await book(pacerNamed("pause"), 1);
    // Inline waits up to 8 s, so a slot 20 s off is refused: nothing is granted inside the pause.
    expect(slot).toBeUndefined();
    const decision = await pacerNamed("pause").reserve({
      priority: "inline",
      maxWaitMs: 60_000,
      limitPerWindow: LIMIT,
    });
    expect(decision.granted && Date.now() + decision.waitMs).toBeGreaterThanOrEqual(pausedAt + 20_000);
  });

  it("starts idle, and books at once, when what it stored cannot be read", async () => {
    const stub = pacerNamed("garbage");
    await runInDurableObject(stub, (_pacer, state) => state.storage.kv.put("schedule", { markAt: "soon" }));
    await reset(stub);
    const decision = await pacerNamed("garbage").reserve({
      priority: "inline",
      maxWaitMs: INLINE_WAIT_MS,
      limitPerWindow: LIMIT,
    });
    expect(decision).toEqual({ granted: true, waitMs: 0 });
  });
});
