/**
 * The operators' API end to end in the Workers runtime: bearer auth with its rate limit, the incident
 * list and detail over real D1, manual revocation against the Clerk stand-in, retry through the real
 * queue. Every answer is parsed with the response schemas the OpenAPI document is generated from, and
 * no secret may show up in an answer, a log line or a table.
 */

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as v from "valibot";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import worker from "../src";
import {
  ErrorSchema,
  IncidentDetailSchema,
  IncidentPageSchema,
  RetryResultSchema,
  RevocationResultSchema,
} from "../src/http/responses";
import { REVOCATION_BODY_LIMIT_BYTES } from "../src/http/routes/revocations";
import { sha256Hex } from "../src/lib/hash";
import { keyIdIncidentHash } from "../src/use-cases/revoke-manually";
import { clearTables, incident, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  callsOf,
  clerkKey,
  createLiveKey,
  match,
  publishedSigningKey,
  resetClerk,
  scriptClerk,
  signedAlert,
} from "./support/standins";
import { waitFor } from "./support/wait";

const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";
const BASE = "http://autorevoke.test";

/** Every secret sent is looked for in each test's rows, queue messages, answers and log lines. */
const secrecy = watchSecrecy({ clerk: CLERK });
// The operators' token must never be logged or echoed either.
secrecy.track(ADMIN_TOKEN);
let signingKey: SigningKey;

