/**
 * The notification outbox under faults that last: each event the key owner's team is owed is delivered once, however
 * long its receiver refuses (Slack answers 429 and cannot drop repeats by `webhook-id`), however many copies of its
 * message the sweeper and the retries put on the queue, and however late notifications are switched on. A reopened
 * incident's second event has an id of its own.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { STRANDED_GRACE_MS } from "../src/use-cases/sweep";
import { clearTables, incident, migrate } from "./support/db";
import { deadLetter, failingForOverADay } from "./support/dead-letters";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  createLiveKey,
  type Delivery,
  failNotify,
  match,
  NOTIFY,
  notifyDeliveries,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";
import { waitFor } from "./support/wait";

const secrecy = watchSecrecy({ clerk: CLERK, notify: NOTIFY });
let key: SigningKey;

beforeAll(async () => {
  await migrate();
  key = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

const envWith = (overrides: Record<string, unknown>): Env => ({ ...env, ...overrides }) as Env;

/** A GitHub alert for `secrets`, handled over `workerEnv`; waits for its background work. */
async function alert(secrets: string[], workerEnv: Env = env): Promise<void> {
  const request = await signedAlert(key, JSON.stringify(secrets.map((s) => match(s))));
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  secrecy.sawResponse(await res.text());
  expect(res.status).toBe(200);
}

/** One cron run at `now`, over the real queue (its messages are consumed as in production). */
async function sweepAt(now: number, workerEnv: Env = env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
}

/** What the sweep at `now` puts on the queue for notifications, without delivering it. */
async function notificationsSweptAt(now: number): Promise<string[]> {
  const sent: string[] = [];
  const keep = (body: unknown) => {
    const b = body as { kind?: string; token_hash?: string };
    if (b.kind === "notify" && b.token_hash) sent.push(b.token_hash);
  };
  const queue = {
    send: async (body: unknown) => keep(body),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) keep(m.body);
    },
  } as unknown as Queue;
  await sweepAt(now, envWith({ REVOCATIONS: queue }));
  return sent;
}

async function deliveriesFor(tokenHash: string): Promise<Delivery[]> {
  return (await notifyDeliveries()).filter((d) => d.body.includes(tokenHash));
}

