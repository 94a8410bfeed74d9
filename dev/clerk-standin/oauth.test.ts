import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  ClerkErrorsSchema,
  OAuthAccessTokenSchema,
  OAuthApplicationSchema,
  OAuthApplicationsSchema,
} from "../clerk-schemas.ts";
import { type ClerkCall, createClerkStandin } from "../clerk-standin.ts";
import { sha256Hex } from "../standin-util.ts";

// OAuth applications and their opaque access tokens, to dev/clerk-openapi/clerk-bapi-2026-05-12.yml. These run in
// workerd: `fetch` to `*.clerk.test` reaches a stand-in in Node through Miniflare's outboundService (dev/outbound.ts),
// a host of its own per test.
const SECRET_KEY = "sk_test_autorevoke_standin";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };

const isolatedBase = () => `https://t${crypto.randomUUID().slice(0, 12)}.clerk.test`;
const sdk = (base: string) => createClerkClient({ secretKey: SECRET_KEY, apiUrl: base });

async function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const MintedSchema = v.strictObject({
  id: v.string(),
  token: v.string(),
  client_id: v.string(),
  subject: v.string(),
  application_id: v.string(),
  expiration: v.nullable(v.number()),
});

async function mint(base: string, input: Record<string, unknown> = {}) {
  const res = await control(base, "oauth_access_tokens", input);
  expect(res.status).toBe(200);
  return v.parse(MintedSchema, await res.json());
}

async function createApp(base: string, name?: string) {
  const res = await control(base, "oauth_applications", name === undefined ? {} : { name });
  expect(res.status).toBe(200);
  return v.parse(OAuthApplicationSchema, await res.json());
}

const TokenStatesSchema = v.array(
  v.object({
    id: v.string(),
    grant_id: v.string(),
    revoked: v.boolean(),
    revoke_count: v.number(),
    verify_count: v.number(),
  }),
);
const tokenStates = async (base: string) =>
  v.parse(TokenStatesSchema, await (await control(base, "oauth_access_tokens")).json());
const calls = async (base: string) => (await (await control(base, "calls")).json()) as ClerkCall[];

function post(base: string, path: string, body: unknown) {
  return fetch(`${base}${path}`, { method: "POST", headers: AUTH, body: JSON.stringify(body) });
}
const verify = (base: string, token: string) =>
  post(base, "/oauth_applications/access_tokens/verify", { access_token: token });
const revokeToken = (base: string, appId: string, token: string) =>
  post(base, `/v1/oauth_applications/${appId}/revoke_token`, { token });

async function expectClerkError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(v.parse(ClerkErrorsSchema, await res.json()).errors[0]?.code).toBe(code);
}

async function sdkError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isClerkAPIResponseError(error))
    throw new Error(`expected ClerkAPIResponseError, got ${String(error)}`);
  return error;
}