beforeAll(async () => {
  await migrate();
  signingKey = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

let lastIp = 0;
/** A client IP of its own, so one test's failed logins never count against another's. */
const freshIp = () => `198.51.100.${++lastIp}`;

interface CallOptions {
  method?: string;
  /** The bearer token; `null` sends no Authorization header. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

function request(path: string, options: CallOptions = {}): Request {
  const headers = new Headers(options.headers);
  headers.set("CF-Connecting-IP", options.ip ?? freshIp());
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return new Request(`${BASE}${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body });
}

/** Through the Worker's own fetch handler; with `envOverride`, the same Worker under another env. */
async function call(path: string, options: CallOptions = {}, envOverride?: Env): Promise<Response> {
  let res: Response;
  if (envOverride) {
    const ctx = createExecutionContext();
    res = await worker.fetch(request(path, options), envOverride, ctx);
    await waitOnExecutionContext(ctx);
  } else {
    return secrecy.fetch(request(path, options));
  }
  secrecy.sawResponse(await res.clone().text());
  return res;
}

async function json<T>(res: Response, schema: v.GenericSchema<unknown, T>): Promise<T> {
  return v.parse(schema, await res.json());
}

const randomHash = () =>
  [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
const unknownSecret = () => `ak_${crypto.randomUUID().replaceAll("-", "")}nobody`;

interface Seed {
  firstSeenAt: number;
  status?: string;
  label?: string | null;
  senders?: string[];
  hash?: string;
}

/** An incident written straight into D1, with one sighting per sender and a sealed secret in place. */
async function seed(s: Seed): Promise<string> {
  const hash = s.hash ?? randomHash();
  await env.DB.prepare(
    `INSERT INTO incidents (token_hash, token_prefix, token_type, status, label, sealed_secret, attempts,
       first_seen_at, last_seen_at, updated_at, senders)
     VALUES (?1, 'ak_seed…', 'clerk_api_key', ?2, ?3, 'v1.SEALED-SECRET-MARKER', 1, ?4, ?4, ?4, ?5)`,
  )
    // The senders as the record's upsert keeps them (src/incidents/intake.ts).
    .bind(
      hash,
      s.status ?? "pending",
      s.label ?? null,
      s.firstSeenAt,
      JSON.stringify(s.senders ?? ["github"]),
    )
    .run();
  for (const sender of s.senders ?? ["github"]) {
    await env.DB.prepare(
      `INSERT INTO sightings (sighting_id, token_hash, sender, url, source, type, first_seen_at, last_seen_at)
       VALUES (?1, ?2, ?3, 'https://example.test/leak', 'content', 'clerk_api_key', ?4, ?4)`,
    )
      .bind(randomHash(), hash, sender, s.firstSeenAt)
      .run();
  }
  return hash;
}

/**
 * Operator routes, each with a request that is valid apart from authentication, and the status it earns once
 * authenticated: never 401, and never a 404 that could be mistaken for the API being off.
 */
const OPERATOR_ROUTES: [string, () => Promise<[string, CallOptions]>, number][] = [
  ["GET /v1/incidents", async () => ["/v1/incidents", {}], 200],
  [
    "GET /v1/incidents/{token_hash}",
    async () => [`/v1/incidents/${await seed({ firstSeenAt: Date.now() })}`, {}],
    200,
  ],
  [
    "POST /v1/incidents/{token_hash}/retry",
    async () => [
      `/v1/incidents/${await seed({ firstSeenAt: Date.now(), status: "failed" })}/retry`,
      { method: "POST" },
    ],
    202,
  ],
  // Clerk's own 404 for a secret it does not know, with the revocation's result as its body.
  ["POST /v1/revocations", async () => ["/v1/revocations", { body: { secret: unknownSecret() } }], 404],
];

describe("authentication", () => {
  describe.each(OPERATOR_ROUTES)("%s", (_name, route, authorized) => {
    it("answers 401 with a Bearer challenge without a token", async () => {
      const [path, options] = await route();
      const res = await call(path, { ...options, token: null });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="autorevoke"');
      expect(await json(res, ErrorSchema)).toEqual({ error: "Missing or invalid bearer token." });
    });

    it("answers 401 to a wrong token", async () => {
      const [path, options] = await route();
      const res = await call(path, { ...options, token: `${ADMIN_TOKEN}x` });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="autorevoke", error="invalid_token"');
    });

    it("lets the right token through", async () => {
      const [path, options] = await route();
      const res = await call(path, options);
      expect(res.status).toBe(authorized);
      expect(res.headers.get("WWW-Authenticate")).toBeNull();
      if (authorized === 404)
        expect(await json(res, RevocationResultSchema)).toMatchObject({ outcome: "not_found" });
    });

    it("answers 404 when ADMIN_TOKEN is unset: the API is off, not open", async () => {
      const [path, options] = await route();
      const { ADMIN_TOKEN: _unset, ...withoutToken } = env as Env & { ADMIN_TOKEN?: string };
      for (const token of [ADMIN_TOKEN, null]) {
        const res = await call(path, { ...options, token }, withoutToken as Env);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: "Not found." });
      }
    });
  });

  it("refuses other schemes, a prefix of the token and an empty bearer", async () => {
    for (const header of [
      `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      "Bearer ",
      ADMIN_TOKEN,
    ]) {
      const res = await call("/v1/incidents", { token: null, headers: { Authorization: header } });
      expect(res.status).toBe(401);
    }
  });

  it("accepts the scheme in any case", async () => {
    const res = await call("/v1/incidents", {
      token: null,
      headers: { Authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it("rate-limits failed attempts per client IP with 429", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call("/v1/incidents", { token: "wrong", ip })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await call("/v1/incidents", { token: "wrong", ip });
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
    expect(await json(limited, ErrorSchema)).toEqual({ error: "Too many failed attempts; try again later." });
    // Another IP is not affected.
    expect((await call("/v1/incidents", { token: "wrong" })).status).toBe(401);
  });

  it("refuses a change another site's page asks for (Sec-Fetch-Site: cross-site), whatever the credentials", async () => {
    const res = await call(`/v1/incidents/${randomHash()}/retry`, {
      method: "POST",
      headers: { "Sec-Fetch-Site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect(await json(res, ErrorSchema)).toEqual({
      error: "Refused: this request came from another site, not from autorevoke itself.",
    });
  });

  it("still lets a client that is not a browser (no Sec-Fetch-Site) and a same-origin page change things", async () => {
    const cases: Record<string, string>[] = [{}, { "Sec-Fetch-Site": "same-origin" }];
    for (const headers of cases) {
      const res = await call(`/v1/incidents/${randomHash()}/retry`, { method: "POST", headers });
      expect(res.status).toBe(404);
    }
  });

  it("checks no guess from an IP over the limit, not even the right one: the 429 slows guessing for real", async () => {
    const ip = freshIp();
    for (let i = 0; i < 11; i++) await call("/v1/incidents", { token: "wrong", ip });
    const right = await call("/v1/incidents", { ip });
    expect(right.status).toBe(429);
    expect(await json(right, ErrorSchema)).toEqual({ error: "Too many failed attempts; try again later." });
  });

  it("leaves the alert routes to their signatures: a bearer token opens nothing there", async () => {
    const res = await call("/v1/alerts/github", { body: [match(unknownSecret())] });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid or missing signature." });
  });

  it("never logs the token", async () => {
    await call("/v1/incidents", { token: "a-wrong-token-to-look-for-in-the-logs" });
    expect(secrecy.logs()).not.toContain("a-wrong-token-to-look-for-in-the-logs");
    expect(secrecy.logs()).not.toContain(ADMIN_TOKEN);
  });
});

describe("GET /v1/incidents", () => {
  const T0 = Date.parse("2026-11-01T00:00:00Z");

  it("pages newest first over (first_seen_at, token_hash), without duplicates or misses", async () => {
    // Seven incidents; three share a first_seen_at so the tie-break on the hash spans a page boundary.
    const times = [T0, T0 + 1_000, T0 + 2_000, T0 + 2_000, T0 + 2_000, T0 + 3_000, T0 + 4_000];
    const hashes = await Promise.all(times.map((firstSeenAt) => seed({ firstSeenAt })));
    const expected = times
      .map((t, i) => ({ t, h: hashes[i] as string }))
      .sort((a, b) => b.t - a.t || (a.h < b.h ? 1 : -1))
      .map((x) => x.h);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : "?limit=3";
      const res = await call(`/v1/incidents${query}`);
      expect(res.status).toBe(200);
      const page = await json(res, IncidentPageSchema);
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.token_hash));
      cursor = page.next_cursor;
    } while (cursor !== null);

    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(expected);
  });

  it("ends with next_cursor null when the last page is exactly full", async () => {
    for (let i = 0; i < 3; i++) await seed({ firstSeenAt: T0 + i });
    const page = await json(await call("/v1/incidents?limit=3"), IncidentPageSchema);
    expect(page.items).toHaveLength(3);
    expect(page.next_cursor).toBeNull();
  });

  it("answers an item's fields, times as ISO 8601, and never the sealed secret", async () => {
    const hash = await seed({
      firstSeenAt: T0,
      status: "revoked",
      label: "true_positive",
      senders: ["gitlab", "github"],
    });
    const res = await call("/v1/incidents");
    const text = await res.clone().text();
    expect(text).not.toContain("SEALED-SECRET-MARKER");
    expect(text).not.toContain("sealed_secret");
    const page = await json(res, IncidentPageSchema);
    expect(page.items).toEqual([
      {
        token_hash: hash,
        token_prefix: "ak_seed…",
        token_type: "clerk_api_key",
        action: "revoked",
        status: "revoked",
        label: "true_positive",
        key_id: null,
        key_name: null,
        key_subject: null,
        instance: null,
        attempts: 1,
        last_error: null,
        clerk_trace_id: null,
        first_seen_at: "2026-11-01T00:00:00.000Z",
        last_seen_at: "2026-11-01T00:00:00.000Z",
        revoked_at: null,
        already_inactive: null,
        clerk_revocation_reason: null,
        key_expiration: null,
        checked_at: null,
        verdict_config: null,
        senders: ["github", "gitlab"],
      },
    ]);
  });

  it("filters by status, sender, label and since, combined with AND", async () => {
    const failedGitlab = await seed({ firstSeenAt: T0 + 10, status: "failed", senders: ["gitlab"] });
    const revokedGithub = await seed({ firstSeenAt: T0 + 20, status: "revoked", label: "true_positive" });
    const ignoredOld = await seed({
      firstSeenAt: T0 - 86_400_000,
      status: "ignored",
      label: "false_positive",
    });
    const manual = await seed({
      firstSeenAt: T0 + 30,
      status: "revoked",
      label: "true_positive",
      senders: ["manual"],
    });

    const hashes = async (query: string) => {
      const res = await call(`/v1/incidents${query}`);
      expect(res.status).toBe(200);
      return (await json(res, IncidentPageSchema)).items.map((i) => i.token_hash);
    };
    expect(await hashes("?status=failed")).toEqual([failedGitlab]);
    expect(await hashes("?sender=gitlab")).toEqual([failedGitlab]);
    expect(await hashes("?sender=manual")).toEqual([manual]);
    expect(await hashes("?label=false_positive")).toEqual([ignoredOld]);
    expect(await hashes("?status=revoked&label=true_positive")).toEqual([manual, revokedGithub]);
    expect(await hashes("?status=revoked&sender=github")).toEqual([revokedGithub]);
    expect(await hashes(`?since=${T0}`)).toEqual([manual, revokedGithub, failedGitlab]);
    expect(await hashes(`?since=${T0 + 20}`)).toEqual([manual, revokedGithub]);
    expect(await hashes("?since=2026-11-01T00:00:00.015Z")).toEqual([manual, revokedGithub]);
    expect(await hashes("?since=2026-11-01")).toEqual([manual, revokedGithub, failedGitlab]);
    expect(await hashes("?since=2026-10-31T00:00:00Z")).toHaveLength(4);
  });

  it.each([
    ["an unknown status", "?status=lost", ["status"]],
    ["an unknown sender", "?sender=bitbucket", ["sender"]],
    ["a date that is not ISO 8601", "?since=yesterday", ["since"]],
    ["a limit of 0", "?limit=0", ["limit"]],
    ["a limit over 200", "?limit=201", ["limit"]],
    ["a limit that is not a number", "?limit=ten", ["limit"]],
    ["a forged cursor", "?cursor=bm90LWEtY3Vyc29y", ["cursor"]],
    ["a repeated parameter", "?status=failed&status=revoked", ["status"]],
    ["an unknown parameter", "?stauts=failed", []],
  ])("answers 400 to %s, naming only known fields and echoing nothing", async (_name, query, fields) => {
    const res = await call(`/v1/incidents${query}`);
    expect(res.status).toBe(400);
    const body = await json(res, ErrorSchema);
    expect(body.error).toBe("Invalid query parameters; see /docs.");
    expect(body.fields ?? []).toEqual(fields);
    const text = JSON.stringify(body);
    for (const value of ["lost", "bitbucket", "yesterday", "ten", "bm90LWEtY3Vyc29y", "stauts"])
      expect(text).not.toContain(value);
  });
});

describe("GET /v1/incidents/{token_hash}", () => {
  it("shows an alerted incident with its sightings and Clerk attempts", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    const alert = await secrecy.fetch(await signedAlert(signingKey, JSON.stringify([match(live.secret)])));
    expect(alert.status).toBe(200);
    const hash = await sha256Hex(live.secret);

    const res = await call(`/v1/incidents/${hash.toUpperCase()}`);
    expect(res.status).toBe(200);
    const detail = await json(res, IncidentDetailSchema);
    expect(detail.incident).toMatchObject({
      token_hash: hash,
      status: "revoked",
      label: "true_positive",
      key_id: live.id,
      key_name: live.name,
      key_subject: live.subject,
      senders: ["github"],
      next_attempt_at: null,
    });
    expect(detail.incident.revoked_at).not.toBeNull();
    expect(detail.sightings).toEqual([
      expect.objectContaining({
        sender: "github",
        url: "https://github.com/octo/repo/blob/main/.env",
        source: "content",
        type: "clerk_api_key",
        times_seen: 1,
        erased: false,
      }),
    ]);
    expect(detail.attempts.map((a) => [a.operation, a.outcome, a.status])).toEqual([
      ["revoke", "ok", 200],
      ["verify", "ok", 200],
    ]);
    expect(detail.truncated).toEqual({ sightings: false, attempts: false });
  });

  it("shows failed attempts with their errors and Clerk trace ids", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 503, path: "revoke" }]);
    const revoked = await call("/v1/revocations", { body: { key_id: live.id } });
    expect(revoked.status).toBe(202);
    const hash = await keyIdIncidentHash(live.id);

    const detail = await json(await call(`/v1/incidents/${hash}`), IncidentDetailSchema);
    const [attempt] = detail.attempts;
    expect(attempt).toMatchObject({
      operation: "revoke",
      outcome: "retryable",
      status: 503,
      error: "clerk_http_503",
    });
    expect(attempt?.clerk_trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(detail.incident).toMatchObject({ status: "pending", last_error: "clerk_http_503" });
    expect(detail.incident.clerk_trace_id).toBe(attempt?.clerk_trace_id);
    expect(detail.incident.next_attempt_at).not.toBeNull();
  });

  it("answers 404 for an unknown hash", async () => {
    const res = await call(`/v1/incidents/${randomHash()}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "No such incident." });
  });

  it("answers 400 for a malformed hash, without echoing it", async () => {
    for (const bad of [
      "abc",
      "g".repeat(64),
      `${"a".repeat(64)}0`,
      "ak_live_secret_looking_value_0123456789",
    ]) {
      const res = await call(`/v1/incidents/${bad}`);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: "Invalid path parameter; see /docs.",
        fields: ["token_hash"],
      });
      expect(text).not.toContain(bad);
    }
  });
});

