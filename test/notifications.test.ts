/**
 * The key owner's team hears about every revocation and every final failure: Standard Webhooks-signed
 * events to NOTIFY_URL, delivered through the queue with retries, never in the way of a revocation.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_NOTIFY_SECRET } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { deadLetter, failingForOverADay } from "./support/dead-letters";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkKey,
  createLiveKey,
  type Delivery,
  failNotify,
  type LiveKey,
  match,
  NOTIFY,
  notifyDeliveries,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";
import { waitFor } from "./support/wait";

let key: SigningKey;
/** Secrets are looked for in each test's rows, messages, answers, logs, Clerk calls and deliveries. */
const secrecy = watchSecrecy({ clerk: CLERK, notify: NOTIFY });

beforeAll(async () => {
  await migrate();
  key = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

const send = async (tokens: string[], extra: Record<string, unknown> = {}) =>
  secrecy.fetch(await signedAlert(key, JSON.stringify(tokens.map((t) => match(t, extra)))));

/** Deliveries about one token, oldest first. */
async function deliveriesFor(tokenHash: string): Promise<Delivery[]> {
  return (await notifyDeliveries()).filter((d) => d.body.includes(tokenHash));
}

async function deliveredEvent(live: LiveKey, status = 204): Promise<Delivery> {
  const tokenHash = await sha256Hex(live.secret);
  const arrived = await waitFor(
    async () => (await deliveriesFor(tokenHash)).some((d) => d.status === status),
    20_000,
  );
  if (!arrived) throw new Error("no delivery arrived");
  const delivery = (await deliveriesFor(tokenHash)).find((d) => d.status === status);
  if (!delivery) throw new Error("no delivery");
  return delivery;
}

describe("on revocation", () => {
  it("delivers an api_key.revoked event that verifies with the standardwebhooks library", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    const delivery = await deliveredEvent(live);
    const event = new Webhook(TEST_NOTIFY_SECRET).verify(delivery.body, delivery.headers);
    expect(event).toMatchObject({
      type: "api_key.revoked",
      data: {
        token_hash: await sha256Hex(live.secret),
        key_id: live.id,
        key_name: live.name,
        key_subject: live.subject,
        sender: "github",
        url: "https://github.com/octo/repo/blob/main/.env",
        source: "content",
        token_prefix: `${live.secret.slice(0, 7)}…`,
      },
    });
    expect(delivery.headers["webhook-id"]).toMatch(/^msg_/);
  }, 25_000);

  it("carries no secret, in the body or the headers", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    const delivery = await deliveredEvent(live);
    expect(delivery.body).not.toContain(live.secret);
    expect(JSON.stringify(delivery.headers)).not.toContain(live.secret);
  }, 25_000);

  it("records the delivery on the incident", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    await deliveredEvent(live);
    const tokenHash = await sha256Hex(live.secret);
    expect(await waitFor(async () => (await incident(tokenHash))?.notified_at !== null, 5_000)).toBe(true);
  }, 25_000);
});

