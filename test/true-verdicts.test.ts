/**
 * True verdicts whatever Clerk answers (issue 21). Clerk's published Backend API lets verify answer 200 for a revoked
 * or expired key, a second revoke be refused, a misrouted URL answer a bare 404, and a 404 come from another instance's
 * secret key. Each test selects the stand-in's mode for one of those answers (dev/clerk-standin, `POST
 * /__standin/modes`) and checks the verdict the Worker gives: its label, its status, its Clerk calls, its log.
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
import { CLERK_INSTANCES_HOST, TEST_CLERK_INSTANCES, TEST_CLERK_SECRET_KEY } from "../dev/outbound";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import { readConfig } from "../src/config/config";
import { sha256Hex, tokenPrefix } from "../src/lib/hash";
import { createSealer } from "../src/lib/seal";
import type { QueueMessageBody } from "../src/queue/messages";
import { keyIdIncidentHash } from "../src/use-cases/revoke-manually";
import { clearTables, incident, migrate } from "./support/db";
import { consoleRequest, send, signIn } from "./support/operator-console";
import { eventFor } from "./support/owed-event";
import { resetPacer } from "./support/pacer";
import { watchSecrecy } from "./support/secrecy";
import { noteSecret } from "./support/secrets-registry";
import {
  CLERK,
  callsOf,
  clerkKey,
  clerkMachines,
  createLiveKey,
  createMachine,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  setClerkModes,
  signedAlert,
} from "./support/standins";

const CLERKS = `https://verdicts.${CLERK_INSTANCES_HOST}`;
const PROD = `${CLERKS}/instances/prod`;
const STAGING = `${CLERKS}/instances/staging`;
const ADMIN_TOKEN = "test-admin-token-verdicts-0123456789abcdef";

const secrecy = watchSecrecy({ clerk: [CLERK, PROD, STAGING] });
let signing: SigningKey;

beforeAll(async () => {
  await migrate();
  signing = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await env.DB.batch([
    env.DB.prepare("DELETE FROM machine_secrets"),
    env.DB.prepare("DELETE FROM machine_lists"),
  ]);
  await resetClerk();
  await fetch(`${CLERKS}/__standin/reset`, { method: "POST" });
  await resetPacer("prod");
  await resetPacer("staging");
});

type Label = { token_hash: string; label: string | null };
/** Variables to run the Worker with instead of the test env's (secrets included, which `Env` does not list). */
type Overrides = Record<string, unknown>;
const envWith = (overrides: Overrides): Env => ({ ...env, ...overrides }) as Env;

/** Sends a GitHub alert for `secrets` to the Worker over `overrides`; waits for its background work. */
async function alert(secrets: string[], overrides: Overrides = {}): Promise<Label[]> {
  const request = await signedAlert(signing, JSON.stringify(secrets.map((s) => match(s))));
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, envWith(overrides), ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  secrecy.sawResponse(text);
  expect(res.status).toBe(200);
  return JSON.parse(text);
}

/** Runs one queue message through the Worker's consumer over `overrides`, as the queue would. */
async function consume(body: QueueMessageBody, overrides: Overrides = {}): Promise<void> {
  const batch = createMessageBatch<QueueMessageBody>("autorevoke-revocations", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, envWith(overrides), ctx);
  await getQueueResult(batch, ctx);
}

/** Lets any lease and schedule pass, then runs the token's queued attempt. */
async function retryNow(tokenHash: string, overrides: Overrides = {}): Promise<void> {
  await env.DB.prepare(
    "UPDATE incidents SET claimed_until = NULL, next_attempt_at = NULL WHERE token_hash = ?1",
  )
    .bind(tokenHash)
    .run();
  await consume({ v: 1, token_hash: tokenHash }, overrides);
}

/** Revokes a key in Clerk itself, as its owner would in the dashboard. */
async function revokeInClerk(id: string, reason: string, base = CLERK, secretKey = TEST_CLERK_SECRET_KEY) {
  const res = await fetch(`${base}/api_keys/${id}/revoke`, {
    method: "POST",
    headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({ revocation_reason: reason }),
  });
  expect(res.status).toBe(200);
}