describe("POST /v1/revocations", () => {
  it("revokes by secret through the alert path: sender manual, default reason, nothing echoed", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    const res = await call("/v1/revocations", { body: { secret: live.secret } });
    expect(res.status).toBe(200);
    const hash = await sha256Hex(live.secret);
    expect(await json(res, RevocationResultSchema)).toEqual({
      token_hash: hash,
      key_id: live.id,
      status: "revoked",
      label: "true_positive",
      outcome: "revoked",
    });
    expect(await clerkKey(live.id)).toMatchObject({
      revoked: true,
      revoke_count: 1,
      revocation_reason: "Key compromised",
    });
    const detail = await json(await call(`/v1/incidents/${hash}`), IncidentDetailSchema);
    expect(detail.incident.senders).toEqual(["manual"]);
    expect(detail.sightings).toEqual([
      expect.objectContaining({ sender: "manual", source: "operators_api" }),
    ]);
    expect(await incident(hash)).toMatchObject({
      sealed_secret: null,
      token_prefix: `${live.secret.slice(0, 7)}…`,
    });
  });

  it("passes the operator's reason to Clerk", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    const res = await call("/v1/revocations", {
      body: { secret: live.secret, reason: "  Rotated after INC-42  " },
    });
    expect(res.status).toBe(200);
    expect((await clerkKey(live.id)).revocation_reason).toBe("Rotated after INC-42");
  });

  it("answers a second revocation of the same secret from the log, without calling Clerk", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    await call("/v1/revocations", { body: { secret: live.secret } });
    const again = await call("/v1/revocations", { body: { secret: live.secret } });
    expect(again.status).toBe(200);
    expect((await json(again, RevocationResultSchema)).outcome).toBe("already_revoked");
    expect(await callsOf("revoke")).toHaveLength(1);
  });

  it("shares exactly-once with alerts: a secret an alert revoked is not revoked again", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    await secrecy.fetch(await signedAlert(signingKey, JSON.stringify([match(live.secret)])));
    const res = await call("/v1/revocations", { body: { secret: live.secret } });
    expect((await json(res, RevocationResultSchema)).outcome).toBe("already_revoked");
    expect((await clerkKey(live.id)).revoke_count).toBe(1);
  });

  it("answers 404 for a secret Clerk does not know", async () => {
    const secret = unknownSecret();
    secrecy.track(secret);
    const res = await call("/v1/revocations", { body: { secret } });
    expect(res.status).toBe(404);
    expect(await json(res, RevocationResultSchema)).toMatchObject({
      status: "not_found",
      outcome: "not_found",
      key_id: null,
    });
  });

  it("revokes by key id, keyed by sha256('key_id:' + id), with the reason given", async () => {
    const live = await createLiveKey();
    const res = await call("/v1/revocations", { body: { key_id: live.id, reason: "Offboarding" } });
    expect(res.status).toBe(200);
    const hash = await sha256Hex(`key_id:${live.id}`);
    expect(await json(res, RevocationResultSchema)).toEqual({
      token_hash: hash,
      key_id: live.id,
      status: "revoked",
      label: "true_positive",
      outcome: "revoked",
    });
    expect(await clerkKey(live.id)).toMatchObject({ revoked: true, revocation_reason: "Offboarding" });
    expect(await incident(hash)).toMatchObject({
      token_type: "clerk_api_key_id",
      key_name: live.name,
      key_subject: live.subject,
    });
    expect(await callsOf("verify")).toEqual([]);
  });

  it("answers 404 for a key id Clerk does not know", async () => {
    const res = await call("/v1/revocations", { body: { key_id: `ak_${"0".repeat(32)}` } });
    expect(res.status).toBe(404);
    expect(await json(res, RevocationResultSchema)).toMatchObject({
      status: "not_found",
      outcome: "not_found",
    });
  });

  it("answers 202 when Clerk is down, and the queue finishes the revocation", async () => {
    const live = await createLiveKey();
    secrecy.track(live.secret);
    await scriptClerk([{ status: 503, path: "verify" }]);
    const res = await call("/v1/revocations", { body: { secret: live.secret } });
    expect(res.status).toBe(202);
    expect(await json(res, RevocationResultSchema)).toMatchObject({ status: "pending", outcome: "queued" });
    const hash = await sha256Hex(live.secret);
    expect(await waitFor(async () => (await incident(hash))?.status === "revoked", 20_000)).toBe(true);
    expect((await clerkKey(live.id)).revoke_count).toBe(1);
  }, 30_000);

  it("answers 502 and fails the incident when Clerk refuses for good", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 400, path: "revoke" }]);
    const res = await call("/v1/revocations", { body: { key_id: live.id } });
    expect(res.status).toBe(502);
    expect(await json(res, RevocationResultSchema)).toMatchObject({ status: "failed", outcome: "failed" });
  });

  describe("refuses bad bodies without echoing them", () => {
    const secret = `ak_${"S".repeat(30)}EchoCanary`;
    secrecy.track(secret);
    it.each([
      ["both a secret and a key id", { secret, key_id: `ak_${"a".repeat(32)}` }],
      ["neither", { reason: "no key" }],
      ["a secret that cannot be a Clerk secret", { secret: `sk_${secret}` }],
      ["a secret that is too short", { secret: "ak_short" }],
      ["a malformed key id", { key_id: `ak_${"z".repeat(32)}` }],
      ["an empty reason", { secret, reason: "   " }],
      ["a reason over 255 characters", { secret, reason: "r".repeat(256) }],
      ["an unknown field", { secret, also: secret }],
      ["an array", [secret]],
      ["not JSON", `{"secret":"${secret}"`],
    ])("%s → 400", async (_name, body) => {
      const res = await call("/v1/revocations", { body });
      expect(res.status).toBe(400);
      const parsed = await json(res, ErrorSchema);
      expect(parsed.error).toBe("Invalid request body; see /docs.");
      for (const field of parsed.fields ?? [])
        expect(["secret", "key_id", "machine_id", "instance", "reason"]).toContain(field);
      expect(await callsOf("verify")).toEqual([]);
    });

    it("answers 415 to a body that is not application/json", async () => {
      const res = await call("/v1/revocations", {
        body: `secret=${secret}`,
        headers: { "Content-Type": "text/plain" },
      });
      expect(res.status).toBe(415);
    });

    it(`answers 413 to a body over ${REVOCATION_BODY_LIMIT_BYTES / 1024} KiB`, async () => {
      const res = await call("/v1/revocations", {
        body: { secret, reason: "x".repeat(REVOCATION_BODY_LIMIT_BYTES + 1) },
      });
      expect(res.status).toBe(413);
    });
  });
});