/** Waits until no delivery has arrived for `quietMs`: the queue has nothing left for the receiver. */
async function quiet(quietMs: number, timeoutMs: number): Promise<void> {
  let count = (await notifyDeliveries()).length;
  let since = Date.now();
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    const now = (await notifyDeliveries()).length;
    if (now !== count) {
      count = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
  throw new Error("deliveries never stopped");
}

/** A notify message for the incident, through the Worker's consumer as the queue delivers it. */
async function deliverMessage(tokenHash: string, id = crypto.randomUUID()) {
  const batch = createMessageBatch("autorevoke-revocations", [
    {
      id,
      timestamp: new Date(),
      attempts: 1,
      body: { v: 1, kind: "notify", event: "api_key.revoked", token_hash: tokenHash },
    },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("a receiver that refuses for longer than the sweeper's grace", () => {
  it("gets each revocation once when it recovers, whatever the sweeps queued meanwhile", async () => {
    const keys = await Promise.all([createLiveKey(), createLiveKey(), createLiveKey()]);
    const hashes = await Promise.all(keys.map((k) => sha256Hex(k.secret)));
    await failNotify(429, 100_000);
    await alert(keys.map((k) => k.secret));
    expect(
      await waitFor(async () => {
        for (const h of hashes) if ((await deliveriesFor(h)).length === 0) return false;
        return true;
      }, 15_000),
    ).toBe(true);
    // An hour of sweeps while the receiver still refuses: each finds the events owed and long past their grace.
    const start = Date.now();
    for (let minutes = 6; minutes <= 60; minutes += 6) await sweepAt(start + minutes * 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    await fetch(`${NOTIFY}/__standin/reset`, { method: "POST" });
    expect(
      await waitFor(async () => {
        for (const h of hashes) if (!(await deliveriesFor(h)).some((d) => d.status === 204)) return false;
        return true;
      }, 30_000),
    ).toBe(true);
    await quiet(4_000, 30_000);
    for (const h of hashes) {
      expect(
        (await deliveriesFor(h)).filter((d) => d.status === 204),
        h,
      ).toHaveLength(1);
      expect(await incident(h)).toMatchObject({ notify_due: null, notify_error: null });
    }
  }, 90_000);

  it("lets no sweep queue a copy while the delivery is being retried", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    const queuedAt = Date.now();
    await failNotify(429, 100_000);
    await alert([live.secret]);
    // Three refusals: the message is on its own backoff, so it is not lost.
    expect(await waitFor(async () => (await deliveriesFor(tokenHash)).length >= 3, 20_000)).toBe(true);
    // Past the grace period of the first queueing and of the third refusal: only the retry's own wait holds it back.
    const third = (await deliveriesFor(tokenHash))[2]?.at ?? 0;
    expect(await notificationsSweptAt(Math.max(queuedAt, third) + STRANDED_GRACE_MS + 1_000)).toEqual([]);
  }, 30_000);
});

describe("a notification message", () => {
  it("sends nothing for an event that is no longer owed", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    await alert([live.secret]);
    expect(await waitFor(async () => (await incident(tokenHash))?.notified_at !== null, 15_000)).toBe(true);
    const before = (await deliveriesFor(tokenHash)).length;
    const result = await deliverMessage(tokenHash);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await deliveriesFor(tokenHash)).toHaveLength(before);
    const skipped = secrecy
      .logs()
      .split("\n")
      // This token's line: a copy of another test's message, delivered late by the real queue, may skip too.
      .find((l) => l.includes('"event":"notification_skipped"') && l.includes(tokenHash));
    expect(JSON.parse(skipped ?? "{}")).toMatchObject({
      token_hash: tokenHash,
      notify_event: "api_key.revoked",
      reason: "not_owed",
    });
  }, 25_000);

  it("is sent once when two copies of it are delivered at the same time", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    // Off for the alert, so that only the two copies below deliver: the event is owed, and not yet on the queue.
    await alert([live.secret], envWith({ REVOCATIONS: { send: async () => {}, sendBatch: async () => {} } }));
    await env.DB.prepare("UPDATE incidents SET notify_due = 'api_key.revoked' WHERE token_hash = ?1")
      .bind(tokenHash)
      .run();
    await Promise.all([deliverMessage(tokenHash), deliverMessage(tokenHash)]);
    expect((await deliveriesFor(tokenHash)).filter((d) => d.status === 204)).toHaveLength(1);
  }, 25_000);
});

describe("notifications switched on after revocations", () => {
  it("owes nothing for a revocation made while NOTIFY_URL was unset, so turning it on sends no past event", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    await alert([live.secret], envWith({ NOTIFY_URL: "" }));
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", notify_due: null });
    expect(await notificationsSweptAt(Date.now() + 60 * 60_000)).toEqual([]);
  }, 25_000);
});

describe("a misconfigured NOTIFY_SECRET", () => {
  it("keeps the event owed, for the fixed setting to deliver, instead of dropping it", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    await alert([live.secret], envWith({ NOTIFY_SECRET: "whsec_not base64!" }));
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", notify_due: "api_key.revoked" });
    expect(await notificationsSweptAt(Date.now() + 60 * 60_000)).toEqual([tokenHash]);
  }, 25_000);
});

describe("a reopened incident", () => {
  it("gives its second revocation_failed an event id of its own", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    await scriptClerk([{ status: 503, times: 1000 }]);
    const failedEvents = async () =>
      (await deliveriesFor(tokenHash)).filter((d) => d.body.includes("api_key.revocation_failed"));

    await alert([live.secret]);
    await failingForOverADay(tokenHash);
    await deadLetter(tokenHash, "first");
    expect(await waitFor(async () => (await failedEvents()).length === 1, 20_000)).toBe(true);

    // A new sighting reopens it; Clerk still fails, and after another day it fails again.
    await alert([live.secret]);
    expect((await incident(tokenHash))?.status).toBe("pending");
    await failingForOverADay(tokenHash);
    await deadLetter(tokenHash, "second");
    expect(await waitFor(async () => (await failedEvents()).length === 2, 20_000)).toBe(true);

    const [first, second] = (await failedEvents()).map((d) => d.headers["webhook-id"]);
    expect(first).toMatch(/^msg_/);
    expect(second).toMatch(/^msg_/);
    expect(second).not.toBe(first);
  }, 45_000);
});
