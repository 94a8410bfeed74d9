/**
 * GitLab's Token Revocation API, served to a self-managed GitLab (`/v1/gitlab/…`), in the Workers runtime over real
 * D1, the queue and the Clerk stand-in: the pre-shared token checked before anything else, the types GitLab may send,
 * and revocation through the same resolver as every alert, answered with GitLab's 204.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { freshIp } from "./support/operator-console";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  callsOf,
  clerkCalls,
  clerkKey,
  createLiveKey,
  createM2MToken,
  createOAuthToken,
  resetClerk,
} from "./support/standins";

const GITLAB_TOKEN = "gitlab-revocation-token-0123456789abcdef";
const secrecy = watchSecrecy({ clerk: CLERK });
secrecy.track(GITLAB_TOKEN);

const withToken = (token: string | undefined) =>
  ({ ...env, GITLAB_REVOCATION_TOKEN: token }) as unknown as Env;

const LOCATION = "https://gitlab.example.com/acme/app/-/blob/main/config/.env";

interface Call {
  path: "revoke_tokens" | "revocable_token_types";
  authorization?: string | null;
  body?: unknown;
  contentType?: string;
  ip?: string;
  workerEnv?: Env;
}

/** One request to the Worker, as GitLab's Sidekiq worker makes it; waits for the background work. */
async function gitlab({ path, authorization = GITLAB_TOKEN, body, contentType, ip, workerEnv }: Call) {
  const headers = new Headers({ "CF-Connecting-IP": ip ?? freshIp() });
  if (authorization !== null) headers.set("Authorization", authorization);
  if (body !== undefined) headers.set("Content-Type", contentType ?? "application/json");
  const request = new Request(`https://autorevoke.test/v1/gitlab/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, workerEnv ?? withToken(GITLAB_TOKEN), ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  secrecy.sawResponse(text);
  return { status: res.status, text, headers: res.headers };
}

const revoke = (tokens: string[], extra: Partial<Call> = {}) =>
  gitlab({
    path: "revoke_tokens",
    body: tokens.map((token) => ({ type: "gitleaks_rule_id_clerk_api_key", token, location: LOCATION })),
    ...extra,
  });

const rowCount = async () =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents").first<{ n: number }>())?.n ?? 0;

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

describe("the pre-shared token", () => {
  it("lists the token types autorevoke revokes, for the right token", async () => {
    const res = await gitlab({ path: "revocable_token_types" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      types: [
        "gitleaks_rule_id_clerk_api_key",
        "gitleaks_rule_id_clerk_m2m_token",
        "gitleaks_rule_id_clerk_oauth_access_token",
      ],
    });
  });

  it.each([
    ["a wrong token", "a-wrong-gitlab-token-0123456789abcdef0123"],
    ["no token", null],
    ["an empty header", ""],
  ])("refuses %s with 401, before any write or Clerk call", async (_name, authorization) => {
    const live = await createLiveKey();
    const res = await revoke([live.secret], { authorization });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual({ error: "Missing or invalid revocation token." });
    expect(await rowCount()).toBe(0);
    expect(await clerkCalls()).toEqual([]);
    expect((await clerkKey(live.id)).revoked).toBe(false);
    expect(secrecy.logs()).toContain('"event":"gitlab_revocation_rejected"');
  });

  it("takes the token with a Bearer scheme in front too", async () => {
    const res = await gitlab({ path: "revocable_token_types", authorization: `Bearer ${GITLAB_TOKEN}` });
    expect(res.status).toBe(200);
  });

  it("refuses even the right token from an IP over the failure limit", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await gitlab({ path: "revocable_token_types", authorization: "wrong-token", ip })).status,
      );
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const right = await gitlab({ path: "revocable_token_types", ip });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("is off (404) while GITLAB_REVOCATION_TOKEN is unset, and misconfigured (503) when it is too short", async () => {
    expect((await gitlab({ path: "revocable_token_types", workerEnv: withToken(undefined) })).status).toBe(
      404,
    );
    const short = await gitlab({ path: "revocable_token_types", workerEnv: withToken("short") });
    expect(short.status).toBe(503);
    expect(secrecy.logs()).toContain("GITLAB_REVOCATION_TOKEN");
    expect(secrecy.logs()).not.toContain('"short"');
  });
});

describe("POST /v1/gitlab/revoke_tokens", () => {
  it("revokes a live key, answers 204, and records the file's location as the sighting", async () => {
    const live = await createLiveKey();
    const res = await revoke([live.secret]);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await clerkKey(live.id)).revoked).toBe(true);
    const tokenHash = await sha256Hex(live.secret);
    expect(await incident(tokenHash)).toMatchObject({
      status: "revoked",
      label: "true_positive",
      key_id: live.id,
    });
    const sighting = await env.DB.prepare("SELECT sender, url, source FROM sightings WHERE token_hash = ?1")
      .bind(tokenHash)
      .first();
    expect(sighting).toEqual({
      sender: "gitlab_revocation",
      url: LOCATION,
      source: "gitlab_secret_detection",
    });
  });

  it("revokes an M2M token and an OAuth token's grant sent under their own rules", async () => {
    const [m2m, oauth] = [await createM2MToken(), await createOAuthToken()];
    const res = await gitlab({
      path: "revoke_tokens",
      body: [
        { type: "gitleaks_rule_id_clerk_m2m_token", token: m2m.token, location: LOCATION },
        { type: "gitleaks_rule_id_clerk_oauth_access_token", token: oauth.token, location: LOCATION },
      ],
    });
    expect(res.status).toBe(204);
    expect(await incident(await sha256Hex(m2m.token))).toMatchObject({
      status: "revoked",
      token_type: "clerk_m2m_token",
    });
    expect(await incident(await sha256Hex(oauth.token))).toMatchObject({
      status: "revoked",
      token_type: "clerk_oauth_access_token",
    });
  });

  it("revokes once when GitLab sends the same token again", async () => {
    const live = await createLiveKey();
    expect((await revoke([live.secret])).status).toBe(204);
    expect((await revoke([live.secret])).status).toBe(204);
    expect(await callsOf("revoke")).toHaveLength(1);
  });

  it("accepts a token Clerk cannot have issued and revokes nothing", async () => {
    const res = await revoke(["glpat-not-a-clerk-token-0000000000"]);
    expect(res.status).toBe(204);
    expect(await clerkCalls()).toEqual([]);
    expect(await rowCount()).toBe(1);
  });

  it("refuses a type it does not revoke with 400 (GitLab: do not retry), and does nothing", async () => {
    const live = await createLiveKey();
    const res = await gitlab({
      path: "revoke_tokens",
      body: [
        { type: "gitleaks_rule_id_gitlab_personal_access_token", token: live.secret, location: LOCATION },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(live.secret);
    expect(await rowCount()).toBe(0);
    expect(await clerkCalls()).toEqual([]);
  });

  it.each([
    ["not an array", { type: "x", token: "y" }],
    ["an empty array", []],
    ["a token that is not a string", [{ type: "gitleaks_rule_id_clerk_api_key", token: 42 }]],
  ])("refuses a body that is %s with 400", async (_name, body) => {
    const res = await gitlab({ path: "revoke_tokens", body });
    expect(res.status).toBe(400);
    expect(await rowCount()).toBe(0);
  });

  it("refuses a body that is not JSON with 415, and echoes no secret", async () => {
    const live = await createLiveKey();
    const res = await gitlab({ path: "revoke_tokens", body: live.secret, contentType: "text/plain" });
    expect(res.status).toBe(415);
    expect(res.text).not.toContain(live.secret);
  });

  it("keeps the secret and the pre-shared token out of every log line, row and answer", async () => {
    const live = await createLiveKey();
    await revoke([live.secret]);
    // The secrecy watch scans this test's logs, rows, messages and answers for both after it ends; here, the log.
    expect(secrecy.logs()).not.toContain(live.secret);
    expect(secrecy.logs()).not.toContain(GITLAB_TOKEN);
  });
});