describe("POST /v1/incidents/{token_hash}/retry", () => {
  it("puts a failed incident back in the queue, which revokes it", async () => {
    const live = await createLiveKey();
    await scriptClerk([{ status: 400, path: "revoke" }]);
    expect((await call("/v1/revocations", { body: { key_id: live.id } })).status).toBe(502);
    const hash = await keyIdIncidentHash(live.id);

    const res = await call(`/v1/incidents/${hash}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await json(res, RetryResultSchema)).toEqual({
      token_hash: hash,
      status: "pending",
      outcome: "queued",
    });
    expect(await waitFor(async () => (await incident(hash))?.status === "revoked", 20_000)).toBe(true);
    expect((await clerkKey(live.id)).revoked).toBe(true);
  }, 30_000);

  it("answers 409 for an incident that is not failed", async () => {
    const hash = await seed({ firstSeenAt: Date.now(), status: "revoked", label: "true_positive" });
    const res = await call(`/v1/incidents/${hash}/retry`, { method: "POST" });
    expect(res.status).toBe(409);
    expect((await incident(hash))?.status).toBe("revoked");
  });

  it("answers 404 for an unknown incident and 400 for a malformed hash", async () => {
    expect((await call(`/v1/incidents/${randomHash()}/retry`, { method: "POST" })).status).toBe(404);
    expect((await call("/v1/incidents/nope/retry", { method: "POST" })).status).toBe(400);
  });
});