async function liveKeyOn(base: string): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${base}/__standin/keys`, { method: "POST", body: "{}" });
  const key = (await res.json()) as { id: string; secret: string };
  noteSecret(key.secret);
  return key;
}

/** The prod instance alone, under the name CLERK_SECRET_KEY gives it (`default`). */
const PROD_AS_DEFAULT: Overrides = {
  CLERK_SECRET_KEY: TEST_CLERK_INSTANCES.prod,
  CLERK_SECRET_KEYS: "",
  CLERK_API_URL: CLERKS,
};

/** A live prod key alerted under `overrides` while its revoke answers 503: pending, its key id known. */
async function pendingProdKey(overrides: Overrides = PROD_AS_DEFAULT) {
  const key = await liveKeyOn(PROD);
  await fetch(`${PROD}/__standin/script`, {
    method: "POST",
    body: JSON.stringify([{ status: 503, path: "revoke" }]),
  });
  const labels = await alert([key.secret], overrides);
  return { key, labels, tokenHash: await sha256Hex(key.secret) };
}

const countOn = async (base: string, operation: string) =>
  ((await (await fetch(`${base}/__standin/calls`)).json()) as { operation: string }[]).filter(
    (c) => c.operation === operation,
  ).length;

const operatorPost = (path: string, body: unknown, overrides: Overrides = {}) => {
  const ctx = createExecutionContext();
  return Promise.resolve(
    worker.fetch(
      new Request(`http://autorevoke.test${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      envWith({ ADMIN_TOKEN, ...overrides }),
      ctx,
    ),
  ).then(async (res) => {
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    secrecy.sawResponse(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  });
};

describe("verify and revoke, every way Clerk may answer", () => {
  it("labels a live, a revoked and an expired key in one alert true_positive, with one revoke call in all", async () => {
    await setClerkModes({ dead_keys: "flagged", second_revoke: "refused" });
    const live = await createLiveKey();
    const revoked = await createLiveKey();
    await revokeInClerk(revoked.id, "Rotated by its owner");
    const expired = await createLiveKey({ expiration: Date.now() - 60_000 });
    const revokesBefore = (await callsOf("revoke")).length;

    const answer = await alert([live.secret, revoked.secret, expired.secret]);

    expect(answer.map((a) => a.label)).toEqual(["true_positive", "true_positive", "true_positive"]);
    expect((await callsOf("revoke")).length - revokesBefore).toBe(1);
    expect((await clerkKey(live.id)).revoked).toBe(true);
    expect(await incident(await sha256Hex(live.secret))).toMatchObject({
      status: "revoked",
      already_inactive: null,
    });
    expect(await incident(await sha256Hex(revoked.secret))).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: "revoked_elsewhere",
      clerk_revocation_reason: "Rotated by its owner",
    });
    expect(await eventFor(await sha256Hex(revoked.secret))).toBe("api_key.already_inactive");
    expect(await incident(await sha256Hex(expired.secret))).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: "expired",
    });
    const failed = await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents WHERE status = 'failed'").first(
      "n",
    );
    expect(failed).toBe(0);
  });

  it("finishes a key revoked before a crash lost the record, when Clerk refuses the second revoke", async () => {
    await setClerkModes({ second_revoke: "refused" });
    const live = await createLiveKey();
    // Verified and revoked by us, and the Worker died before the final write: the incident still says pending.
    await alert([live.secret], { CLERK_API_URL: "https://clerk.invalid" });
    const tokenHash = await sha256Hex(live.secret);
    await env.DB.prepare(
      "UPDATE incidents SET key_id = ?1, key_subject = ?2, key_name = ?3, sealed_secret = NULL WHERE token_hash = ?4",
    )
      .bind(live.id, live.subject, live.name, tokenHash)
      .run();
    await revokeInClerk(live.id, "Key compromised");

    await retryNow(tokenHash);

    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: null,
    });
    expect(await eventFor(tokenHash)).toBe("api_key.revoked");
    const lookups = (await (await fetch(`${CLERK}/__standin/calls`)).json()) as { operation: string }[];
    expect(lookups.filter((c) => c.operation === "get")).toHaveLength(1);
  });

  it("labels a malformed ak_ token false_positive when verify refuses it with 400, never failed", async () => {
    await setClerkModes({ odd_secrets: "bad_request" });
    const junk = "ak_not-a-real-key!!!!!!!";
    secrecy.track(junk);
    const answer = await alert([junk]);
    expect(answer.map((a) => a.label)).toEqual(["false_positive"]);
    expect(await incident(await sha256Hex(junk))).toMatchObject({
      status: "not_found",
      label: "false_positive",
    });
  });

  it("labels a malformed ak_ token false_positive when verify refuses it with 422, never failed", async () => {
    await setClerkModes({ odd_secrets: "unprocessable" });
    const junk = "ak_not-a-real-key-either!!!!";
    secrecy.track(junk);
    const answer = await alert([junk]);
    expect(answer.map((a) => a.label)).toEqual(["false_positive"]);
  });
});