describe("a failing NOTIFY_URL", () => {
  it("is retried until it takes the event, and never holds up the revocation", async () => {
    const live = await createLiveKey();
    await failNotify(503, 2);
    const res = await send([live.secret]);
    expect(await res.json()).toEqual([
      { token_hash: await sha256Hex(live.secret), token_type: "clerk_api_key", label: "true_positive" },
    ]);
    // Answered, and the key revoked, while the event has not been taken yet: the delivery (which needs two retries,
    // a second or more apart) happens after, not before.
    expect((await clerkKey(live.id)).revoked).toBe(true);
    expect((await deliveriesFor(await sha256Hex(live.secret))).filter((d) => d.status < 300)).toEqual([]);
    const delivered = await deliveredEvent(live);
    const attempts = (await deliveriesFor(await sha256Hex(live.secret))).map((d) => d.status);
    expect(attempts.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(delivered.status).toBe(204);
  }, 30_000);

  it("records a notification that fails for good on the incident", async () => {
    const live = await createLiveKey();
    await failNotify(410, 1);
    await send([live.secret]);
    await deliveredEvent(live, 410);
    const tokenHash = await sha256Hex(live.secret);
    expect(
      await waitFor(async () => (await incident(tokenHash))?.notify_error === "notify_http_410", 5_000),
    ).toBe(true);
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked" });
  }, 25_000);

  /** A dead-lettered notify message for the incident of `tokenHash`, consumed; answers its acks. */
  async function deadLetterNotify(tokenHash: string, event: string) {
    const batch = createMessageBatch("autorevoke-revocations-dlq", [
      {
        id: "n1",
        timestamp: new Date(),
        attempts: 21,
        body: { v: 1, kind: "notify", event, token_hash: tokenHash },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    return (await getQueueResult(batch, ctx)).explicitAcks;
  }

  it("records a notification the queue gave up on, while that event is still owed", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    const tokenHash = await sha256Hex(live.secret);
    await deliveredEvent(live);
    // As if every delivery had failed: the event is still owed when its message reaches the dead-letter queue.
    await env.DB.prepare(
      "UPDATE incidents SET notify_due = 'api_key.revoked', notified_at = NULL WHERE token_hash = ?1",
    )
      .bind(tokenHash)
      .run();
    expect(await deadLetterNotify(tokenHash, "api_key.revoked")).toEqual(["n1"]);
    expect(await incident(tokenHash)).toMatchObject({
      notify_error: "notify_retries_exhausted",
      notify_due: null,
      status: "revoked",
    });
  });

  it("leaves a delivered notification alone when an old copy of it is dead-lettered", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    const tokenHash = await sha256Hex(live.secret);
    await deliveredEvent(live);
    expect(await waitFor(async () => (await incident(tokenHash))?.notified_at !== null, 5_000)).toBe(true);
    const before = await incident(tokenHash);
    expect(await deadLetterNotify(tokenHash, "api_key.revoked")).toEqual(["n1"]);
    expect(await incident(tokenHash)).toEqual(before);
  });

  it("keeps a later event owed when an earlier event's message is dead-lettered", async () => {
    const live = await createLiveKey();
    await send([live.secret]);
    const tokenHash = await sha256Hex(live.secret);
    await deliveredEvent(live);
    // A reopened incident that owes a new event; the dead letter is the first event's.
    await env.DB.prepare(
      "UPDATE incidents SET notify_due = 'api_key.revocation_failed', notified_at = NULL WHERE token_hash = ?1",
    )
      .bind(tokenHash)
      .run();
    expect(await deadLetterNotify(tokenHash, "api_key.revoked")).toEqual(["n1"]);
    expect(await incident(tokenHash)).toMatchObject({
      notify_due: "api_key.revocation_failed",
      notify_error: null,
    });
  });
});

describe("on a final failure", () => {
  it("delivers api_key.revocation_failed with the reason", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 503, times: 100 }]);
    await send([live.secret]);
    const tokenHash = await sha256Hex(live.secret);
    await failingForOverADay(tokenHash);
    await deadLetter(tokenHash);
    const arrived = await waitFor(
      async () => (await deliveriesFor(tokenHash)).some((d) => d.body.includes("api_key.revocation_failed")),
      20_000,
    );
    expect(arrived).toBe(true);
    const delivery = (await deliveriesFor(tokenHash)).find((d) =>
      d.body.includes("api_key.revocation_failed"),
    );
    const event = new Webhook(TEST_NOTIFY_SECRET).verify(delivery?.body ?? "", delivery?.headers ?? {});
    expect(event).toMatchObject({
      type: "api_key.revocation_failed",
      data: { token_hash: tokenHash, failure_reason: "retries_exhausted after clerk_http_503" },
    });
  }, 25_000);
});
