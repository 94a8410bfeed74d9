/**
 * JWT-format Clerk machine tokens (issue 25): an M2M JWT (`sub` a machine) or an OAuth JWT access token (`typ`
 * `at+jwt`) is the instance's when a key of its JWKS (`GET /v1/jwks`) signed it. Clerk keeps no state for either, so
 * nothing can revoke one: a live one is `true_positive`, final, with no revoke call, and its expiry is what the team
 * is told (`api_key.cannot_be_revoked`). A JWT of the same shape signed by another key is nobody's: `false_positive`.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { eventFor } from "./support/owed-event";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkCalls,
  clerkJwts,
  createM2MToken,
  createOAuthJwt,
  forgedJwt,
  match,
  notifyDeliveries,
  publishedSigningKey,
  resetClerk,
} from "./support/standins";
import { waitFor } from "./support/wait";
import { type AlertLabel, alertWorker } from "./support/worker-calls";

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
/** Every Clerk call but the key set's, which the Worker fetches once and keeps (its isolate outlives one test). */
const callsBesidesJwks = async () => (await clerkCalls()).filter((c) => c.operation !== "jwks");

describe("a JWT-format M2M token in an alert", () => {
  it("is true_positive, revoked by nobody, with its expiry reported to the team", async () => {
    const expiration = Date.now() + 30 * 60_000;
    const jwt = await createM2MToken({ token_format: "jwt", expiration });
    const tokenHash = await sha256Hex(jwt.token);

    const [answer] = await alert([jwt.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await callsBesidesJwks()).toEqual([]);
    expect((await calls("jwks")).length).toBeLessThanOrEqual(1);
    const row = await incident(tokenHash);
    expect(row).toMatchObject({
      status: "revoked",
      label: "true_positive",
      token_type: "clerk_m2m_jwt",
      key_id: jwt.id,
      key_subject: jwt.subject,
      already_inactive: null,
      // Final, but nothing was revoked: the overview's revocations per day and time to revoke leave it out.
      revoked_at: null,
      sealed_secret: null,
    });
    expect(await eventFor(tokenHash)).toBe("api_key.cannot_be_revoked");
    // Seconds in the JWT's `exp`: the expiry is kept to the second.
    expect(Math.abs(Number(row?.key_expiration) - expiration)).toBeLessThan(1000);
    // And the team hears it: the event says nothing was revoked, and until when the token works.
    let event: { type: string; data: Record<string, unknown> } | undefined;
    await waitFor(async () => {
      const delivery = (await notifyDeliveries()).find((d) => d.body.includes(tokenHash));
      event = delivery && JSON.parse(delivery.body);
      return event !== undefined;
    }, 10_000);
    expect(event).toMatchObject({
      type: "api_key.cannot_be_revoked",
      data: {
        token_type: "clerk_m2m_jwt",
        action: "cannot_be_revoked",
        key_id: jwt.id,
        revoked_at: null,
      },
    });
    expect(Math.abs(Date.parse(String(event?.data.key_expiration)) - expiration)).toBeLessThan(1000);
  });

  it("is true_positive and already inactive once it has expired, if the instance signed it", async () => {
    const jwt = await createM2MToken({ token_format: "jwt", expiration: Date.now() - 60_000 });

    const [answer] = await alert([jwt.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await incident(await sha256Hex(jwt.token))).toMatchObject({
      status: "revoked",
      token_type: "clerk_m2m_jwt",
      already_inactive: "expired",
    });
    expect(await eventFor(await sha256Hex(jwt.token))).toBe("api_key.already_inactive");
  });

  it("is false_positive when another key signed it, though it names the instance's key id", async () => {
    const forged = await forgedJwt("m2m");

    const [answer] = await alert([forged.token]);

    expect(answer).toMatchObject({ label: "false_positive" });
    expect(await callsBesidesJwks()).toEqual([]);
    expect(await incident(await sha256Hex(forged.token))).toMatchObject({
      status: "not_found",
      token_type: "clerk_m2m_jwt",
    });
  });

  it("costs one Clerk call for the key set, however many JWTs an alert carries", async () => {
    const jwts = await Promise.all([1, 2, 3].map(() => createM2MToken({ token_format: "jwt" })));

    const answers = await alert(jwts.map((j) => j.token));

    expect(answers.map((a) => a.label)).toEqual(["true_positive", "true_positive", "true_positive"]);
    // At most one: an isolate that fetched it for an earlier test of this file keeps it.
    expect((await calls("jwks")).length).toBeLessThanOrEqual(1);
    expect(await callsBesidesJwks()).toEqual([]);
  });
});

describe("a JWT-format OAuth access token in an alert", () => {
  it("is true_positive, revoked by nobody, its OAuth client the owner", async () => {
    const jwt = await createOAuthJwt();

    const [answer] = await alert([jwt.token]);

    expect(answer).toMatchObject({ label: "true_positive" });
    expect(await callsBesidesJwks()).toEqual([]);
    expect(await incident(await sha256Hex(jwt.token))).toMatchObject({
      status: "revoked",
      token_type: "clerk_oauth_jwt",
      key_id: jwt.id,
      key_subject: jwt.client_id,
    });
    expect(await eventFor(await sha256Hex(jwt.token))).toBe("api_key.cannot_be_revoked");
  });

  it("is false_positive when forged", async () => {
    const forged = await forgedJwt("oauth");

    const [answer] = await alert([forged.token]);

    expect(answer).toMatchObject({ label: "false_positive" });
    expect(await clerkJwts()).not.toContainEqual(expect.objectContaining({ id: forged.id }));
  });
});