describe("a 404 that is not Clerk's", () => {
  it("never labels a live key false_positive behind a wrong CLERK_API_URL path, and logs clerk_misconfigured", async () => {
    await setClerkModes({ unknown_routes: "bare" });
    const live = await createLiveKey();
    const answer = await alert([live.secret], { CLERK_API_URL: `${CLERK}/wrong-prefix` });
    expect(answer).toEqual([]);
    const row = await incident(await sha256Hex(live.secret));
    expect(row).toMatchObject({ status: "pending", label: null, last_error: "clerk_misconfigured" });
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents WHERE status = 'not_found'").first("n"),
    ).toBe(0);
    expect(secrecy.logs()).toMatch(/"event":"clerk_misconfigured".*"instance":"default"/);
    expect((await clerkKey(live.id)).revoked).toBe(false);
  });

  it("revokes the key once the URL is fixed, from the queue", async () => {
    await setClerkModes({ unknown_routes: "bare" });
    const live = await createLiveKey();
    await alert([live.secret], { CLERK_API_URL: `${CLERK}/wrong-prefix` });
    await retryNow(await sha256Hex(live.secret));
    expect((await clerkKey(live.id)).revoked).toBe(true);
    expect(await incident(await sha256Hex(live.secret))).toMatchObject({
      status: "revoked",
      label: "true_positive",
    });
  });
});

describe("a verdict remembers the configuration that gave it", () => {
  /** The Worker with one instance's key, on the two-instance host. */
  const withKey = (secretKey: string): Overrides => ({
    CLERK_SECRET_KEY: secretKey,
    CLERK_SECRET_KEYS: "",
    CLERK_API_URL: CLERKS,
  });

  it("revokes a key after another instance's secret key labelled it false_positive, once the right key is set", async () => {
    const key = await liveKeyOn(PROD);
    const wrong = await alert([key.secret], withKey(TEST_CLERK_INSTANCES.staging));
    expect(wrong.map((a) => a.label)).toEqual(["false_positive"]);
    const row = await incident(await sha256Hex(key.secret));
    expect(row).toMatchObject({ status: "not_found" });
    expect(row?.verdict_config).toMatch(/^v1:default:[0-9a-f]{32}$/);
    expect(row?.sealed_secret).toEqual(expect.any(String));

    // The operator sets the right key: a restart over the same D1, and the same alert again.
    const right = await alert([key.secret], withKey(TEST_CLERK_INSTANCES.prod));
    expect(right.map((a) => a.label)).toEqual(["true_positive"]);
    const state = (await (await fetch(`${PROD}/__standin/keys/${key.id}`)).json()) as { revoked: boolean };
    expect(state.revoked).toBe(true);
    expect(await incident(await sha256Hex(key.secret))).toMatchObject({
      status: "revoked",
      label: "true_positive",
    });
  });

  it("answers a repeat under the same configuration from the log, with no Clerk call", async () => {
    const junk = `ak_${"j".repeat(40)}`;
    secrecy.track(junk);
    await alert([junk]);
    const verifies = (await callsOf("verify")).length;
    expect((await alert([junk])).map((a) => a.label)).toEqual(["false_positive"]);
    expect((await callsOf("verify")).length).toBe(verifies);
  });

  it("verifies a not_found again when it is seen a day later, and only once that day", async () => {
    const junk = `ak_${"d".repeat(40)}`;
    secrecy.track(junk);
    await alert([junk]);
    const tokenHash = await sha256Hex(junk);
    await env.DB.prepare("UPDATE incidents SET checked_at = ?1 WHERE token_hash = ?2")
      .bind(Date.now() - 86_400_001, tokenHash)
      .run();
    const before = (await callsOf("verify")).length;
    expect((await alert([junk])).map((a) => a.label)).toEqual(["false_positive"]);
    expect((await callsOf("verify")).length).toBe(before + 1);
    await alert([junk]);
    expect((await callsOf("verify")).length).toBe(before + 1);
  });

  it("revokes a key created moments before it leaked, on the sighting a day after Clerk did not know it", async () => {
    const secret = `ak_${"late".repeat(10)}`;
    secrecy.track(secret);
    await alert([secret]);
    const tokenHash = await sha256Hex(secret);
    expect(await incident(tokenHash)).toMatchObject({ status: "not_found" });
    const key = await createLiveKey({ secret });
    await env.DB.prepare("UPDATE incidents SET checked_at = ?1 WHERE token_hash = ?2")
      .bind(Date.now() - 86_400_001, tokenHash)
      .run();
    expect((await alert([secret])).map((a) => a.label)).toEqual(["true_positive"]);
    expect((await clerkKey(key.id)).revoked).toBe(true);
  });
});

