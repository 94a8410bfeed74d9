/**
 * A big leak at Clerk's rate limit. The Clerk stand-in enforces a fixed window of 10 calls a second (answering 429
 * with `Retry-After` beyond it) while the Worker is configured with the same budget (`CLERK_RATE_LIMIT` = 100 per
 * 10 s, vitest.pacing.config.ts). Every key must be revoked, within 1.25x the rate bound (two calls per key at the
 * rate), with at most 5% of Clerk's answers 429, and nothing given up for waiting.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../../dev/signer";
import worker from "../../src";
import { sha256Hex } from "../../src/lib/hash";
import { report } from "../support/console";
import { clearTables, incident, migrate } from "../support/db";
import { resetPacer } from "../support/pacer";
import { watchSecrecy } from "../support/secrecy";
import { match, publishedSigningKey, signedAlert } from "../support/standins";
import { waitFor } from "../support/wait";

const CLERK = "https://pacing.clerk.test";
const GITHUB_KEYS = "https://pacing.github.keys.test";
const NOTIFY = "https://pacing.notify.test";
const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";

/** The stand-in's limit: Clerk's development budget, 100 per 10 s, enforced per second to punish bursts. */
const CALLS_PER_SECOND = 10;
/** How far above the rate bound the time to revoke every key may go. */
const RATE_BOUND_BUDGET = 1.25;
/** The share of Clerk's answers that may be 429. */
const MAX_429_SHARE = 0.05;

interface ClerkCall {
  at: number;
  operation: string;
  status: number;
  keyId?: string;
}
interface LiveKey {
  id: string;
  secret: string;
}

async function control(url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`stand-in control ${url} answered ${res.status}`);
  return res.json();
}
const clerkCalls = async () => (await control(`${CLERK}/__standin/calls`)) as ClerkCall[];
const clerkKeys = async () =>
  (await control(`${CLERK}/__standin/keys`)) as { id: string; revoked: boolean }[];
const deliveries = async () =>
  ((await control(`${NOTIFY}/__standin/received`)) as { body: string }[]).map(
    (d) => JSON.parse(d.body) as { type: string; data: { token_hash: string } },
  );

let signingKey: SigningKey;
/** Every key's secret is looked for in each test's rows, messages, answers, logs, Clerk calls and deliveries. */
const secrecy = watchSecrecy({ clerk: CLERK, notify: NOTIFY });

beforeAll(async () => {
  await migrate();
  signingKey = await publishedSigningKey(GITHUB_KEYS);
});

beforeEach(async () => {
  await clearTables();
  await control(`${CLERK}/__standin/reset`, {});
  await control(`${NOTIFY}/__standin/reset`, {});
  await resetPacer();
  await control(`${CLERK}/__standin/rate-limit`, { limit: CALLS_PER_SECOND, windowMs: 1_000 });
});

async function liveKeys(n: number): Promise<LiveKey[]> {
  const keys = await Promise.all(
    Array.from({ length: n }, () => control(`${CLERK}/__standin/keys`, {}) as Promise<LiveKey>),
  );
  secrecy.track(...keys.map((k) => k.secret));
  return keys;
}

async function sendAlert(secrets: string[]): Promise<{ status: number; labels: { label: string }[] }> {
  const res = await secrecy.fetch(
    await signedAlert(signingKey, JSON.stringify(secrets.map((s) => match(s)))),
  );
  return { status: res.status, labels: await res.json() };
}

const revokedCount = async (ids: Set<string>) =>
  (await clerkKeys()).filter((k) => ids.has(k.id) && k.revoked).length;

/** Time from `startedAt` to Clerk's last successful revoke, against the rate bound of `calls` calls. */
async function measure(startedAt: number, liveKeyCount: number) {
  const calls = await clerkCalls();
  const revokes = calls.filter((c) => c.operation === "revoke" && c.status === 200);
  const lastRevokeAt = Math.max(...revokes.map((c) => c.at));
  const boundMs = ((2 * liveKeyCount) / CALLS_PER_SECOND) * 1000;
  const limited = calls.filter((c) => c.status === 429).length;
  return {
    revokes: revokes.length,
    ratio: (lastRevokeAt - startedAt) / boundMs,
    share429: limited / calls.length,
    calls: calls.length,
    limited,
  };
}

