/**
 * The key owner's email (issue 26): a revocation owes one email, in the same batch, and the queue's owner_email
 * message sends it through Miniflare's `send_email` binding (wrapped here to record each message) once the owner is
 * looked up in the Clerk stand-in: a user's primary address, an organisation's admins. The suite's own queue
 * consumer runs with the base env, where owner emails are off: it drops the message and leaves the email owed, and
 * each test then hands the message to the Worker with owner emails on, as the deployed consumer would.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { keyIdIncidentHash } from "../src/use-cases/revoke-manually";
import { clearTables, incident, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkCalls,
  clerkKey,
  createLiveKey,
  createOrganization,
  createUser,
  match,
  notifyDeliveries,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  setClerkModes,
  signedAlert,
} from "./support/standins";
import { waitFor } from "./support/wait";
import { alertWorker, consumeOne } from "./support/worker-calls";

const secrecy = watchSecrecy({ clerk: CLERK });
const FROM = "autorevoke@example.test";
const ADMIN_TOKEN = "test-admin-token-owner-emails-0123456789ab";
const REPLY_TO = "security@example.test";
let signing: SigningKey;

/** Every message the binding was asked to send, in order. */
let sent: { to: string; from: string; subject: string; text: string; html: string; replyTo?: string }[] = [];
/** Miniflare's binding, recording what it is asked to send. */
const recordingEmail = {
  async send(message: (typeof sent)[number]) {
    sent.push(message);
    secrecy.sawResponse(`${message.subject}\n${message.text}\n${message.html}`);
    return env.EMAIL.send(message);
  },
} as unknown as SendEmail;
const emailEnv = (overrides: Record<string, unknown> = {}) =>
  ({
    ...env,
    OWNER_EMAIL_FROM: FROM,
    OWNER_EMAIL_REPLY_TO: REPLY_TO,
    EMAIL: recordingEmail,
    ...overrides,
  }) as Env;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
  sent = [];
});

/** An alert for `secret`, to the Worker with owner emails on. */
async function alert(secret: string, url = "https://github.com/octo/app/blob/main/.env") {
  await alertWorker(signing, [match(secret, { url })], emailEnv(), secrecy);
}

/** The owner_email message for `tokenHash`, handed to the Worker's consumer with owner emails on. */
function deliver(tokenHash: string, overrides: Record<string, unknown> = {}) {
  return consumeOne({ v: 1, kind: "owner_email", token_hash: tokenHash }, emailEnv(overrides));
}

const ownerEmail = (tokenHash: string) =>
  env.DB.prepare("SELECT * FROM owner_emails WHERE token_hash = ?1").bind(tokenHash).first();

