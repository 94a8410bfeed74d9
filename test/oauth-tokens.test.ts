/**
 * Clerk's opaque OAuth access tokens (issue 25): an `oat_` token in an alert is verified with
 * `POST /oauth_applications/access_tokens/verify`, its client's application found with `GET /oauth_applications`
 * (`name_query` = the client id), and its whole grant revoked with `POST /oauth_applications/{id}/revoke_token`, by
 * the token's value, through the same resolver, claims and state machine as an API key. Every answer Clerk's OpenAPI
 * allows is tried: live, dead with 200 flags, unknown (404), a refused second revoke.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { eventFor } from "./support/owed-event";
import { watchSecrecy } from "./support/secrecy";
import { noteSecret } from "./support/secrets-registry";
import {
  CLERK,
  clerkCalls,
  clerkOAuthTokens,
  createOAuthApplication,
  createOAuthToken,
  match,
  publishedSigningKey,
  resetClerk,
  setClerkModes,
} from "./support/standins";
import { type AlertLabel, alertWorker, consumeOne } from "./support/worker-calls";

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
const tokenState = async (id: string) => (await clerkOAuthTokens()).find((t) => t.id === id);

describe("an opaque OAuth access token in an alert", () => {
  it("has its grant revoked through its client's application, and is labelled true_positive", async () => {
    // Another application first, whose name holds the client id: only the exact client id may match.
    const app = await createOAuthApplication({ name: "Partner sync" });
    await createOAuthApplication({ name: `decoy ${app.client_id}` });
    const oauth = await createOAuthToken({ client_id: app.client_id });
    const sibling = await createOAuthToken({ client_id: app.client_id, grant_of: oauth.id });

    const [answer] = await alert([oauth.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await calls("oauth_verify")).toHaveLength(1);
    expect(await calls("oauth_apps_list")).toHaveLength(1);
    const revokes = await calls("oauth_revoke");
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.path).toBe(`/v1/oauth_applications/${app.id}/revoke_token`);
    expect(await calls("verify")).toHaveLength(0);
    // The grant went: the token and its sibling of the same grant.
    expect(await tokenState(oauth.id)).toMatchObject({ revoked: true, revoke_count: 1 });
    expect(await tokenState(sibling.id)).toMatchObject({ revoked: true });
    expect(await incident(await sha256Hex(oauth.token))).toMatchObject({
      status: "revoked",
      label: "true_positive",
      token_type: "clerk_oauth_access_token",
      key_id: oauth.id,
      key_subject: app.client_id,
      key_name: "Partner sync",
      sealed_secret: null,
    });
    expect(await eventFor(await sha256Hex(oauth.token))).toBe("api_key.revoked");
  });

  it("is revoked once when two alerts carry it at the same time", async () => {
    const oauth = await createOAuthToken();

    const answers = await Promise.all([alert([oauth.token]), alert([oauth.token])]);

    expect(answers.flat().map((a) => a.label)).not.toContain("false_positive");
    expect(await calls("oauth_revoke")).toHaveLength(1);
    expect(await incident(await sha256Hex(oauth.token))).toMatchObject({ status: "revoked" });
  });

  it("is labelled false_positive when Clerk does not know it, after one OAuth verify and no other call", async () => {
    const unknown = `oat_${crypto.randomUUID().replaceAll("-", "")}`;
    noteSecret(unknown);

    const [answer] = await alert([unknown]);

    expect(answer).toMatchObject({ label: "false_positive" });
    expect((await clerkCalls()).map((c) => c.operation)).toEqual(["oauth_verify"]);
    expect(await incident(await sha256Hex(unknown))).toMatchObject({
      status: "not_found",
      token_type: "clerk_oauth_access_token",
    });
  });

  it("is true_positive and revoked no more when Clerk answers 200 for a token whose grant was revoked", async () => {
    await setClerkModes({ dead_keys: "flagged" });
    const oauth = await createOAuthToken();
    await alert([oauth.token]);
    await clearTables();

    const [answer] = await alert([oauth.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await calls("oauth_revoke")).toHaveLength(1);
    expect(await incident(await sha256Hex(oauth.token))).toMatchObject({
      status: "revoked",
      already_inactive: "revoked_elsewhere",
    });
    expect(await eventFor(await sha256Hex(oauth.token))).toBe("api_key.already_inactive");
  });

  it("is finished, never failed, when a crash lost the record of our revoke and Clerk refuses the second", async () => {
    await setClerkModes({ dead_keys: "flagged", second_revoke: "refused" });
    const oauth = await createOAuthToken();
    await alert([oauth.token], { CLERK_API_URL: "https://clerk.invalid" });
    const tokenHash = await sha256Hex(oauth.token);
    // Verified and saved, then revoked by us; the Worker died before the final write.
    await env.DB.prepare(
      "UPDATE incidents SET key_id = ?1, key_subject = ?2, claimed_until = NULL, next_attempt_at = NULL WHERE token_hash = ?3",
    )
      .bind(oauth.id, oauth.client_id, tokenHash)
      .run();
    const res = await fetch(`${CLERK}/v1/oauth_applications/${oauth.application_id}/revoke_token`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLERK_SECRET_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ token: oauth.token }),
    });
    expect(res.status).toBe(204);

    await consumeOne({ v: 1, token_hash: tokenHash }, env);

    // The refused revoke is decided by verifying the sealed token again: revoked, so the grant is gone.
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      sealed_secret: null,
    });
    expect(await calls("oauth_verify")).toHaveLength(1);
  });

  it("reaches no secret in any log line, response, row or queue message", async () => {
    const oauth = await createOAuthToken();
    await alert([oauth.token]);
    // The watch also runs after every test of this file; here it runs with the queue's pass over the token as well.
    await consumeOne({ v: 1, token_hash: await sha256Hex(oauth.token) }, env);
    await secrecy.check();
    expect(secrecy.logs()).toContain('"event":"alert"');
  });
});
