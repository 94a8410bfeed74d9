/**
 * Clerk's opaque M2M tokens (issue 25): an `mt_` token in an alert is verified with `POST /m2m_tokens/verify` and
 * revoked with `POST /m2m_tokens/{id}/revoke`, through the same resolver, claims and state machine as an API key. Clerk
 * allows every answer below (dev/clerk-openapi/clerk-bapi-2026-05-12.yml): 200 for a live token, 200 with `revoked` or
 * `expired`, 404 for one it does not know, and a refused second revoke. Every token is looked for everywhere a secret
 * could leak.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { eventFor } from "./support/owed-event";
import { watchSecrecy } from "./support/secrecy";
import { noteSecret } from "./support/secrets-registry";
import {
  CLERK,
  clerkCalls,
  clerkM2MTokens,
  createM2MToken,
  match,
  publishedSigningKey,
  resetClerk,
  setClerkModes,
} from "./support/standins";
import { type AlertLabel, alertWorker, consumeOne } from "./support/worker-calls";

const ADMIN_TOKEN = "test-admin-token-m2m-0123456789abcdef01";
const secrecy = watchSecrecy({ clerk: CLERK });
let signing: SigningKey;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** Sends a GitHub alert for `tokens`; waits for its background work. */
async function alert(tokens: string[], overrides: Record<string, unknown> = {}): Promise<AlertLabel[]> {
  return alertWorker(
    signing,
    tokens.map((t) => match(t)),
    { ...env, ...overrides } as Env,
    secrecy,
  );
}

const calls = async (operation: string) => (await clerkCalls()).filter((c) => c.operation === operation);
const tokenState = async (id: string) => (await clerkM2MTokens()).find((t) => t.id === id);

/** Revokes a token in Clerk itself, as its machine's owner would. */
async function revokeInClerk(id: string, reason: string) {
  const res = await fetch(`${CLERK}/m2m_tokens/${id}/revoke`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_CLERK_SECRET_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ revocation_reason: reason }),
  });
  expect(res.status).toBe(200);
}

describe("an opaque M2M token in an alert", () => {
  it("is verified and revoked through Clerk's M2M calls, labelled true_positive, and its machine recorded", async () => {
    const m2m = await createM2MToken();

    const [answer] = await alert([m2m.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    const verifies = await calls("m2m_verify");
    const revokes = await calls("m2m_revoke");
    expect(verifies).toHaveLength(1);
    expect(revokes).toHaveLength(1);
    expect(revokes[0]).toMatchObject({ keyId: m2m.id, body: { revocation_reason: "Key compromised" } });
    // Never asked as an API key.
    expect(await calls("verify")).toHaveLength(0);
    expect(await tokenState(m2m.id)).toMatchObject({ revoked: true, revocation_reason: "Key compromised" });
    expect(await incident(await sha256Hex(m2m.token))).toMatchObject({
      status: "revoked",
      label: "true_positive",
      token_type: "clerk_m2m_token",
      key_id: m2m.id,
      key_subject: m2m.subject,
      key_name: null,
      sealed_secret: null,
    });
    expect(await eventFor(await sha256Hex(m2m.token))).toBe("api_key.revoked");
  });

  it("is revoked once when two alerts carry it at the same time", async () => {
    const m2m = await createM2MToken();

    const answers = await Promise.all([alert([m2m.token]), alert([m2m.token])]);

    expect(answers.flat().map((a) => a.label)).not.toContain("false_positive");
    expect((await tokenState(m2m.id))?.revoke_count).toBe(1);
    expect(await incident(await sha256Hex(m2m.token))).toMatchObject({ status: "revoked" });
  });

  it("is labelled false_positive when Clerk does not know it, after one M2M verify and no other call", async () => {
    const unknown = `mt_${crypto.randomUUID().replaceAll("-", "")}`;
    noteSecret(unknown);

    const [answer] = await alert([unknown]);

    expect(answer).toMatchObject({ label: "false_positive" });
    const all = await clerkCalls();
    expect(all.map((c) => c.operation)).toEqual(["m2m_verify"]);
    expect(await incident(await sha256Hex(unknown))).toMatchObject({
      status: "not_found",
      token_type: "clerk_m2m_token",
    });
  });

  it("is true_positive and not revoked again when Clerk answers 200 for a token revoked elsewhere", async () => {
    await setClerkModes({ dead_keys: "flagged" });
    const m2m = await createM2MToken();
    await revokeInClerk(m2m.id, "Rotated by its machine's owner");

    const [answer] = await alert([m2m.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect((await tokenState(m2m.id))?.revoke_count).toBe(1);
    expect(await incident(await sha256Hex(m2m.token))).toMatchObject({
      status: "revoked",
      already_inactive: "revoked_elsewhere",
      clerk_revocation_reason: "Rotated by its machine's owner",
    });
    expect(await eventFor(await sha256Hex(m2m.token))).toBe("api_key.already_inactive");
  });

  it("is finished, never failed, when a crash lost the record of our revoke and Clerk refuses the second", async () => {
    await setClerkModes({ dead_keys: "flagged", second_revoke: "refused" });
    const m2m = await createM2MToken();
    // Verified, saved, and revoked by us; the Worker died before the final write, so the incident still says pending.
    await alert([m2m.token], { CLERK_API_URL: "https://clerk.invalid" });
    const tokenHash = await sha256Hex(m2m.token);
    await env.DB.prepare(
      "UPDATE incidents SET key_id = ?1, key_subject = ?2, claimed_until = NULL, next_attempt_at = NULL WHERE token_hash = ?3",
    )
      .bind(m2m.id, m2m.subject, tokenHash)
      .run();
    await revokeInClerk(m2m.id, "Key compromised");

    await consumeOne({ v: 1, token_hash: tokenHash }, env);

    // The refused revoke is decided by verifying the sealed token again: Clerk's record carries our reason.
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: null,
      sealed_secret: null,
    });
    expect(await calls("m2m_verify")).toHaveLength(1);
  });
});

describe("an M2M token an older autorevoke ignored", () => {
  it("is reopened as an M2M token by its next sighting, and revoked", async () => {
    const m2m = await createM2MToken();
    const tokenHash = await sha256Hex(m2m.token);
    // As the code before M2M tokens recorded it: not Clerk's, ignored, no secret kept.
    await env.DB.prepare(
      `INSERT INTO incidents (token_hash, token_prefix, token_type, status, label, first_seen_at, last_seen_at, updated_at)
       VALUES (?1, 'mt_abcd…', 'other', 'ignored', 'false_positive', ?2, ?2, ?2)`,
    )
      .bind(tokenHash, Date.now() - 86_400_000)
      .run();

    const [answer] = await alert([m2m.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await tokenState(m2m.id)).toMatchObject({ revoked: true });
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      token_type: "clerk_m2m_token",
      key_id: m2m.id,
    });
  });
});

describe("an operator", () => {
  it("revokes an M2M token by its secret with POST /v1/revocations", async () => {
    const m2m = await createM2MToken();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://autorevoke.test/v1/revocations", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ secret: m2m.token }),
      }),
      { ...env, ADMIN_TOKEN } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    secrecy.sawResponse(text);
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ status: "revoked", key_id: m2m.id });
    expect(await tokenState(m2m.id)).toMatchObject({ revoked: true });
  });
});