describe("Clerk stand-in OAuth applications", () => {
  it("creates an application on the control side with the spec's OAuthApplication shape", async () => {
    const base = isolatedBase();
    const app = await createApp(base, "Calendar sync");
    expect(app.name).toBe("Calendar sync");
    expect(app.id).toMatch(/^oa_\w{27}$/);
    expect(app.client_id).toMatch(/^client_\w{27}$/);
    expect(app.authorize_url).toBe(`${base}/oauth/authorize`);
    const listed = await (await control(base, "oauth_applications")).json();
    expect(v.parse(v.array(OAuthApplicationSchema), listed)).toEqual([app]);
  });

  it("lists a page as the spec's OAuthApplications, newest first, logged as oauth_apps_list", async () => {
    const base = isolatedBase();
    const apps = [
      await createApp(base, "alpha"),
      await createApp(base, "beta"),
      await createApp(base, "gamma"),
    ];
    const res = await fetch(`${base}/v1/oauth_applications?limit=2&offset=0`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const page = v.parse(OAuthApplicationsSchema, await res.json());
    expect(page.total_count).toBe(3);
    expect(page.data.map((a) => a.name)).toEqual(["gamma", "beta"]);
    const byName = await sdk(base).oauthApplications.list({ orderBy: "+name", offset: 1 });
    expect(byName.data.map((a) => a.id)).toEqual([apps[1]?.id, apps[2]?.id]);
    expect((await calls(base)).map((c) => [c.operation, c.status])).toEqual([
      ["oauth_apps_list", 200],
      ["oauth_apps_list", 200],
    ]);
  });

  it("filters by name_query: a case-insensitive part of the name, or exactly the client_id", async () => {
    const base = isolatedBase();
    const calendar = await createApp(base, "Calendar Sync");
    const other = await createApp(base, "Reports");
    const byPart = await sdk(base).oauthApplications.list({ nameQuery: "calENDAR" });
    expect(byPart.data.map((a) => a.id)).toEqual([calendar.id]);
    expect(byPart.totalCount).toBe(1);
    const byClient = await sdk(base).oauthApplications.list({ nameQuery: other.client_id });
    expect(byClient.data.map((a) => a.id)).toEqual([other.id]);
    const byPartOfClient = await sdk(base).oauthApplications.list({
      nameQuery: other.client_id.slice(0, 12),
    });
    expect(byPartOfClient.totalCount).toBe(0);
  });

  it("refuses a limit or an order_by outside the spec with 400 ClerkErrors", async () => {
    const base = isolatedBase();
    await expectClerkError(
      await fetch(`${base}/v1/oauth_applications?limit=501`, { headers: AUTH }),
      400,
      "form_param_format_invalid",
    );
    await expectClerkError(
      await fetch(`${base}/v1/oauth_applications?order_by=client_id`, { headers: AUTH }),
      400,
      "form_param_format_invalid",
    );
  });
});

describe("Clerk stand-in opaque OAuth access tokens", () => {
  it("mints oat_ tokens with the spec's id and subject patterns, creating an application when none is named", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    expect(minted.id).toMatch(/^oat_[0-9a-f]{32}$/);
    expect(minted.token).toMatch(/^oat_[0-9A-Za-z]{32}$/);
    expect(minted.subject).toMatch(/^user_\w{27}$/);
    expect(minted.expiration).toBeNull();
    const apps = v.parse(
      v.array(OAuthApplicationSchema),
      await (await control(base, "oauth_applications")).json(),
    );
    expect(apps.map((a) => [a.id, a.client_id])).toEqual([[minted.application_id, minted.client_id]]);
  });

  it("verify answers the spec's token object for a live token, counted, logged by the token's SHA-256", async () => {
    const base = isolatedBase();
    const minted = await mint(base, { scopes: ["read", "write"] });
    const res = await verify(base, minted.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const token = v.parse(OAuthAccessTokenSchema, await res.json());
    expect(token).toMatchObject({ id: minted.id, client_id: minted.client_id, scopes: ["read", "write"] });
    const viaSdk = await sdk(base).idPOAuthAccessToken.verify(minted.token);
    expect(viaSdk.id).toBe(minted.id);
    expect(viaSdk.subject).toBe(minted.subject);
    expect((await tokenStates(base))[0]?.verify_count).toBe(2);
    const logged = (await calls(base)).filter((c) => c.operation === "oauth_verify");
    expect(logged.map((c) => c.secretSha256)).toEqual(Array(2).fill(await sha256Hex(minted.token)));
    expect(JSON.stringify(await calls(base))).not.toContain(minted.token);
  });

  it("verify answers 404 ClerkErrors for an unknown token", async () => {
    const base = isolatedBase();
    await expectClerkError(
      await verify(base, "oat_notAnyTokenThisInstanceMinted0"),
      404,
      "resource_not_found",
    );
    const error = await sdkError(sdk(base).idPOAuthAccessToken.verify("oat_notAnyTokenThisInstanceMinted0"));
    expect(error.status).toBe(404);
  });

  it("revoke_token revokes every token of the grant and answers 204 with no body", async () => {
    const base = isolatedBase();
    const first = await mint(base);
    const second = await mint(base, { grant_of: first.id });
    const elsewhere = await mint(base, { client_id: first.client_id });
    expect(second).toMatchObject({ application_id: first.application_id, subject: first.subject });

    const res = await revokeToken(base, first.application_id, second.token);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const states = await tokenStates(base);
    expect(states.map((s) => [s.id, s.revoked])).toEqual([
      [first.id, true],
      [second.id, true],
      [elsewhere.id, false],
    ]);
    expect(states.find((s) => s.id === second.id)?.revoke_count).toBe(1);
    await expectClerkError(await verify(base, first.token), 404, "resource_not_found");
    const logged = (await calls(base)).find((c) => c.operation === "oauth_revoke");
    expect(logged).toMatchObject({
      keyId: first.application_id,
      secretSha256: await sha256Hex(second.token),
    });
    expect(logged?.body).toBeUndefined();
  });

  it("revoke_token through the SDK resolves", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    await sdk(base).oauthApplications.revokeToken({
      oauthApplicationId: minted.application_id,
      token: minted.token,
    });
    expect((await tokenStates(base))[0]?.revoked).toBe(true);
  });

  it("verify of an expired token answers 404, like an unknown one, by default", async () => {
    const base = isolatedBase();
    const minted = await mint(base, { expiration: Date.now() - 1000 });
    await expectClerkError(await verify(base, minted.token), 404, "resource_not_found");
  });
});