describe("a leak of 300 live keys at 10 Clerk calls a second", () => {
  it("revokes every key at the rate bound, gives none up, and rarely meets a 429", async () => {
    const keys = await liveKeys(300);
    const startedAt = Date.now();
    const answer = await sendAlert(keys.map((k) => k.secret));
    expect(answer.status).toBe(200);

    const ids = new Set(keys.map((k) => k.id));
    const allRevoked = await waitFor(async () => (await revokedCount(ids)) === 300, 110_000, 1_000);
    const failed = await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents WHERE status = 'failed'").first(
      "n",
    );
    const m = await measure(startedAt, 300);
    report({ event: "big_leak_300", labelled_inline: answer.labels.length, ...m });
    expect(allRevoked).toBe(true);
    expect(failed).toBe(0);
    expect(m.revokes).toBe(300);
    expect(m.ratio).toBeLessThanOrEqual(RATE_BOUND_BUDGET);
    expect(m.share429).toBeLessThanOrEqual(MAX_429_SHARE);
  }, 150_000);
});

describe("two concurrent alerts of 150 keys and a manual revocation between them", () => {
  it("hold the pace together: one budget for every caller", async () => {
    const keys = await liveKeys(301);
    const manual = keys.pop() as LiveKey;
    const startedAt = Date.now();
    const first = sendAlert(keys.slice(0, 150).map((k) => k.secret));
    const second = sendAlert(keys.slice(150).map((k) => k.secret));
    await new Promise((r) => setTimeout(r, 2_000));
    const byOperator = await secrecy.fetch(
      new Request("http://autorevoke.test/v1/revocations", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ key_id: manual.id }),
      }),
    );
    expect(byOperator.status).toBe(200);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);

    const ids = new Set([...keys, manual].map((k) => k.id));
    const allRevoked = await waitFor(async () => (await revokedCount(ids)) === 301, 110_000, 1_000);
    // The manual revocation by id costs one call, the others two each.
    const m = await measure(startedAt, 300.5);
    report({ event: "big_leak_concurrent", ...m });
    expect(allRevoked).toBe(true);
    expect(m.revokes).toBe(301);
    expect(m.ratio).toBeLessThanOrEqual(RATE_BOUND_BUDGET);
    expect(m.share429).toBeLessThanOrEqual(MAX_429_SHARE);
  }, 150_000);
});

describe("a dead letter racing a live claim", () => {
  it("never overrides the revocation the claimant goes on to make", async () => {
    const [key] = await liveKeys(1);
    if (!key) throw new Error("no key");
    const tokenHash = await sha256Hex(key.secret);
    await control(`${CLERK}/__standin/latency`, { ms: 1_500 });
    const answer = sendAlert([key.secret]);
    // The inline resolver holds the lease and waits on Clerk; the queue's last attempt dead-letters meanwhile.
    expect(await waitFor(async () => (await incident(tokenHash))?.claimed_until != null, 5_000, 20)).toBe(
      true,
    );
    const batch = createMessageBatch("autorevoke-revocations-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 21, body: { v: 1, token_hash: tokenHash } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);

    expect((await answer).labels).toEqual([expect.objectContaining({ label: "true_positive" })]);
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", label: "true_positive" });
    expect(await waitFor(async () => (await deliveries()).length >= 1, 10_000)).toBe(true);
    // Time for a wrong second event to arrive, had one been queued.
    await new Promise((r) => setTimeout(r, 3_000));
    const events = (await deliveries()).filter((d) => d.data.token_hash === tokenHash).map((d) => d.type);
    expect(events).toEqual(["api_key.revoked"]);
  }, 30_000);
});

describe("Clerk down for longer than the give-up window", () => {
  it("ends the incident failed once, with its reason, and one revocation_failed event", async () => {
    await control(`${CLERK}/__standin/rate-limit`, null);
    const [key] = await liveKeys(1);
    if (!key) throw new Error("no key");
    const tokenHash = await sha256Hex(key.secret);
    await control(`${CLERK}/__standin/script`, [{ status: 503, times: 100_000 }]);
    const startedAt = Date.now();
    expect((await sendAlert([key.secret])).labels).toEqual([]);

    expect(await waitFor(async () => (await incident(tokenHash))?.status === "failed", 80_000, 500)).toBe(
      true,
    );
    const failedAfterMs = Date.now() - startedAt;
    const row = await incident(tokenHash);
    expect(row?.last_error).toMatch(/clerk_http_503/);
    // Not before the window (18 s) has passed since the first failure.
    expect(failedAfterMs).toBeGreaterThanOrEqual(18_000);
    expect(await waitFor(async () => (await deliveries()).length >= 1, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    const events = (await deliveries()).filter((d) => d.data.token_hash === tokenHash).map((d) => d.type);
    expect(events).toEqual(["api_key.revocation_failed"]);
    report({ event: "give_up", failed_after_ms: failedAfterMs, clerk_calls: (await clerkCalls()).length });
  }, 120_000);
});
