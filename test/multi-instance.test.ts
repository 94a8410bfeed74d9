/**
 * Several Clerk instances from one deployment (CLERK_SECRET_KEYS): a token is verified on each instance, production
 * first, until one knows it, and revoked there alone; it is `false_positive` only when every instance answered 404;
 * the instance is recorded, so retries go straight to it; each instance has its own pace. Clerk is the two-instance
 * stand-in (dev/clerk-instances.ts): one host, the bearer secret key picks the instance, as on Clerk's own API host.
 */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLERK_INSTANCES_HOST, TEST_CLERK_INSTANCES } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { buildEvent } from "../src/domain/notify-event";
import { createNotificationOutbox } from "../src/incidents/outbox";
import { sha256Hex } from "../src/lib/hash";
import type { QueueMessageBody } from "../src/queue/messages";
import { clearTables, incident, migrate } from "./support/db";
import { resetPacer } from "./support/pacer";
import { watchSecrecy } from "./support/secrecy";
import { noteSecret } from "./support/secrets-registry";
import { match, publishedSigningKey, signedAlert } from "./support/standins";

const CLERKS = `https://multi.${CLERK_INSTANCES_HOST}`;
/** Each instance's stand-in, by its base URL. */
const PROD = `${CLERKS}/instances/prod`;
const STAGING = `${CLERKS}/instances/staging`;
const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";

/** Every secret is looked for in each test's rows, messages, answers, logs and both instances' Clerk calls. */
const secrecy = watchSecrecy({ clerk: [PROD, STAGING] });

/** The test env with both instances, staging listed first: production must still be asked first. */
const OVERRIDES = {
  CLERK_SECRET_KEY: "",
  CLERK_SECRET_KEYS: `staging=${TEST_CLERK_INSTANCES.staging}\nprod=${TEST_CLERK_INSTANCES.prod}`,
  CLERK_API_URL: CLERKS,
};
const multiEnv = () => ({ ...env, ...OVERRIDES });

async function post(url: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`stand-in control ${url} answered ${res.status}`);
  return res.json();
}

interface Call {
  operation: string;
  status: number;
  keyId?: string;
}

const calls = async (instance: string) =>
  (await (await fetch(`${instance}/__standin/calls`)).json()) as Call[];
const count = async (instance: string, operation: string) =>
  (await calls(instance)).filter((c) => c.operation === operation).length;

async function liveKey(instance: string): Promise<{ id: string; secret: string }> {
  const key = (await post(`${instance}/__standin/keys`)) as { id: string; secret: string };
  noteSecret(key.secret);
  return key;
}

const keyState = async (instance: string, id: string) =>
  (await (await fetch(`${instance}/__standin/keys/${id}`)).json()) as { revoked: boolean };

let signing: SigningKey;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await post(`${CLERKS}/__standin/reset`);
  await resetPacer("prod");
  await resetPacer("staging");
});

/** Sends a GitHub alert for `tokens` to the Worker with both instances; answers the labels it gave. */
async function alert(...tokens: string[]): Promise<{ token_hash: string; label: string | null }[]> {
  const request = await signedAlert(signing, JSON.stringify(tokens.map((t) => match(t))));
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, multiEnv(), ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  secrecy.sawResponse(text);
  expect(res.status).toBe(200);
  return JSON.parse(text);
}