describe("a revoked key's owner", () => {
  it("a user's: one email to the primary address, naming the key and where it was found", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id, name: "Billing export" });
    const tokenHash = await sha256Hex(key.secret);

    await alert(key.secret);
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "due", owner: user.id });
    await deliver(tokenHash);

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: "jane@example.test", from: FROM, replyTo: REPLY_TO });
    expect(sent[0]?.subject).toContain("Billing export");
    expect(sent[0]?.text).toContain(key.id);
    expect(sent[0]?.text).toContain("https://github.com/octo/app/blob/main/.env");
    expect(sent[0]?.html).toContain("https://github.com/octo/app/blob/main/.env");
    expect(sent[0]?.text).not.toContain(key.secret);
    expect(await ownerEmail(tokenHash)).toMatchObject({
      state: "sent",
      recipients: JSON.stringify(["jane@example.test"]),
    });
    expect((await clerkCalls()).filter((c) => c.operation === "user_get")).toHaveLength(1);
  });

  it("an organisation's: one email per admin, none to its other members", async () => {
    const org = await createOrganization({
      admins: ["ada@example.test", "grace@example.test"],
      members: ["member@example.test"],
    });
    const key = await createLiveKey({ subject: org.id });
    const tokenHash = await sha256Hex(key.secret);

    await alert(key.secret);
    await deliver(tokenHash);

    expect(sent.map((m) => m.to).sort()).toEqual(["ada@example.test", "grace@example.test"]);
  });

  it("a machine's: no email, and the team's event says so", async () => {
    const key = await createLiveKey({ subject: `mch_${"a".repeat(27)}` });
    const tokenHash = await sha256Hex(key.secret);

    await alert(key.secret);
    await deliver(tokenHash);

    expect(sent).toEqual([]);
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "not_sent", reason: "no_owner_to_email" });
    let event: { data: { owner_email: unknown } } | undefined;
    await waitFor(async () => {
      const d = (await notifyDeliveries()).find((x) => x.body.includes(tokenHash));
      event = d && JSON.parse(d.body);
      return event !== undefined;
    }, 10_000);
    expect(event?.data.owner_email).toEqual({ state: "not_sent", reason: "no_owner_to_email", to: [] });
  });

  it("gets one email for the same alert three times, its message delivered three times and a crash mid-send", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const tokenHash = await sha256Hex(key.secret);

    for (let i = 0; i < 3; i++) await alert(key.secret);
    for (let i = 0; i < 3; i++) await deliver(tokenHash);
    expect(sent).toHaveLength(1);

    // A Worker that died after sending and before recording it: the row still says `sending`, its hold run out.
    await env.DB.prepare("UPDATE owner_emails SET state = 'sending', held_until = 1 WHERE token_hash = ?1")
      .bind(tokenHash)
      .run();
    await deliver(tokenHash);

    expect(sent).toHaveLength(1);
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "not_sent", reason: "send_interrupted" });
  });

  it("is not emailed about a key that was already dead, nor about a false positive", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    await setClerkModes({ dead_keys: "flagged" });
    const res = await fetch(`${CLERK}/api_keys/${key.id}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_CLERK_SECRET_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ revocation_reason: "Rotated by its owner" }),
    });
    expect(res.status).toBe(200);
    const unknown = `ak_${crypto.randomUUID().replaceAll("-", "")}`;
    secrecy.track(unknown);

    await alert(key.secret);
    await alert(unknown);

    expect(await incident(await sha256Hex(key.secret))).toMatchObject({
      already_inactive: "revoked_elsewhere",
    });
    expect(await ownerEmail(await sha256Hex(key.secret))).toBeNull();
    expect(await ownerEmail(await sha256Hex(unknown))).toBeNull();
  });

  it("still has the key revoked when the user lookup fails past the give-up window, and the email records why", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const tokenHash = await sha256Hex(key.secret);
    await alert(key.secret);
    expect((await clerkKey(key.id)).revoked).toBe(true);
    await scriptClerk([{ status: 503, path: "user_get", times: 10 }]);

    await deliver(tokenHash);
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "due" });
    // The failures began a day and more ago: past GIVE_UP_AFTER_HOURS.
    await env.DB.prepare("UPDATE owner_emails SET failing_since = ?2 WHERE token_hash = ?1")
      .bind(tokenHash, Date.now() - 25 * 3_600_000)
      .run();
    await deliver(tokenHash);

    expect(sent).toEqual([]);
    expect(await ownerEmail(tokenHash)).toMatchObject({
      state: "not_sent",
      reason: expect.stringMatching(/^owner_lookup_/),
    });
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", label: "true_positive" });
  });

  it("says the scanner did not say where, when the alert had no URL", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    await alert(key.secret, "");
    await deliver(await sha256Hex(key.secret));

    expect(sent[0]?.text).toContain("The scanner did not say where it found the key.");
  });

  it("gets one email when its key is revoked by id and its secret is then reported too", async () => {
    await setClerkModes({ dead_keys: "flagged" });
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://autorevoke.test/v1/revocations", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ key_id: key.id }),
      }),
      emailEnv({ ADMIN_TOKEN }),
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    await deliver(await keyIdIncidentHash(key.id));
    expect(sent).toHaveLength(1);

    // Verify now answers 200, revoked with our reason: the secret's incident is revoked too, and owes nothing more.
    await alert(key.secret);
    expect(await incident(await sha256Hex(key.secret))).toMatchObject({
      status: "revoked",
      already_inactive: null,
    });
    expect(await ownerEmail(await sha256Hex(key.secret))).toBeNull();
    expect(sent).toHaveLength(1);
  });

  it("comes back when another delivery holds the email, rather than dropping the message", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const tokenHash = await sha256Hex(key.secret);
    await alert(key.secret);
    await env.DB.prepare("UPDATE owner_emails SET held_until = ?2 WHERE token_hash = ?1")
      .bind(tokenHash, Date.now() + 30_000)
      .run();

    const result = await deliver(tokenHash);

    expect(sent).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    // Put back (Miniflare's result does not show the delay: the hold's end, 30 s on), not acked.
    expect(result.explicitAcks).toEqual([]);
  });

  it("is never sent twice after a send error that does not say the message was not taken", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const tokenHash = await sha256Hex(key.secret);
    await alert(key.secret);
    const failing = (message: string) =>
      ({
        send: async () => {
          throw new Error(message);
        },
      }) as unknown as SendEmail;

    // The service says it took nothing: owed still, and the sweeper leaves it to the message's own back-off.
    await deliver(tokenHash, { EMAIL: failing("E_RATE_LIMIT_EXCEEDED: too many requests") });
    const owed = await ownerEmail(tokenHash);
    expect(owed).toMatchObject({ state: "due" });
    expect(Number(owed?.queued_at)).toBeGreaterThan(Date.now());
    // A timeout: it may have gone. Recorded, and never sent again.
    await env.DB.prepare("UPDATE owner_emails SET queued_at = NULL WHERE token_hash = ?1")
      .bind(tokenHash)
      .run();
    await deliver(tokenHash, { EMAIL: failing("Network connection lost.") });
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "not_sent", reason: "send_interrupted" });
    await deliver(tokenHash);
    expect(sent).toEqual([]);
  });

  it.each([
    ["an owner Clerk no longer has", async () => `user_${"z".repeat(27)}`, "owner_lookup_not_found"],
    [
      "a user with no email address",
      async () => (await createUser({ email: null })).id,
      "owner_has_no_email_address",
    ],
  ])("records why nobody was told, for %s", async (_, owner, reason) => {
    const key = await createLiveKey({ subject: await owner() });
    const tokenHash = await sha256Hex(key.secret);
    await alert(key.secret);
    await deliver(tokenHash);

    expect(sent).toEqual([]);
    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "not_sent", reason });
    expect((await clerkKey(key.id)).revoked).toBe(true);
  });

  it("records an address the Email Service refuses (the free plan's unverified one), and sends nothing again", async () => {
    const user = await createUser({ email: "outsider@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const tokenHash = await sha256Hex(key.secret);
    await alert(key.secret);
    const refusing = {
      send: async () => {
        throw new Error("email to outsider@example.test not allowed");
      },
    } as unknown as SendEmail;

    await deliver(tokenHash, { EMAIL: refusing });
    await deliver(tokenHash);

    expect(await ownerEmail(tokenHash)).toMatchObject({ state: "not_sent", reason: "email_refused" });
    expect(sent).toEqual([]);
  });

  describe("after its instance is renamed (CLERK_SECRET_KEY moved to CLERK_SECRET_KEYS as `prod`)", () => {
    const RENAMED = { CLERK_SECRET_KEY: "", CLERK_SECRET_KEYS: `prod=${TEST_CLERK_SECRET_KEY}` };

    it("gets one email: the owner is looked for on the instances configured now", async () => {
      const user = await createUser({ email: "jane@example.test" });
      const key = await createLiveKey({ subject: user.id });
      const tokenHash = await sha256Hex(key.secret);
      await alert(key.secret);
      expect(await incident(tokenHash)).toMatchObject({ status: "revoked", clerk_instance: "default" });

      await deliver(tokenHash, RENAMED);

      expect(sent.map((m) => m.to)).toEqual(["jane@example.test"]);
      expect(await ownerEmail(tokenHash)).toMatchObject({ state: "sent" });
    });

    it("records the owner not found when no instance configured now knows it", async () => {
      const key = await createLiveKey({ subject: `user_${"z".repeat(27)}` });
      const tokenHash = await sha256Hex(key.secret);
      await alert(key.secret);

      await deliver(tokenHash, RENAMED);

      expect(sent).toEqual([]);
      expect(await ownerEmail(tokenHash)).toMatchObject({
        state: "not_sent",
        reason: "owner_lookup_not_found",
      });
    });
  });

  it("is off without OWNER_EMAIL_FROM: nothing is owed", async () => {
    const user = await createUser({ email: "jane@example.test" });
    const key = await createLiveKey({ subject: user.id });
    const request = await signedAlert(signing, JSON.stringify([match(key.secret)]));
    const ctx = createExecutionContext();
    await worker.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);

    expect((await clerkKey(key.id)).revoked).toBe(true);
    expect(await ownerEmail(await sha256Hex(key.secret))).toBeNull();
  });
});