describe("Clerk stand-in OAuth revoke_token errors", () => {
  it("answers 404 for an unknown application, and 404 for another application's token, changing nothing", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    const other = await createApp(base);
    await expectClerkError(await revokeToken(base, "oa_unknown", minted.token), 404, "resource_not_found");
    await expectClerkError(await revokeToken(base, other.id, minted.token), 404, "resource_not_found");
    await expectClerkError(
      await revokeToken(base, minted.application_id, "oat_notAnyTokenThisInstanceMinted0"),
      404,
      "resource_not_found",
    );
    expect((await tokenStates(base))[0]).toMatchObject({ revoked: false, revoke_count: 0 });
  });

  it("refuses a body with other properties (additionalProperties: false) or no token, with 400", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    const path = `/v1/oauth_applications/${minted.application_id}/revoke_token`;
    await expectClerkError(
      await post(base, path, { token: minted.token, reason: "x" }),
      400,
      "form_param_unknown",
    );
    await expectClerkError(await post(base, path, {}), 400, "form_param_missing");
    expect((await tokenStates(base))[0]?.revoked).toBe(false);
  });

  it("refuses requests without the instance secret key with 401", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    const res = await fetch(`${base}/v1/oauth_applications/${minted.application_id}/revoke_token`, {
      method: "POST",
      body: JSON.stringify({ token: minted.token }),
    });
    await expectClerkError(res, 401, "authorization_header_missing");
  });
});

describe("Clerk stand-in OAuth modes", () => {
  it("second_revoke idempotent: a second revoke_token answers 204 again and is counted", async () => {
    const base = isolatedBase();
    const minted = await mint(base);
    expect((await revokeToken(base, minted.application_id, minted.token)).status).toBe(204);
    expect((await revokeToken(base, minted.application_id, minted.token)).status).toBe(204);
    expect((await tokenStates(base))[0]).toMatchObject({ revoked: true, revoke_count: 2 });
  });

  it("second_revoke refused: a second revoke_token answers 400, counted, no effect", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, modes: { second_revoke: "refused" } });
    const base = "https://direct.clerk.test";
    const call = (path: string, body?: unknown) =>
      standin.handle(
        new Request(`${base}${path}`, {
          method: body === undefined ? "GET" : "POST",
          headers: AUTH,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const minted = v.parse(MintedSchema, await (await call("/__standin/oauth_access_tokens", {})).json());
    const path = `/v1/oauth_applications/${minted.application_id}/revoke_token`;
    expect((await call(path, { token: minted.token })).status).toBe(204);
    await expectClerkError(
      await call(path, { token: minted.token }),
      400,
      "oauth_access_token_already_revoked",
    );
    const states = v.parse(TokenStatesSchema, await (await call("/__standin/oauth_access_tokens")).json());
    expect(states[0]).toMatchObject({ revoked: true, revoke_count: 2 });
  });

  it("dead_keys flagged: verify of a revoked token answers 200 with revoked true, and of an expired one expired true", async () => {
    const base = isolatedBase();
    expect((await control(base, "modes", { dead_keys: "flagged" })).status).toBe(200);
    const revoked = await mint(base);
    await revokeToken(base, revoked.application_id, revoked.token);
    const answer = v.parse(OAuthAccessTokenSchema, await (await verify(base, revoked.token)).json());
    expect(answer).toMatchObject({ id: revoked.id, revoked: true, expired: false });
    const viaSdk = await sdk(base).idPOAuthAccessToken.verify(revoked.token);
    expect(viaSdk.revoked).toBe(true);
    const expired = await mint(base, { expiration: Date.now() - 1000 });
    const stale = v.parse(OAuthAccessTokenSchema, await (await verify(base, expired.token)).json());
    expect(stale).toMatchObject({ revoked: false, expired: true });
  });
});

describe("Clerk stand-in OAuth control API", () => {
  it("refuses a client_id it does not hold, and a grant_of that is no token of its, naming what it expected", async () => {
    const base = isolatedBase();
    const unknownApp = await control(base, "oauth_access_tokens", { client_id: "client_nope" });
    expect(unknownApp.status).toBe(400);
    expect(JSON.stringify(await unknownApp.json())).toContain("client_id: expected");
    const unknownGrant = await control(base, "oauth_access_tokens", { grant_of: `oat_${"0".repeat(32)}` });
    expect(unknownGrant.status).toBe(400);
  });

  it("drops applications and tokens on reset", async () => {
    const base = isolatedBase();
    await mint(base);
    expect((await control(base, "reset", {})).status).toBe(200);
    expect(await (await control(base, "oauth_access_tokens")).json()).toEqual([]);
    expect(await (await control(base, "oauth_applications")).json()).toEqual([]);
  });
});
