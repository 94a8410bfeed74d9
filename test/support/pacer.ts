/**
 * The Clerk pacer between tests: a 429 scripted in one test pauses the shared pace (as it should in production), so
 * each test starts from an idle schedule, and no stored memory of one, instead of inheriting that pause.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { idleSchedule } from "../../src/domain/pace-schedule";
import type { ClerkPacer } from "../../src/pacing/clerk-pacer";

/** Resets the pacing object of a Clerk instance (`default`: the one `CLERK_SECRET_KEY` names). */
export async function resetPacer(instance = "default"): Promise<void> {
  const stub = env.CLERK_PACER.get(env.CLERK_PACER.idFromName(`clerk:${instance}`));
  // The schedule is the object's private memory; tests reach in rather than give production a reset method.
  await runInDurableObject(stub, (pacer: ClerkPacer, state) => {
    Reflect.set(pacer, "state", idleSchedule());
    Reflect.set(pacer, "memory", undefined);
    state.storage.kv.delete("schedule");
  });
}
