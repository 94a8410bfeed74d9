/**
 * Secrets at rest across rotations. A secret waiting for its Clerk key id is sealed under the keyring SEALING_KEYS,
 * never under CLERK_SECRET_KEY: rotating Clerk's key strands nothing, the newest keyring key seals while every listed
 * one opens, a secret whose key is missing waits for it instead of failing, a fresh sighting repairs an unreadable
 * secret, and the sweeper moves older secrets (v1 ones included) onto the newest key.
 *
 * Alerts are processed with a queue that only keeps what it is sent, and queued attempts are run by hand with the
 * env under test, so the Worker's own queue consumer (which runs with the default env) never races them.
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
import { TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import worker from "../src";
import { readConfig } from "../src/config/config";
import { sha256Hex } from "../src/lib/hash";
import type { QueueMessageBody } from "../src/queue/messages";
import { wire } from "../src/wiring";
import { clearTables, incident, migrate } from "./support/db";
import { legacySeal } from "./support/legacy-seal";
import { watchSecrecy } from "./support/secrecy";
import {
  acceptClerkSecretKeys,
  clerkKey,
  createLiveKey,
  match,
  resetClerk,
  scriptClerk,
} from "./support/standins";

/** Keyring entries (test values): base64 of "autorevoke-test-sealing-key-0002" and "…-0003". */
const KEY_A = "a=YXV0b3Jldm9rZS10ZXN0LXNlYWxpbmcta2V5LTAwMDI=";
const KEY_B = "b=YXV0b3Jldm9rZS10ZXN0LXNlYWxpbmcta2V5LTAwMDM=";
/** The instance secret key after a rotation (the stand-in accepts it once told to). */
const ROTATED_CLERK_KEY = "sk_test_autorevoke_rotated";

/** Every secret is looked for in each test's rows, messages, answers and log lines. */
const secrecy = watchSecrecy();

/** A queue that keeps what it is sent, for the secrecy check, and delivers nothing. */
const keepingQueue = {
  send: async (body: QueueMessageBody) => {
    secrecy.sawMessage(JSON.stringify(body));
  },
  sendBatch: async (batch: Iterable<MessageSendRequest<QueueMessageBody>>) => {
    secrecy.sawMessage(JSON.stringify([...batch]));
  },
} as unknown as Queue<QueueMessageBody>;

const envWith = (overrides: Record<string, string>) => ({ ...env, REVOCATIONS: keepingQueue, ...overrides });

beforeAll(migrate);

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** Lets the lease and due time pass, so the attempt run next is the one that resolves the incident. */
async function due(tokenHash: string): Promise<void> {
  await env.DB.prepare(
    "UPDATE incidents SET claimed_until = NULL, next_attempt_at = NULL WHERE token_hash = ?1",
  )
    .bind(tokenHash)
    .run();
}

/** Alerts `secret` under `overrides` while Clerk fails once: the incident stays pending with its secret sealed. */
async function pendingAlert(secret: string, overrides: Record<string, string> = {}): Promise<string> {
  secrecy.track(secret);
  const e = envWith(overrides);
  const config = readConfig(e);
  if (!config.ok) throw new Error(config.error);
  await scriptClerk([{ status: 503, times: 1 }]);
  const ctx = createExecutionContext();
  await wire(e, config.value).processAlert(
    { sender: "github", matches: [match(secret)], invalid: 0, receivedAt: Date.now(), requestId: "t" },
    (p) => ctx.waitUntil(p),
  );
  await waitOnExecutionContext(ctx);
  const tokenHash = await sha256Hex(secret);
  await due(tokenHash);
  return tokenHash;
}

/** Runs the queued attempt for `tokenHash` under `overrides`, as the queue consumer would. */
async function runQueued(tokenHash: string, overrides: Record<string, string> = {}): Promise<void> {
  const batch = createMessageBatch<QueueMessageBody>("autorevoke-revocations", [
    { id: "m1", timestamp: new Date(), attempts: 1, body: { v: 1, token_hash: tokenHash } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, envWith(overrides), ctx);
  await getQueueResult(batch, ctx);
}

async function sweepWith(overrides: Record<string, string>): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now() }), envWith(overrides), ctx);
  await waitOnExecutionContext(ctx);
}

const sealedSecret = async (tokenHash: string) => String((await incident(tokenHash))?.sealed_secret);

