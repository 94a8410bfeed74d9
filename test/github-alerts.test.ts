/**
 * POST /v1/alerts/github, end to end inside the Workers runtime: real ECDSA signatures from keys made
 * here, real D1, the Clerk stand-in behind Miniflare's outbound service.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateSigningKey, type SigningKey } from "../dev/signer";
import worker from "../src";
import { ALERT_BUDGET_MS, INLINE_DEADLINE_MS } from "../src/domain/deadlines";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  callsOf,
  clerkCalls,
  clerkKey,
  createLiveKey,
  githubKeyFetches,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";

let key: SigningKey;
/** Every raw token a test sends is tracked; none may appear in a log, a response, a message or a table. */
const secrecy = watchSecrecy({ clerk: CLERK });

beforeAll(async () => {
  await migrate();
  key = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

function remember(body: unknown) {
  if (Array.isArray(body)) {
    for (const m of body)
      if (m && typeof m === "object" && "token" in m && typeof m.token === "string") secrecy.track(m.token);
  }
}

async function send(body: unknown, signer: SigningKey = key): Promise<Response> {
  remember(body);
  return secrecy.fetch(await signedAlert(signer, typeof body === "string" ? body : JSON.stringify(body)));
}

const hash = sha256Hex;
const randomSecret = () => `ak_${crypto.randomUUID().replaceAll("-", "")}unknown`;

async function rowCount(): Promise<number> {
  const row = await (await import("cloudflare:workers")).env.DB.prepare(
    "SELECT COUNT(*) AS n FROM incidents",
  ).first<{
    n: number;
  }>();
  return row?.n ?? -1;
}

describe("a verified alert", () => {
  it("revokes a live key and labels it true_positive", async () => {
    const live = await createLiveKey();
    const res = await send([match(live.secret)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { token_hash: await hash(live.secret), token_type: "clerk_api_key", label: "true_positive" },
    ]);
    expect((await clerkKey(live.id)).revoked).toBe(true);
    const revokes = await callsOf("revoke");
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.body).toEqual({ revocation_reason: "Key compromised" });
    expect(await incident(await hash(live.secret))).toMatchObject({
      status: "revoked",
      key_id: live.id,
      label: "true_positive",
    });
  });

  it("labels a mixed batch right and revokes each live key exactly once", async () => {
    const a = await createLiveKey();
    const b = await createLiveKey();
    const unknown = randomSecret();
    const notClerk = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    const res = await send([
      match(a.secret),
      match(b.secret, { url: "https://github.com/octo/other/blob/main/x.ts" }),
      match(a.secret, { source: "commit" }),
      match(unknown),
      match(notClerk, { type: "github_token" }),
      { type: "clerk_api_key", url: "https://github.com/x" },
    ]);
    expect(res.status).toBe(200);
    const labels = await res.json();
    expect(labels).toEqual([
      { token_hash: await hash(a.secret), token_type: "clerk_api_key", label: "true_positive" },
      { token_hash: await hash(b.secret), token_type: "clerk_api_key", label: "true_positive" },
      { token_hash: await hash(unknown), token_type: "clerk_api_key", label: "false_positive" },
      { token_hash: await hash(notClerk), token_type: "github_token", label: "false_positive" },
    ]);
    const revokes = await callsOf("revoke");
    expect(revokes.map((c) => c.keyId).sort()).toEqual([a.id, b.id].sort());
    for (const call of revokes) expect(call.body).toEqual({ revocation_reason: "Key compromised" });
    // The non-Clerk token never reached Clerk: one verify each for a, b and the unknown secret.
    expect((await callsOf("verify")).map((c) => c.secretSha256).sort()).toEqual(
      [await hash(a.secret), await hash(b.secret), await hash(unknown)].sort(),
    );
  });

  it("matches the type case-insensitively and echoes it as sent", async () => {
    const live = await createLiveKey();
    const res = await send([match(live.secret, { type: "CLERK_API_KEY" })]);
    expect(await res.json()).toEqual([
      { token_hash: await hash(live.secret), token_type: "CLERK_API_KEY", label: "true_positive" },
    ]);
  });

  it("accepts a missing or empty url and an unknown source", async () => {
    const a = await createLiveKey();
    const b = await createLiveKey();
    const res = await send([
      { token: a.secret, type: "clerk_api_key", source: "Pull_Request_Review_Comment" },
      { token: b.secret, type: "clerk_api_key", url: " ", source: "npm" },
    ]);
    const labels = (await res.json()) as { label: string }[];
    expect(labels.map((f) => f.label)).toEqual(["true_positive", "true_positive"]);
  });

  it("answers a replay of a revoked token from the log, without calling Clerk", async () => {
    const live = await createLiveKey();
    await send([match(live.secret)]);
    const before = (await clerkCalls()).length;
    const res = await send([match(live.secret)]);
    expect(await res.json()).toEqual([
      { token_hash: await hash(live.secret), token_type: "clerk_api_key", label: "true_positive" },
    ]);
    expect((await clerkCalls()).length).toBe(before);
  });

  it("labels a key id (not a secret) false_positive: Clerk does not know it as a secret", async () => {
    const live = await createLiveKey();
    const res = await send([match(live.id)]);
    expect(await res.json()).toEqual([
      { token_hash: await hash(live.id), token_type: "clerk_api_key", label: "false_positive" },
    ]);
    expect((await clerkKey(live.id)).revoked).toBe(false);
  });

  it("skips invalid matches and answers 200 with no labels when none is valid", async () => {
    const res = await send([{ token: 42, type: "clerk_api_key" }, { type: "x" }, "ak_not_an_object", null]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect(await clerkCalls()).toEqual([]);
  });
});

describe("attacks: each gets 401, costs no Clerk call and writes nothing", () => {
  async function expectRejected(request: Request) {
    const res = await secrecy.fetch(request);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid or missing signature." });
    expect(await clerkCalls()).toEqual([]);
    expect(await rowCount()).toBe(0);
  }

  const body = async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    return JSON.stringify([match(live.secret)]);
  };

  it("rejects a signature made by another key under a published key id", async () => {
    const forger = await generateSigningKey();
    const request = await signedAlert(forger, await body());
    request.headers.set("Github-Public-Key-Identifier", key.keyIdentifier);
    await expectRejected(request);
  });

  it("rejects an unknown key id", async () => {
    await expectRejected(await signedAlert(await generateSigningKey(), await body()));
  });

  it("rejects a tampered body", async () => {
    const signed = await signedAlert(key, await body());
    const tampered = JSON.stringify([match(`ak_${"x".repeat(40)}`)]);
    await expectRejected(
      new Request(signed.url, { method: "POST", headers: signed.headers, body: tampered }),
    );
  });

  it("rejects a body with a trailing newline added after signing", async () => {
    const text = await body();
    const signed = await signedAlert(key, text);
    await expectRejected(
      new Request(signed.url, { method: "POST", headers: signed.headers, body: `${text}\n` }),
    );
  });

  it.each(["Github-Public-Key-Identifier", "Github-Public-Key-Signature"])(
    "rejects a request without %s",
    async (name) => {
      const signed = await signedAlert(key, await body());
      signed.headers.delete(name);
      await expectRejected(signed);
    },
  );

  it("rejects a signature that is not base64 DER", async () => {
    const signed = await signedAlert(key, await body());
    signed.headers.set("Github-Public-Key-Signature", "bm90IGEgc2lnbmF0dXJl");
    await expectRejected(signed);
  });

  it("accepts header names in any case", async () => {
    const live = await createLiveKey();
    const text = JSON.stringify([match(live.secret)]);
    secrecy.track(live.secret);
    const signed = await signedAlert(key, text);
    const headers = new Headers({ "content-type": "application/json" });
    headers.set("GITHUB-PUBLIC-KEY-IDENTIFIER", signed.headers.get("github-public-key-identifier") ?? "");
    headers.set("GITHUB-PUBLIC-KEY-SIGNATURE", signed.headers.get("github-public-key-signature") ?? "");
    const res = await secrecy.fetch(new Request(signed.url, { method: "POST", headers, body: text }));
    expect(res.status).toBe(200);
  });

  it("does not refetch the key list for each of 20 random key ids", async () => {
    const text = await body();
    // A good alert first, so the list is loaded whatever ran before: what follows counts refetches only.
    expect((await secrecy.fetch(await signedAlert(key, text))).status).toBe(200);
    const before = await githubKeyFetches();
    for (let i = 0; i < 20; i++) {
      const signed = await signedAlert(key, text);
      signed.headers.set("Github-Public-Key-Identifier", (await hash(crypto.randomUUID())).toString());
      expect((await secrecy.fetch(signed)).status).toBe(401);
    }
    expect((await githubKeyFetches()) - before).toBeLessThanOrEqual(1);
  });
});

describe("when GitHub's key list cannot be fetched", () => {
  it("answers 503, not 401: the sender may try again, and nothing is stored", async () => {
    const live = await createLiveKey();
    const ctx = createExecutionContext();
    // A host no stand-in answers: the fetch of the key list fails (dev/outbound.ts answers 502).
    const down = { ...env, GITHUB_KEYS_URL: "https://down.keys.example/meta/public_keys/secret_scanning" };
    const res = await worker.fetch(await signedAlert(key, JSON.stringify([match(live.secret)])), down, ctx);
    await waitOnExecutionContext(ctx);
    const body = await res.text();
    secrecy.sawResponse(body);
    expect(res.status).toBe(503);
    expect(JSON.parse(body)).toEqual({ error: "Signature keys are unavailable; try again later." });
    expect(await rowCount()).toBe(0);
    expect(await clerkCalls()).toEqual([]);
  });
});

describe("bad input", () => {
  it.each([
    ["not JSON", '[{"token":"ak_secretinbrokenjson0000000000"'],
    ["a JSON object", '{"token":"ak_secretinobject00000000000000","type":"clerk_api_key"}'],
    ["an empty array", "[]"],
    ["a JSON string", '"ak_secretinstring0000000000000000"'],
  ])("answers 400 for %s, without echoing it", async (_name, text) => {
    const res = await send(text);
    expect(res.status).toBe(400);
    const answer = await res.text();
    expect(answer).not.toContain("ak_secret");
    expect(JSON.parse(answer)).toHaveProperty("error");
    expect(await clerkCalls()).toEqual([]);
    expect(await rowCount()).toBe(0);
  });

  it("answers 413 for a signed body over the limit, before verifying the signature", async () => {
    const big = `[${'"x",'.repeat(1_400_000)}"x"]`;
    // Signed by a key nobody published: had the signature been checked first, this would be a 401.
    const res = await secrecy.fetch(await signedAlert(await generateSigningKey(), big));
    expect(res.status).toBe(413);
    expect(await rowCount()).toBe(0);
  });
});

describe("when Clerk fails", () => {
  it.each([
    ["503", [{ status: 503, times: 10 }]],
    ["429 with Retry-After", [{ status: 429, retryAfterSeconds: 30, times: 10 }]],
  ])("answers 200 with no label on a %s, and keeps the incident pending", async (_name, faults) => {
    const live = await createLiveKey();
    await scriptClerk(faults);
    const res = await send([match(live.secret)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect(await incident(await hash(live.secret))).toMatchObject({ status: "pending", label: null });
  });

  it("answers 200 before the deadline when Clerk hangs", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ hangMs: 20_000, times: 10 }]);
    const started = Date.now();
    const res = await send([match(live.secret)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    // Time is the subject: the Worker's own clock (its `alert` log line) within its budget, and the wall clock, on a
    // loaded machine, only within GitHub's 15 s. The hang (20 s) is longer than both.
    const line = secrecy
      .logs()
      .split("\n")
      .findLast((l) => l.includes('"event":"alert"'));
    expect(Number(JSON.parse(line ?? "{}").duration_ms)).toBeLessThanOrEqual(ALERT_BUDGET_MS);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 15_000);

  it("holds the inline deadline when Clerk hangs for more tokens than run inline at once", async () => {
    // More tokens than INLINE_CONCURRENCY (6): the lanes fill, hang, and later tokens start behind them or never. The
    // answer must wait for none of them: what is in flight finishes after it, what never started goes to the queue.
    const keys = await Promise.all(Array.from({ length: 13 }, () => createLiveKey()));
    await scriptClerk([{ hangMs: 20_000, times: 40 }]);
    const started = Date.now();
    const res = await send(keys.map((k) => match(k.secret)));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    const line = secrecy
      .logs()
      .split("\n")
      .findLast((l) => l.includes('"event":"alert"'));
    const logged = JSON.parse(line ?? "{}");
    // The inline deadline holds for the tokens that started behind the first six, whose own Clerk call timeout
    // (CLERK_CALL_TIMEOUT_MS) runs past it: the pool stops waiting at INLINE_DEADLINE_MS, and queueing takes little.
    expect(Number(logged.duration_ms)).toBeLessThanOrEqual(INLINE_DEADLINE_MS + 1_500);
    // Each token is either back as a retry (a Clerk call that timed out) or still in flight; none has a label.
    expect(logged).toMatchObject({ tokens: 13, labelled: 0 });
    expect((logged.retry ?? 0) + (logged.in_flight ?? 0)).toBe(13);
    expect(logged.in_flight).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 15_000);

  it("still labels the tokens that did not need the failing call", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 503, times: 10, path: "revoke" }]);
    const notClerk = "xoxb-0000-not-a-clerk-token";
    const res = await send([match(live.secret), match(notClerk, { type: "slack" })]);
    expect(await res.json()).toEqual([
      { token_hash: await hash(notClerk), token_type: "slack", label: "false_positive" },
    ]);
    // The key id is known, so the retry revokes by id instead of verifying again.
    expect(await incident(await hash(live.secret))).toMatchObject({
      status: "pending",
      key_id: live.id,
      sealed_secret: null,
    });
  });
});
