/**
 * A GitHub App of the customer's (issue 23, part 1): `POST /v1/github-app/webhook` in the Workers runtime over real
 * D1, the queue and the stand-ins for Clerk and GitHub's REST API (dev/github-standin.ts). A delivery is checked with
 * X-Hub-Signature-256, queued, and from the queue the App reads the alert's secret as its installation, revokes a
 * live Clerk key, and resolves the alert as `revoked`. The App's key pair is generated for the run
 * (vitest.config.ts); the watch looks for it, the webhook secret, every installation token and every leaked secret.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "@octokit/webhooks-methods";
import * as v from "valibot";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_GITHUB_WEBHOOK_SECRET } from "../dev/outbound";
import worker from "../src";
import { createIncidentRetention } from "../src/incidents/retention";
import { sha256Hex } from "../src/lib/hash";
import { GITHUB_ALERT_MAX_ROUNDS } from "../src/use-cases/github-alert-message";
import { clearTables, incident, migrate } from "./support/db";
import { QUEUE_ROUND_MS } from "./support/queue-timing";
import { watchSecrecy } from "./support/secrecy";
import { CLERK, callsOf, clerkKey, createLiveKey, createM2MToken, resetClerk } from "./support/standins";
import { waitFor } from "./support/wait";

const GITHUB = "https://api.github.test";
const INSTALLATION = 7_001;
const OWNER = "acme";
/** A repository of each test's own: a message another test left on the queue reads another path, and gets a 404. */
let REPO = "webapp";

const secrecy = watchSecrecy({ clerk: CLERK });
secrecy.track(TEST_GITHUB_WEBHOOK_SECRET, env.GITHUB_APP_PRIVATE_KEY);

const StandinAlertSchema = v.object({
  number: v.number(),
  state: v.string(),
  resolution: v.nullable(v.string()),
  resolution_comment: v.nullable(v.string()),
  patches: v.number(),
});
const CallSchema = v.object({ method: v.string(), route: v.string(), path: v.string(), status: v.number() });

async function github(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${GITHUB}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`stand-in ${path}: ${res.status}`);
  return res.json();
}

/** An alert in the stand-in for `secret`; answers its number. */
async function githubAlert(secret: string, secretType = "clerk_api_key"): Promise<number> {
  const created = v.parse(
    v.object({ number: v.number() }),
    await github("alerts", { owner: OWNER, repo: REPO, secret, secret_type: secretType }),
  );
  return created.number;
}

const alertState = async (number: number) =>
  v.parse(v.array(StandinAlertSchema), await github("alerts")).find((a) => a.number === number);
const githubCalls = async (route: string) =>
  v
    .parse(v.array(CallSchema), await github("calls"))
    .filter((c) => c.route === route && (route === "access_token" || c.path.includes(`/${REPO}/`)));

/** The tokens the stand-in issued, watched from now on. */
async function trackTokens(): Promise<void> {
  secrecy.track(...v.parse(v.array(v.string()), await github("tokens")));
}

function payload(number: number, action = "created", event = "secret_scanning_alert") {
  return {
    action,
    alert: {
      number,
      secret_type: "clerk_api_key",
      html_url: `https://github.com/${OWNER}/${REPO}/security/secret-scanning/${number}`,
    },
    repository: { id: 90_001, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER } },
    installation: { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzAwMQ==" },
    ...(event === "secret_scanning_alert_location" ? { location: { type: "commit", details: {} } } : {}),
    sender: { login: "github" },
  };
}

/** A delivery as GitHub makes it: the JSON body, signed with the App's webhook secret. */
async function deliver(
  body: unknown,
  options: { event?: string; signature?: string; secret?: string; raw?: string } = {},
) {
  const raw = options.raw ?? JSON.stringify(body);
  const signature = options.signature ?? (await sign(options.secret ?? TEST_GITHUB_WEBHOOK_SECRET, raw));
  const started = Date.now();
  const res = await secrecy.fetch(
    new Request("https://autorevoke.test/v1/github-app/webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/044aadd",
        "x-github-event": options.event ?? "secret_scanning_alert",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": signature,
      },
      body: raw,
    }),
  );
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await env.DB.prepare("DELETE FROM github_alerts").run();
  await resetClerk();
  await github("reset", {});
  REPO = `webapp-${crypto.randomUUID().slice(0, 8)}`;
  await github("installations", { id: INSTALLATION, repositories: [`${OWNER}/${REPO}`] });
});