describe("rotating CLERK_SECRET_KEY", () => {
  it("revokes a key whose secret was pending when the instance secret key changed", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret);
    await acceptClerkSecretKeys([ROTATED_CLERK_KEY]);
    await runQueued(tokenHash, { CLERK_SECRET_KEY: ROTATED_CLERK_KEY });
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", label: "true_positive" });
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });
});

describe("rotating SEALING_KEYS", () => {
  it("seals under the last key listed, and the sealed value names it", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret, { SEALING_KEYS: `${KEY_A},${KEY_B}` });
    expect(await sealedSecret(tokenHash)).toMatch(/^v2\.b\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
  });

  it("opens a secret sealed under an older key that is still listed", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret, { SEALING_KEYS: KEY_A });
    await runQueued(tokenHash, { SEALING_KEYS: `${KEY_A}\n${KEY_B}` });
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });

  it("keeps an incident pending, not failed, while its secret's key is missing from the keyring", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret, { SEALING_KEYS: KEY_A });
    await runQueued(tokenHash, { SEALING_KEYS: KEY_B });
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", last_error: "sealing_key_unknown" });
  });

  it("revokes that key once its sealing key is listed again", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret, { SEALING_KEYS: KEY_A });
    await runQueued(tokenHash, { SEALING_KEYS: KEY_B });
    await due(tokenHash);
    await runQueued(tokenHash, { SEALING_KEYS: `${KEY_A},${KEY_B}` });
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });
});

describe("upgrading from secrets sealed under CLERK_SECRET_KEY (v1)", () => {
  it("still opens a v1 secret with the current CLERK_SECRET_KEY", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret);
    await env.DB.prepare("UPDATE incidents SET sealed_secret = ?1 WHERE token_hash = ?2")
      .bind(await legacySeal(TEST_CLERK_SECRET_KEY, live.secret, tokenHash), tokenHash)
      .run();
    await runQueued(tokenHash);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });
});

describe("a fresh sighting", () => {
  it("replaces an unreadable sealed secret, so the queue can revoke the key", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret);
    // What a rotation of CLERK_SECRET_KEY left behind before SEALING_KEYS: a v1 secret under a key gone since.
    await env.DB.prepare(
      `UPDATE incidents SET status = 'failed', last_error = 'sealed_secret_unreadable', sealed_secret = ?1
       WHERE token_hash = ?2`,
    )
      .bind(await legacySeal("sk_test_rotated_away_long_ago", live.secret, tokenHash), tokenHash)
      .run();
    await pendingAlert(live.secret);
    await runQueued(tokenHash);
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked" });
  });
});

describe("the sweeper", () => {
  it("re-seals a secret under an older key with the newest, which alone then opens it", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret, { SEALING_KEYS: KEY_A });
    await sweepWith({ SEALING_KEYS: `${KEY_A},${KEY_B}` });
    expect(await sealedSecret(tokenHash)).toMatch(/^v2\.b\./);
    await runQueued(tokenHash, { SEALING_KEYS: KEY_B });
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });

  it("re-seals a v1 secret under the keyring, so a later CLERK_SECRET_KEY rotation strands nothing", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret);
    await env.DB.prepare("UPDATE incidents SET sealed_secret = ?1 WHERE token_hash = ?2")
      .bind(await legacySeal(TEST_CLERK_SECRET_KEY, live.secret, tokenHash), tokenHash)
      .run();
    await sweepWith({});
    expect(await sealedSecret(tokenHash)).toMatch(/^v2\.test\./);
    await acceptClerkSecretKeys([ROTATED_CLERK_KEY]);
    await runQueued(tokenHash, { CLERK_SECRET_KEY: ROTATED_CLERK_KEY });
    expect((await clerkKey(live.id)).revoked).toBe(true);
  });

  it("leaves a secret it cannot open as it is", async () => {
    const live = await createLiveKey();
    const tokenHash = await pendingAlert(live.secret);
    const unreadable = await legacySeal("sk_test_rotated_away_long_ago", live.secret, tokenHash);
    await env.DB.prepare("UPDATE incidents SET sealed_secret = ?1 WHERE token_hash = ?2")
      .bind(unreadable, tokenHash)
      .run();
    await sweepWith({});
    expect(await sealedSecret(tokenHash)).toBe(unreadable);
  });
});
