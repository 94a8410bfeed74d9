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
 * The schedule lives in memory only. Persisting it would make every booking wait for a storage write; losing it when
 * the object is evicted (after it has been idle for a while, so the schedule is in the past anyway) costs at most one
 * early call, and a 429 teaches the pause again.
 */
import { DurableObject } from "cloudflare:workers";
import {
  idleSchedule,
  type PaceDecision,
  type PaceRequest,
  reserve,
  slowDown,
} from "../domain/pace-schedule";

/** What a caller sends to book a slot (the clock is the object's own). */
export type SlotRequest = Omit<PaceRequest, "now">;

/** The pacing object: `reserve` a slot before each Clerk call, `slowDown` after a 429. */
export class ClerkPacer extends DurableObject {
  private state = idleSchedule();

  reserve(request: SlotRequest): PaceDecision {
    const booked = reserve(this.state, { ...request, now: Date.now() });
    this.state = booked.state;
    return booked.decision;
  }

  slowDown(retryAfterMs: number): void {
    this.state = slowDown(this.state, Date.now(), retryAfterMs);
  }
}