describe("a delivery's signature", () => {
  it("is refused with 401 when tampered with, before any GitHub or Clerk call", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    const raw = JSON.stringify(payload(number));
    const signature = await sign(TEST_GITHUB_WEBHOOK_SECRET, raw);
    const res = await deliver(undefined, {
      raw: raw.replace(`"number":${number}`, `"number":${number + 1}`),
      signature,
    });
    expect(res.status).toBe(401);
    // Long enough for a queued message to have been consumed, had one been sent.
    await new Promise((r) => setTimeout(r, QUEUE_ROUND_MS));
    expect(await githubCalls("get_alert")).toEqual([]);
    expect(await callsOf("verify")).toEqual([]);
    expect(secrecy.queued().filter((m) => m.includes(REPO))).toEqual([]);
  }, 20_000);

  it.each([
    ["signed with another secret", { secret: "another-webhook-secret-0123456789" }],
    ["with no signature", { signature: "" }],
    ["with a sha1 signature", { signature: "sha1=0123456789abcdef0123456789abcdef01234567" }],
  ])("is refused with 401 %s", async (_name, options) => {
    const res = await deliver(payload(1), options);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: "Invalid or missing signature." });
  });
});

describe("a created alert for a live key", () => {
  it("revokes the key, resolves the alert as revoked with a comment, and records the alert's page", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    const res = await deliver(payload(number));
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ status: "queued" });
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 15_000)).toBe(true);
    await trackTokens();
    expect((await clerkKey(live.id)).revoked).toBe(true);
    const alert = await alertState(number);
    expect(alert).toMatchObject({ resolution: "revoked", patches: 1 });
    const tokenHash = await sha256Hex(live.secret);
    expect(alert?.resolution_comment).toContain(tokenHash.slice(0, 16));
    expect(alert?.resolution_comment).toContain("Key compromised");
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", label: "true_positive" });
    const sighting = await env.DB.prepare("SELECT sender, url, source FROM sightings WHERE token_hash = ?1")
      .bind(tokenHash)
      .first();
    expect(sighting).toEqual({
      sender: "github_app",
      url: `https://github.com/${OWNER}/${REPO}/security/secret-scanning/${number}`,
      source: "github_secret_scanning",
    });
  }, 30_000);

  it("revokes once and PATCHes once for the same delivery twice", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    const [a, b] = await Promise.all([deliver(payload(number)), deliver(payload(number))]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 15_000)).toBe(true);
    // Both messages done: the second read the alert resolved, or found the PATCH claimed.
    expect(await waitFor(async () => (await githubCalls("get_alert")).length >= 2, 15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    await trackTokens();
    expect(await callsOf("revoke")).toHaveLength(1);
    expect((await alertState(number))?.patches).toBe(1);
    expect((await githubCalls("patch_alert")).filter((c) => c.status === 200)).toHaveLength(1);
  }, 30_000);

  it("is handled the same way from a location_created delivery", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    const res = await deliver(payload(number, "created", "secret_scanning_alert_location"), {
      event: "secret_scanning_alert_location",
    });
    expect(res.status).toBe(202);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 15_000)).toBe(true);
    await trackTokens();
    expect((await clerkKey(live.id)).revoked).toBe(true);
  }, 30_000);
});

