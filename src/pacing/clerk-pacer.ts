/**
 * @module
 * The Durable Object that paces every call to one Clerk instance: one object per instance, so every isolate, queue
 * consumer and operator request of the deployment books its slots from one schedule (src/domain/pace-schedule.ts).
 *
 * Why a Durable Object: Clerk's limit is global to the instance, so the budget must be too, and a Durable Object is
 * the one Cloudflare primitive that is a single, strongly consistent, serialised point. Its input gate runs one
 * request at a time, so the read-modify-write below needs no lock. It is SQLite-backed (wrangler.toml
 * `new_sqlite_classes`), which the free plan allows.
 *
 * The schedule lives in memory; what a reset (a deploy, an eviction) must not forget lives in the object's own
 * synchronous key-value storage: a mark past every slot granted and the 429 slowdown (src/domain/pace-memory.ts).
 * It is written only when the schedule books past the mark or a 429 changes the rate, not on every booking: see
 * bench/pacer-storage.ts for what a write costs.
 */
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { memoryToWrite, type PaceMemory, restoreSchedule } from "../domain/pace-memory";
import {
  idleSchedule,
  type PaceDecision,
  type PaceRequest,
  type PaceState,
  reserve,
  slowDown,
} from "../domain/pace-schedule";

/** What a caller sends to book a slot (the clock is the object's own). */
export type SlotRequest = Omit<PaceRequest, "now">;

/** The storage key of the schedule's memory. */
const MEMORY_KEY = "schedule";

const MemorySchema = v.object({
  markAt: v.pipe(v.number(), v.finite()),
  rateShare: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  slowedAt: v.nullable(v.pipe(v.number(), v.finite())),
});

/** The pacing object: `reserve` a slot before each Clerk call, `slowDown` after a 429. */
export class ClerkPacer extends DurableObject {
  private state: PaceState;
  private memory: PaceMemory | undefined;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // A memory this code cannot read (an older shape, say) is no memory: start idle, as before it existed.
    const stored = v.safeParse(MemorySchema, ctx.storage.kv.get(MEMORY_KEY));
    this.memory = stored.success ? stored.output : undefined;
    this.state = this.memory ? restoreSchedule(this.memory, idleSchedule()) : idleSchedule();
  }

  reserve(request: SlotRequest): PaceDecision {
    const booked = reserve(this.state, { ...request, now: Date.now() });
    this.remember(booked.state);
    return booked.decision;
  }

  slowDown(retryAfterMs: number): void {
    this.remember(slowDown(this.state, Date.now(), retryAfterMs));
  }

  private remember(state: PaceState): void {
    this.state = state;
    const memory = memoryToWrite(this.memory, state);
    if (!memory) return;
    // Synchronous and local; the output gate holds this call's answer until the write is durable, so no caller
    // acts on a slot that a reset could hand out again.
    this.ctx.storage.kv.put(MEMORY_KEY, memory);
    this.memory = memory;
  }
}