describe("how long a not_found keeps its sealed secret", () => {
  it("keeps it for 30 days after the last sighting, and the sweep drops it after", async () => {
    const recent = `ak_${"k1".repeat(20)}`;
    const stale = `ak_${"k2".repeat(20)}`;
    secrecy.track(recent, stale);
    await alert([recent, stale]);
    const staleHash = await sha256Hex(stale);
    await env.DB.prepare("UPDATE incidents SET last_seen_at = ?1 WHERE token_hash = ?2")
      .bind(Date.now() - 31 * 86_400_000, staleHash)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await incident(staleHash))?.sealed_secret).toBeNull();
    expect((await incident(await sha256Hex(recent)))?.sealed_secret).toEqual(expect.any(String));
    expect(await incident(staleHash)).toMatchObject({ status: "not_found", label: "false_positive" });
  });
});

describe("operators re-check a not_found", () => {
  it("POST /v1/revocations {secret} asks Clerk again for a token it called unknown", async () => {
    const secret = `ak_${"op".repeat(20)}`;
    secrecy.track(secret);
    await alert([secret]);
    const key = await createLiveKey({ secret });
    const res = await operatorPost("/v1/revocations", { secret });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "revoked", label: "true_positive", outcome: "revoked" });
    expect((await clerkKey(key.id)).revoked).toBe(true);
  });

  it("/retry re-checks a not_found: 202, and the queue revokes the key Clerk now knows", async () => {
    const secret = `ak_${"rt".repeat(20)}`;
    secrecy.track(secret);
    await alert([secret]);
    const tokenHash = await sha256Hex(secret);
    const key = await createLiveKey({ secret });
    const res = await operatorPost(`/v1/incidents/${tokenHash}/retry`, {});
    expect(res.status).toBe(202);
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", label: null });
    await retryNow(tokenHash);
    expect((await clerkKey(key.id)).revoked).toBe(true);
  });

  it("POST /v1/rechecks reopens every not_found since the time given, and leaves older ones", async () => {
    const secrets = [`ak_${"r1".repeat(20)}`, `ak_${"r2".repeat(20)}`, `ak_${"r3".repeat(20)}`];
    secrecy.track(...secrets);
    await alert(secrets);
    const hashes = await Promise.all(secrets.map(sha256Hex));
    const old = hashes[2] as string;
    await env.DB.prepare("UPDATE incidents SET updated_at = ?1 WHERE token_hash = ?2")
      .bind(Date.UTC(2026, 0, 1), old)
      .run();
    const res = await operatorPost("/v1/rechecks", { since: "2026-06-01" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ since: "2026-06-01T00:00:00.000Z", reopened: 2, more: false });
    for (const h of hashes.slice(0, 2))
      expect(await incident(h)).toMatchObject({ status: "pending", label: null });
    expect(await incident(old)).toMatchObject({ status: "not_found" });
  });

  it("POST /v1/rechecks refuses a body without a valid time, echoing nothing", async () => {
    const res = await operatorPost("/v1/rechecks", { since: "ak_yesterday_secret_looking" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain("ak_yesterday");
  });
});