/** Lets the lease and due time pass, then runs the queued attempt, as the consumer would. */
async function retry(tokenHash: string): Promise<void> {
  await env.DB.prepare(
    "UPDATE incidents SET claimed_until = NULL, next_attempt_at = NULL WHERE token_hash = ?1",
  )
    .bind(tokenHash)
    .run();
  const batch = createMessageBatch<QueueMessageBody>("autorevoke-revocations", [
    { id: "m1", timestamp: new Date(), attempts: 1, body: { v: 1, token_hash: tokenHash } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, multiEnv(), ctx);
  await getQueueResult(batch, ctx);
}

describe("a token and several Clerk instances", () => {
  it("revokes a key live on the second instance there, and the first sees a verify but no revoke", async () => {
    const key = await liveKey(STAGING);
    const [answer] = await alert(key.secret);
    expect(answer?.label).toBe("true_positive");
    expect((await keyState(STAGING, key.id)).revoked).toBe(true);
    expect(await count(PROD, "verify")).toBe(1);
    expect(await count(PROD, "revoke")).toBe(0);
    expect(await count(STAGING, "revoke")).toBe(1);
    const row = await incident(await sha256Hex(key.secret));
    expect(row?.clerk_instance).toBe("staging");
    const attempts = await env.DB.prepare(
      "SELECT operation, outcome, clerk_instance FROM incident_attempts WHERE token_hash = ?1 ORDER BY attempt_id",
    )
      .bind(await sha256Hex(key.secret))
      .all();
    expect(attempts.results).toEqual([
      { operation: "verify", outcome: "not_found", clerk_instance: "prod" },
      { operation: "verify", outcome: "ok", clerk_instance: "staging" },
      { operation: "revoke", outcome: "ok", clerk_instance: "staging" },
    ]);
  });

  it("asks production instances first, and stops at the one that knows the key", async () => {
    const key = await liveKey(PROD);
    const [answer] = await alert(key.secret);
    expect(answer?.label).toBe("true_positive");
    expect(await calls(STAGING)).toEqual([]);
    expect((await incident(await sha256Hex(key.secret)))?.clerk_instance).toBe("prod");
  });

  it("labels a token unknown to every instance false_positive, after one verify per instance", async () => {
    const secret = `ak_${"u".repeat(40)}`;
    secrecy.track(secret);
    const [answer] = await alert(secret);
    expect(answer?.label).toBe("false_positive");
    expect(await count(PROD, "verify")).toBe(1);
    expect(await count(STAGING, "verify")).toBe(1);
    expect(await count(PROD, "revoke")).toBe(0);
    expect(await count(STAGING, "revoke")).toBe(0);
  });

  it("gives no label while one instance answers 503 and another 404, and revokes once the first recovers", async () => {
    const key = await liveKey(PROD);
    await post(`${PROD}/__standin/script`, [{ status: 503, times: 1 }]);
    const [answer] = await alert(key.secret);
    expect(answer?.label ?? null).toBeNull();
    const tokenHash = await sha256Hex(key.secret);
    expect((await incident(tokenHash))?.status).toBe("pending");
    expect(await count(STAGING, "verify")).toBe(1);

    await retry(tokenHash);
    expect((await incident(tokenHash))?.status).toBe("revoked");
    expect((await keyState(PROD, key.id)).revoked).toBe(true);
  });

  it("gives no label while one instance answers 503, and says false_positive once it too answers 404", async () => {
    const secret = `ak_${"v".repeat(40)}`;
    secrecy.track(secret);
    await post(`${STAGING}/__standin/script`, [{ status: 503, times: 1 }]);
    const [answer] = await alert(secret);
    expect(answer?.label ?? null).toBeNull();
    const tokenHash = await sha256Hex(secret);
    expect((await incident(tokenHash))?.label).toBeNull();

    await retry(tokenHash);
    const row = await incident(tokenHash);
    expect(row?.status).toBe("not_found");
    expect(row?.label).toBe("false_positive");
  });

  it("retries go straight to the recorded instance", async () => {
    const key = await liveKey(STAGING);
    await post(`${STAGING}/__standin/script`, [{ status: 503, times: 1, path: "revoke" }]);
    const [answer] = await alert(key.secret);
    expect(answer?.label ?? null).toBeNull();
    const tokenHash = await sha256Hex(key.secret);
    expect((await incident(tokenHash))?.clerk_instance).toBe("staging");
    const prodCalls = (await calls(PROD)).length;

    await retry(tokenHash);
    expect((await incident(tokenHash))?.status).toBe("revoked");
    expect((await calls(PROD)).length).toBe(prodCalls);
    expect(await count(STAGING, "verify")).toBe(1);
  });

  it("a rate limit on one instance does not slow revocations on another", async () => {
    // Production answers every call 429 for a minute: its pace stops, staging's does not.
    await post(`${PROD}/__standin/script`, [{ status: 429, retryAfterSeconds: 60, times: 100 }]);
    const first = await liveKey(STAGING);
    const second = await liveKey(STAGING);
    const [a] = await alert(first.secret);
    const [b] = await alert(second.secret);
    expect(a?.label).toBe("true_positive");
    expect(b?.label).toBe("true_positive");
    expect((await keyState(STAGING, second.id)).revoked).toBe(true);
    // The second alert did not wait on production's pace: production was passed over, not asked again.
    expect(await count(PROD, "verify")).toBe(1);
  });

  it("names the instance in the key owner's notification", async () => {
    const key = await liveKey(STAGING);
    await alert(key.secret);
    const facts = await createNotificationOutbox(env.DB).eventFacts(await sha256Hex(key.secret));
    if (!facts) throw new Error("no incident");
    expect(buildEvent("api_key.revoked", facts, Date.now()).data.instance).toBe("staging");
  });
});

describe("operators and several Clerk instances", () => {
  async function operator(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${ADMIN_TOKEN}`);
    if (init.body) headers.set("content-type", "application/json");
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`http://autorevoke.test${path}`, { ...init, headers }),
      multiEnv(),
      ctx,
    );
    await waitOnExecutionContext(ctx);
    secrecy.sawResponse(await res.clone().text());
    return res;
  }

  it("refuses a revocation by key id without an instance, with a 400 that names the instances", async () => {
    const key = await liveKey(STAGING);
    const res = await operator("/v1/revocations", {
      method: "POST",
      body: JSON.stringify({ key_id: key.id }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain("instance");
    expect(body.error).toContain("prod");
    expect(body.error).toContain("staging");
    expect((await keyState(STAGING, key.id)).revoked).toBe(false);
  });

  it("refuses an instance that is not configured", async () => {
    const key = await liveKey(STAGING);
    const res = await operator("/v1/revocations", {
      method: "POST",
      body: JSON.stringify({ key_id: key.id, instance: "qa" }),
    });
    expect(res.status).toBe(400);
  });

  it("revokes by key id on the instance named, and on no other", async () => {
    const key = await liveKey(STAGING);
    const res = await operator("/v1/revocations", {
      method: "POST",
      body: JSON.stringify({ key_id: key.id, instance: "staging" }),
    });
    expect(res.status).toBe(200);
    expect((await keyState(STAGING, key.id)).revoked).toBe(true);
    expect(await calls(PROD)).toEqual([]);
  });

  it("shows the instance on incidents and filters by it", async () => {
    const onProd = await liveKey(PROD);
    const onStaging = await liveKey(STAGING);
    await alert(onProd.secret, onStaging.secret);
    const res = await operator("/v1/incidents?instance=staging");
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { token_hash: string; instance: string | null }[] };
    expect(page.items).toEqual([expect.objectContaining({ token_hash: await sha256Hex(onStaging.secret) })]);
    expect(page.items[0]?.instance).toBe("staging");
  });
});
