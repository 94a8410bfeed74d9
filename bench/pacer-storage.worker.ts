/**
 * @module
 * The Worker bench/pacer-storage.ts times: the real `ClerkPacer` (its memory written once per `MARK_AHEAD_MS` of
 * schedule) beside two variants built from the same schedule, one that never writes (the baseline, as the object was
 * before issue 22) and one that writes on every booking. `GET /?pacer=…&n=…` books `n` slots one after another,
 * each a round trip to the object as a real caller's is, and answers the milliseconds they took.
 */
import { DurableObject } from "cloudflare:workers";
import { idleSchedule, type PaceDecision, reserve } from "../src/domain/pace-schedule";
import { ClerkPacer, type SlotRequest } from "../src/pacing/clerk-pacer";

export { ClerkPacer };

/** The schedule with no memory at all. */
export class NoWritePacer extends DurableObject {
  private state = idleSchedule();

  reserve(request: SlotRequest): PaceDecision {
    const booked = reserve(this.state, { ...request, now: Date.now() });
    this.state = booked.state;
    return booked.decision;
  }
}

/** The schedule written whole on every booking. */
export class PerBookingPacer extends DurableObject {
  private state = idleSchedule();

  reserve(request: SlotRequest): PaceDecision {
    const booked = reserve(this.state, { ...request, now: Date.now() });
    this.state = booked.state;
    this.ctx.storage.kv.put("schedule", {
      nextSlotAt: booked.state.nextSlotAt,
      rateShare: booked.state.rateShare,
      slowedAt: Number.isFinite(booked.state.slowedAt) ? booked.state.slowedAt : null,
    });
    return booked.decision;
  }
}

interface BenchEnv {
  CLERK_PACER: DurableObjectNamespace<ClerkPacer>;
  NO_WRITE: DurableObjectNamespace<NoWritePacer>;
  PER_BOOKING: DurableObjectNamespace<PerBookingPacer>;
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1000");
    const round = url.searchParams.get("round") ?? "0";
    const namespace = {
      mark: env.CLERK_PACER,
      none: env.NO_WRITE,
      every: env.PER_BOOKING,
    }[url.searchParams.get("pacer") ?? ""];
    if (!namespace) return new Response("pacer must be mark, none or every", { status: 400 });
    // A fresh object each round: no round inherits another's booked-ahead schedule.
    const stub = namespace.get(namespace.idFromName(`bench-${round}`)) as DurableObjectStub<NoWritePacer>;
    // Production's 1,000 calls per 10 s, and a wait long enough that every booking is granted: the mark moves, and is
    // written, once per second of booked schedule (about one booking in 90), as it would under a big leak.
    const slot: SlotRequest = { priority: "inline", maxWaitMs: 3_600_000, limitPerWindow: 1_000 };
    const started = performance.now();
    for (let i = 0; i < n; i++) await stub.reserve(slot);
    return Response.json({ ms: performance.now() - started });
  },
};