describe("the console re-checks false positives since a day", () => {
  /** Three not_found tokens, the third's verdict given before 2026-06-01; their hashes. */
  async function threeNotFound(tag: string): Promise<string[]> {
    const secrets = [1, 2, 3].map((n) => `ak_${`${tag}${n}`.repeat(8)}`);
    secrecy.track(...secrets);
    await alert(secrets);
    const hashes = await Promise.all(secrets.map(sha256Hex));
    await env.DB.prepare("UPDATE incidents SET updated_at = ?1 WHERE token_hash = ?2")
      .bind(Date.UTC(2026, 0, 1), hashes[2] as string)
      .run();
    return hashes;
  }

  async function post(form: Record<string, string>) {
    const res = await send(consoleRequest("/console/rechecks", { form, cookie: await signIn() }));
    const html = await res.text();
    secrecy.sawResponse(html);
    return { status: res.status, html };
  }

  it("offers the form under the health table", async () => {
    const res = await send(consoleRequest("/console/health", { cookie: await signIn() }));
    const html = await res.text();
    expect(html).toContain('<form class="action" method="post" action="/console/rechecks"');
    expect(html).toContain('<input id="recheck-since" name="since" type="date" required');
  });

  it("reopens every not_found since the day given and queues it, leaving older ones", async () => {
    const hashes = await threeNotFound("cs");
    const { status, html } = await post({ since: "2026-06-01", confirm: "yes" });
    expect(status).toBe(200);
    expect(html).toContain("2 false positives given since 2026-06-01T00:00:00.000Z are pending again");
    for (const h of hashes.slice(0, 2))
      expect(await incident(h)).toMatchObject({ status: "pending", label: null });
    expect(await incident(hashes[2] as string)).toMatchObject({
      status: "not_found",
      label: "false_positive",
    });
  });

  it("revokes, from the queue, a key Clerk now knows among those reopened", async () => {
    const secret = `ak_${"csq".repeat(14)}`;
    secrecy.track(secret);
    await alert([secret]);
    const key = await createLiveKey({ secret });
    await post({ since: "2026-06-01", confirm: "yes" });
    await retryNow(await sha256Hex(secret));
    expect((await clerkKey(key.id)).revoked).toBe(true);
    expect(await incident(await sha256Hex(secret))).toMatchObject({
      status: "revoked",
      label: "true_positive",
    });
  });

  it("does nothing without the confirmation box, and says so", async () => {
    const hashes = await threeNotFound("cn");
    const { status, html } = await post({ since: "2026-06-01" });
    expect(status).toBe(400);
    expect(html).toContain("Nothing was done: the confirmation box was not ticked.");
    expect(await incident(hashes[0] as string)).toMatchObject({ status: "not_found" });
  });

  it("refuses a since that is not a day or a time, echoing nothing and reopening nothing", async () => {
    const hashes = await threeNotFound("cb");
    const { status, html } = await post({ since: "ak_yesterday_secret_looking", confirm: "yes" });
    expect(status).toBe(400);
    expect(html).toContain("give a day such as 2026-12-01");
    expect(html).not.toContain("ak_yesterday");
    expect(await incident(hashes[0] as string)).toMatchObject({ status: "not_found" });
  });

  it("sends a visitor without a session to the sign-in page, reopening nothing", async () => {
    const hashes = await threeNotFound("cv");
    const res = await send(
      consoleRequest("/console/rechecks", { form: { since: "2026-06-01", confirm: "yes" } }),
    );
    expect(res.status).toBe(303);
    expect(await incident(hashes[0] as string)).toMatchObject({ status: "not_found" });
  });
});

