/**
 * Crash safety of a live key's path, now that it takes three D1 round trips (record and claim; key id and the verify's
 * history; the final state and the revoke's history). The Worker is killed after each round trip in turn: every D1
 * call and queue send after that point fails, as they would for an isolate that is gone. Whatever the point, the
 * sweeper and the queue must bring the incident to `revoked`, with exactly one `api_key.revoked` event.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../src";
import { readConfig } from "../src/config/config";
import { sha256Hex } from "../src/lib/hash";
import { STRANDED_GRACE_MS } from "../src/use-cases/sweep";
import { wire } from "../src/wiring";
import { clearTables, incident, migrate } from "./support/db";
import { unavailableQueue } from "./support/faulty-bindings";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkKey,
  createLiveKey,
  match,
  NOTIFY,
  notifyDeliveries,
  resetClerk,
} from "./support/standins";
import { waitFor } from "./support/wait";
import { wrapD1 } from "./support/wrap-d1";

const secrecy = watchSecrecy({ clerk: CLERK, notify: NOTIFY });

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** A D1 that works for `survives` round trips and then is gone. */
function dyingAfter(survives: number): D1Database {
  let made = 0;
  return wrapD1(env.DB, (call) => {
    made++;
    return made <= survives ? call() : Promise.reject(new Error("D1_ERROR: Network connection lost."));
  });
}

/** One sweep at `at`, as the cron would run it. */
async function sweepAt(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("a Worker killed on a live key's path", () => {
  for (const survives of [1, 2, 3]) {
    it(`after round trip ${survives} of 3: the incident still ends revoked, with one revoked event`, async () => {
      const live = await createLiveKey();
      secrecy.track(live.secret);
      const tokenHash = await sha256Hex(live.secret);
      const config = readConfig(env);
      if (!config.ok) throw new Error(config.error);

      const dying = wire({ ...env, DB: dyingAfter(survives), REVOCATIONS: unavailableQueue() }, config.value);
      const ctx = createExecutionContext();
      await dying
        .processAlert(
          {
            sender: "github",
            matches: [match(live.secret)],
            invalid: 0,
            receivedAt: Date.now(),
            requestId: "t",
          },
          (p) => ctx.waitUntil(p),
        )
        .catch(() => undefined);
      await waitOnExecutionContext(ctx).catch(() => undefined);
      expect(await incident(tokenHash)).not.toBeNull();

      // Time passes: the dead claimant's lease runs out, and the cron comes round after its grace period.
      await env.DB.prepare("UPDATE incidents SET claimed_until = ?1 WHERE claimed_until IS NOT NULL")
        .bind(Date.now() - 1)
        .run();
      const later = Date.now() + 60_000 + STRANDED_GRACE_MS;
      await sweepAt(later);
      expect(await waitFor(async () => (await incident(tokenHash))?.status === "revoked", 15_000)).toBe(true);
      expect((await clerkKey(live.id)).revoked).toBe(true);

      // The event owed by the revocation goes out once, whether the dead Worker or the recovery owed it.
      await sweepAt(later + 2 * STRANDED_GRACE_MS);
      const revokedEvents = async () =>
        (await notifyDeliveries()).filter(
          (d) => d.body.includes(tokenHash) && d.body.includes("api_key.revoked"),
        );
      expect(await waitFor(async () => (await revokedEvents()).length > 0, 15_000)).toBe(true);
      await sweepAt(later + 4 * STRANDED_GRACE_MS);
      const ids = new Set((await revokedEvents()).map((d) => d.headers["webhook-id"]));
      expect(ids.size).toBe(1);
      expect(await incident(tokenHash)).toMatchObject({ status: "revoked", notify_due: null });
    }, 40_000);
  }
});