describe("an alert that is not a live Clerk key", () => {
  it("leaves a secret that is not Clerk's alone: no Clerk call, the alert stays open", async () => {
    const number = await githubAlert(
      "ghp_notAClerkSecret0123456789abcdefABCDEF",
      "github_personal_access_token",
    );
    secrecy.track("ghp_notAClerkSecret0123456789abcdefABCDEF");
    expect((await deliver(payload(number))).status).toBe(202);
    expect(await waitFor(async () => (await githubCalls("get_alert")).length >= 1, 15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    // One read of the alert (a 401 before it is the isolate's cached token, which the stand-in's reset forgot).
    expect((await githubCalls("get_alert")).filter((c) => c.status === 200)).toHaveLength(1);
    await trackTokens();
    expect(await callsOf("verify")).toEqual([]);
    expect(await alertState(number)).toMatchObject({ state: "open", patches: 0 });
  }, 30_000);

  it("leaves an alert whose answer holds no secret alone: no Clerk call, the alert stays open", async () => {
    const live = await createLiveKey();
    const created = v.parse(
      v.object({ number: v.number() }),
      await github("alerts", { owner: OWNER, repo: REPO, secret: live.secret, omit_secret: true }),
    );
    expect((await deliver(payload(created.number))).status).toBe(202);
    expect(await waitFor(async () => secrecy.logs().includes('"reason":"secret_hidden"'), 15_000)).toBe(true);
    await trackTokens();
    expect(await callsOf("verify")).toEqual([]);
    expect((await clerkKey(live.id)).revoked).toBe(false);
    expect(await alertState(created.number)).toMatchObject({ state: "open", patches: 0 });
  }, 30_000);

  it("leaves the alert open for a Clerk-shaped secret Clerk does not know", async () => {
    const unknown = "ak_unknownToClerk0123456789abcdefABCDEF01";
    secrecy.track(unknown);
    const number = await githubAlert(unknown);
    expect((await deliver(payload(number))).status).toBe(202);
    expect(await waitFor(async () => (await callsOf("verify")).length === 1, 15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    await trackTokens();
    expect(await callsOf("revoke")).toEqual([]);
    expect(await alertState(number)).toMatchObject({ state: "open", patches: 0 });
  }, 30_000);
});

describe("a created alert for a live JWT", () => {
  it("leaves the alert open: the JWT is real, but nothing revoked it", async () => {
    const jwt = await createM2MToken({ token_format: "jwt" });
    const number = await githubAlert(jwt.token);
    expect((await deliver(payload(number))).status).toBe(202);
    const tokenHash = await sha256Hex(jwt.token);
    expect(await waitFor(async () => (await incident(tokenHash))?.label === "true_positive", 15_000)).toBe(
      true,
    );
    await new Promise((r) => setTimeout(r, QUEUE_ROUND_MS));
    await trackTokens();
    expect(await incident(tokenHash)).toMatchObject({ status: "revoked", token_type: "clerk_m2m_jwt" });
    expect(await alertState(number)).toMatchObject({ state: "open", patches: 0 });
  }, 30_000);
});

describe("GitHub failing", () => {
  it("answers the webhook in time while GitHub's GET fails for over 10 s, and revokes once GitHub answers", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    await github("fail", { route: "get_alert", status: 503, for_ms: 11_000 });
    const res = await deliver(payload(number));
    expect(res.status).toBe(202);
    // GitHub's deadline is 10 s; the answer needs no GitHub call at all.
    expect(res.ms).toBeLessThan(1_000);
    expect(
      await waitFor(async () => (await githubCalls("get_alert")).some((c) => c.status === 503), 10_000),
    ).toBe(true);
    expect((await clerkKey(live.id)).revoked).toBe(false);
    expect(await waitFor(async () => (await clerkKey(live.id)).revoked, 40_000, 250)).toBe(true);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 10_000)).toBe(true);
    await trackTokens();
    const gets = await githubCalls("get_alert");
    expect(gets.filter((c) => c.status === 503).length).toBeGreaterThanOrEqual(2);
    expect(gets.at(-1)?.status).toBe(200);
  }, 60_000);

  it("gives up on a token mint that hangs, within the call's timeout, and revokes on the next round", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    // A cold isolate's first mint, or the stand-in's token cache reset: either way a mint is made.
    await github("expire-tokens", {});
    await github("delay", { route: "access_token", ms: 9_000 });
    expect((await deliver(payload(number))).status).toBe(202);
    expect(
      await waitFor(async () => secrecy.logs().includes('"event":"github_unavailable"'), 8_000, 100),
    ).toBe(true);
    expect((await clerkKey(live.id)).revoked).toBe(false);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 20_000, 250)).toBe(
      true,
    );
    await trackTokens();
    expect((await clerkKey(live.id)).revoked).toBe(true);
  }, 40_000);

  it("mints a new installation token when the cached one expires in the middle of a leak", async () => {
    const keys = [await createLiveKey(), await createLiveKey(), await createLiveKey()];
    const numbers: number[] = [];
    for (const key of keys) numbers.push(await githubAlert(key.secret));
    expect((await deliver(payload(numbers[0] ?? 0))).status).toBe(202);
    expect(await waitFor(async () => (await alertState(numbers[0] ?? 0))?.state === "resolved", 15_000)).toBe(
      true,
    );
    const mintedBefore = (await githubCalls("access_token")).length;
    // Every token GitHub issued so far stops working, as an hour's expiry (or a revocation) does.
    await github("expire-tokens", {});
    for (const number of numbers.slice(1)) expect((await deliver(payload(number))).status).toBe(202);
    for (const number of numbers.slice(1)) {
      expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 15_000)).toBe(true);
    }
    await trackTokens();
    for (const key of keys) expect((await clerkKey(key.id)).revoked).toBe(true);
    const gets = await githubCalls("get_alert");
    // The first GET after the expiry met 401, and the same call went through with a fresh token.
    expect(gets.some((c) => c.status === 401)).toBe(true);
    expect((await githubCalls("access_token")).length).toBeGreaterThan(mintedBefore);
  }, 60_000);
});