describe("the D1-down ordering and the rename", () => {
  it("keeps a revocation made while D1 was down over a later not_found for the same token", async () => {
    const live = await createLiveKey();
    const tokenHash = await sha256Hex(live.secret);
    const config = readConfig(env);
    if (!config.ok) throw new Error(config.error);
    const sealer = createSealer({ keys: config.value.SEALING_KEYS });
    const sealed = await sealer.seal(live.secret, tokenHash);
    const incidentOf = (revoked?: { id: string; subject: string; name: string }) => ({
      h: tokenHash,
      p: tokenPrefix(live.secret),
      t: "clerk_api_key" as const,
      s: "pending" as const,
      x: sealed,
      ...(revoked ? { revoked } : {}),
    });
    // The key was revoked inline while D1 was down; the record that says so arrives second.
    await revokeInClerk(live.id, "Key compromised");
    await consume({
      v: 1,
      kind: "record",
      sender: "github",
      at: Date.now(),
      incidents: [incidentOf()],
      sightings: [],
    });
    await retryNow(tokenHash);
    expect(await incident(tokenHash)).toMatchObject({ status: "not_found" });
    await consume({
      v: 1,
      kind: "record",
      sender: "github",
      at: Date.now(),
      incidents: [incidentOf({ id: live.id, subject: live.subject, name: live.name })],
      sightings: [],
    });
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      key_id: live.id,
    });
  });

  it("revokes a pending incident recorded as default after CLERK_SECRET_KEY moves to CLERK_SECRET_KEYS as prod", async () => {
    const { key, labels, tokenHash } = await pendingProdKey();
    expect(labels).toEqual([]);
    expect(await incident(tokenHash)).toMatchObject({
      status: "pending",
      clerk_instance: "default",
      key_id: key.id,
    });

    const renamed: Overrides = {
      CLERK_SECRET_KEY: "",
      CLERK_SECRET_KEYS: `prod=${TEST_CLERK_INSTANCES.prod}`,
      CLERK_API_URL: CLERKS,
    };
    await retryNow(tokenHash, renamed);
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      clerk_instance: "prod",
    });
    expect(await countOn(PROD, "revoke")).toBe(2);
  });

  it("keeps waiting, never not_found or revoked, when the instance on record was removed and nobody has the key", async () => {
    const { tokenHash } = await pendingProdKey();
    await retryNow(tokenHash, {
      CLERK_SECRET_KEY: "",
      CLERK_SECRET_KEYS: `staging=${TEST_CLERK_INSTANCES.staging}`,
      CLERK_API_URL: CLERKS,
    });
    expect(await incident(tokenHash)).toMatchObject({
      status: "pending",
      last_error: "clerk_instance_unknown",
    });
    expect(await countOn(STAGING, "revoke")).toBe(1);
  });
  it("never calls a key deleted on a revoke 404 under another configuration than the one that knew it", async () => {
    const right = PROD_AS_DEFAULT;
    const { key, tokenHash } = await pendingProdKey(right);
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", key_id: key.id });

    // Another instance's secret key, pasted by mistake: its Clerk has no such key and says so in its own 404.
    await retryNow(tokenHash, { ...right, CLERK_SECRET_KEY: TEST_CLERK_INSTANCES.staging });
    expect(await incident(tokenHash)).toMatchObject({
      status: "pending",
      label: null,
      already_inactive: null,
      last_error: "clerk_configuration_changed",
    });

    // The right key again: the same incident revokes the key.
    await retryNow(tokenHash, right);
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: null,
    });
    const state = (await (await fetch(`${PROD}/__standin/keys/${key.id}`)).json()) as { revoked: boolean };
    expect(state.revoked).toBe(true);
  });

  it("still reads a revoke 404 as deleted when only another instance was added since the key was confirmed", async () => {
    const prodOnly: Overrides = {
      ...PROD_AS_DEFAULT,
      CLERK_SECRET_KEY: "",
      CLERK_SECRET_KEYS: `prod=${TEST_CLERK_INSTANCES.prod}`,
    };
    const { tokenHash } = await pendingProdKey(prodOnly);
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", clerk_instance: "prod" });

    // staging joins; prod's key and URL are as they were. Clerk's own 404 for the revoke: the key is gone.
    await fetch(`${PROD}/__standin/script`, {
      method: "POST",
      body: JSON.stringify([{ status: 404, path: "revoke" }]),
    });
    await retryNow(tokenHash, {
      ...prodOnly,
      CLERK_SECRET_KEYS: `prod=${TEST_CLERK_INSTANCES.prod},staging=${TEST_CLERK_INSTANCES.staging}`,
    });
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      already_inactive: "deleted",
      verdict_config: null,
    });
  });

  it("finishes an operator's machine rotation recorded as default after default is renamed prod", async () => {
    const machine = await createMachine({ name: "rotate-after-rename" });
    await scriptClerk([{ status: 503, path: "machine_rotate" }]);
    const res = await operatorPost("/v1/revocations", { machine_id: machine.id });
    expect(res.status).toBe(202);
    const tokenHash = await keyIdIncidentHash(machine.id);
    expect(await incident(tokenHash)).toMatchObject({ status: "pending", clerk_instance: "default" });

    await resetPacer("prod");
    await retryNow(tokenHash, { CLERK_SECRET_KEY: "", CLERK_SECRET_KEYS: `prod=${TEST_CLERK_SECRET_KEY}` });
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", clerk_instance: "prod" });
    expect((await clerkMachines()).find((m) => m.id === machine.id)?.rotate_count).toBe(1);
  });

  it("rotates a leaked machine secret whose hash was read under default, before any cron under the new name", async () => {
    const machine = await createMachine({ name: "leaked-after-rename" });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    await resetPacer("prod");
    const labels = await alert([machine.secret], {
      CLERK_SECRET_KEY: "",
      CLERK_SECRET_KEYS: `prod=${TEST_CLERK_SECRET_KEY}`,
    });
    expect(labels.map((l) => l.label)).toEqual(["true_positive"]);
    expect(await incident(await sha256Hex(machine.secret))).toMatchObject({
      status: "revoked",
      clerk_instance: "prod",
    });
    expect((await clerkMachines()).find((m) => m.id === machine.id)?.rotate_count).toBe(1);
  });
});
