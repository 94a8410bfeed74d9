/**
 * The Clerk pacer between tests: a 429 scripted in one test pauses the shared pace (as it should in production), so
 * each test starts from a fresh pacing object instead of inheriting that pause.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/** Resets the pacing object of a Clerk instance (`default`: the one `CLERK_SECRET_KEY` names). */
export async function resetPacer(instance = "default"): Promise<void> {
  const stub = env.CLERK_PACER.get(env.CLERK_PACER.idFromName(`clerk:${instance}`));
  // `abort` throws away the object's memory; the next call builds it anew with an idle schedule.
  await runInDurableObject(stub, (_object, state) => {
    try {
      state.abort("reset between tests");
    } catch {
      // abort() ends the current request by throwing; the object is reset all the same.
    }
  }).catch(() => {});
}