describe("GitHub refusing for a while", () => {
  it.each([
    ["a rate limit's 403", 403],
    ["a 404 for an alert not readable yet", 404],
    ["a 429", 429],
  ])(
    "comes back after %s on the GET, and revokes",
    async (_name, status) => {
      const live = await createLiveKey();
      const number = await githubAlert(live.secret);
      await github("fail", { route: "get_alert", status, for_ms: 1_500 });
      expect((await deliver(payload(number))).status).toBe(202);
      expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 25_000, 250)).toBe(
        true,
      );
      await trackTokens();
      expect((await clerkKey(live.id)).revoked).toBe(true);
      expect((await githubCalls("get_alert")).some((c) => c.status === status)).toBe(true);
      expect(secrecy.logs()).toContain('"event":"github_unavailable"');
    },
    40_000,
  );

  it("waits at least the Retry-After of GitHub's secondary rate limit before reading again", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    await github("fail", { route: "get_alert", status: 403, times: 1, retry_after: 4 });
    expect((await deliver(payload(number))).status).toBe(202);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 25_000, 250)).toBe(
      true,
    );
    await trackTokens();
    const gets = v
      .parse(
        v.array(v.object({ at: v.number(), route: v.string(), path: v.string(), status: v.number() })),
        await github("calls"),
      )
      .filter((c) => c.route === "get_alert" && c.path.includes(`/${REPO}/`));
    const limited = gets.find((c) => c.status === 403);
    const next = gets.find((c) => c.status === 200);
    // The base delay here is 1 s (RETRY_BASE_DELAY_SECONDS): only GitHub's 4 s explains the gap.
    expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(3_900);
    expect(secrecy.logs()).toContain('"retry_after_s":4');
  }, 40_000);

  it.each([400, 422])(
    "does not call an alert resolved when GitHub refuses the PATCH with a %i and the alert is still open",
    async (status) => {
      const live = await createLiveKey();
      const number = await githubAlert(live.secret);
      await github("fail", { route: "patch_alert", status, times: 100 });
      expect((await deliver(payload(number))).status).toBe(202);
      expect(
        await waitFor(async () => secrecy.logs().includes('"event":"github_alert_failed"'), 15_000),
      ).toBe(true);
      await trackTokens();
      expect((await clerkKey(live.id)).revoked).toBe(true);
      expect(await alertState(number)).toMatchObject({ state: "open", patches: 0 });
      expect(secrecy.logs()).not.toContain('"event":"github_alert_resolved"');
      const row = await env.DB.prepare("SELECT patched_at FROM github_alerts").first();
      expect(row).toEqual({ patched_at: null });
    },
    30_000,
  );
});

describe("a form-encoded delivery (a hook whose content type is form)", () => {
  it("is verified over the raw form body and handled as the JSON one", async () => {
    const live = await createLiveKey();
    const number = await githubAlert(live.secret);
    const raw = new URLSearchParams({ payload: JSON.stringify(payload(number)) }).toString();
    const res = await secrecy.fetch(
      new Request("https://autorevoke.test/v1/github-app/webhook", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-github-event": "secret_scanning_alert",
          "x-hub-signature-256": await sign(TEST_GITHUB_WEBHOOK_SECRET, raw),
        },
        body: raw,
      }),
    );
    expect(res.status).toBe(202);
    expect(await waitFor(async () => (await alertState(number))?.state === "resolved", 15_000)).toBe(true);
    await trackTokens();
    expect((await clerkKey(live.id)).revoked).toBe(true);
  }, 30_000);
});

describe("the bounds", () => {
  it("puts a dead-lettered GitHub alert back one round later, and gives up past the last round", async () => {
    const message = (round: number) => ({
      v: 1,
      kind: "github_alert",
      installation_id: INSTALLATION,
      repository_id: 90_001,
      owner: OWNER,
      repo: REPO,
      number: 1,
      round,
    });
    const batch = createMessageBatch("autorevoke-revocations-dlq", [
      { id: "a", timestamp: new Date(), attempts: 21, body: message(3) },
      { id: "b", timestamp: new Date(), attempts: 21, body: message(GITHUB_ALERT_MAX_ROUNDS) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["a", "b"]);
    const requeued = secrecy.queued().filter((m) => m.includes(REPO));
    expect(requeued.map((m) => JSON.parse(m).round)).toEqual([4]);
    expect(secrecy.logs()).toContain('"event":"github_alert_abandoned"');
  });

  it("reads only the old claim rows to delete them, through the created_at index, however many rows there are", async () => {
    const now = Date.now();
    const old = now - 31 * 24 * 3_600_000;
    // 20,000 rows, as a year of alerts might leave, 10 of them past the retention age.
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ key: `9#${i}`, at: i < 10 ? old : now }));
    for (let i = 0; i < rows.length; i += 500) {
      await env.DB.prepare(
        `INSERT INTO github_alerts (alert_key, installation_id, token_hash, created_at)
         SELECT json_extract(value, '$.key'), 1, 'h', json_extract(value, '$.at') FROM json_each(?1)`,
      )
        .bind(JSON.stringify(rows.slice(i, i + 500)))
        .run();
    }
    const result = await env.DB.prepare("DELETE FROM github_alerts WHERE created_at < ?1")
      .bind(now - 30 * 24 * 3_600_000)
      .run();
    expect(result.meta.changes).toBe(10);
    // The 10 rows and their index entries, plus the one index probe past them: never the 20,000.
    expect(result.meta.rows_read).toBeLessThanOrEqual(25);
  });

  it("deletes an alert's claim row at the sightings' retention age", async () => {
    const old = Date.now() - 31 * 24 * 3_600_000;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO github_alerts (alert_key, installation_id, token_hash, patched_at, created_at) VALUES ('1#1', 1, 'h', ?1, ?1)",
      ).bind(old),
      env.DB.prepare(
        "INSERT INTO github_alerts (alert_key, installation_id, token_hash, patched_at, created_at) VALUES ('1#2', 1, 'h', ?1, ?1)",
      ).bind(Date.now()),
    ]);
    await createIncidentRetention(env.DB).eraseSightingDetails(
      Date.now() - 30 * 24 * 3_600_000,
      Date.now(),
      1_000,
    );
    const { results } = await env.DB.prepare("SELECT alert_key FROM github_alerts").all();
    expect(results).toEqual([{ alert_key: "1#2" }]);
  });
});

describe("deliveries with nothing to do", () => {
  it("answers a ping 200", async () => {
    const res = await deliver({ zen: "Keep it logically awesome.", hook_id: 1 }, { event: "ping" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "pong" });
  });

  it.each([
    ["a resolved alert", "secret_scanning_alert", "resolved"],
    ["an assignment", "secret_scanning_alert", "assigned"],
    ["another event", "push", "created"],
  ])("answers %s 202 ignored, and queues nothing", async (_name, event, action) => {
    const res = await deliver(payload(1, action), { event });
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ status: "ignored" });
    expect(secrecy.queued().filter((m) => m.includes(REPO))).toEqual([]);
  });

  it("refuses a signed body that is not the event's payload with 400, naming the field", async () => {
    const res = await deliver({ action: "created", alert: { number: "one" } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: "Invalid request body; see /docs.",
      fields: ["alert.number"],
    });
  });

  it("is off (404) when the App's settings are unset", async () => {
    const {
      GITHUB_APP_ID: _a,
      GITHUB_APP_PRIVATE_KEY: _k,
      GITHUB_APP_WEBHOOK_SECRET: _s,
      ...rest
    } = env as unknown as Record<string, unknown>;
    const res = await worker.fetch(
      new Request("https://autorevoke.test/v1/github-app/webhook", { method: "POST", body: "{}" }),
      rest as unknown as Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(404);
  });
});
