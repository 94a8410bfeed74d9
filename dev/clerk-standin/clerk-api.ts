/**
 * @module
 * The stand-in's Clerk Backend API, following dev/clerk-openapi/clerk-bapi-2026-05-12.yml for API keys (verify, revoke,
 * get and create), opaque M2M tokens (verify and revoke), machines (list, secret key, rotate), OAuth applications (list,
 * `revoke_token`), OAuth access tokens (verify), the instance's JWKS, users (get) and an organization's memberships
 * (list, by role), with Bearer auth, valibot body validation and
 * `ClerkErrors` bodies, every Clerk JSON response typed exactly `application/json`. Each path sits where
 * `@clerk/backend` calls it: the machine-auth clients (API keys, M2M tokens, OAuth access token verify) at the root,
 * the rest under `/v1`. Any other path is logged and answered 404: `ClerkErrors` after authentication, as Clerk
 * answers it, or a bare 404 with `unknown_routes: bare`. Where the spec allows several answers, the instance's modes
 * choose (modes.ts).
 */
import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import {
  API_KEY_PATH_ID_PATTERN,
  CreateBodySchema,
  type CreatedApiKeyJson,
  M2M_TOKEN_ID_PATTERN,
  M2MVerifyBodySchema,
  OAuthRevokeBodySchema,
  OAuthVerifyBodySchema,
  RevokeBodySchema,
  VerifyBodySchema,
} from "../clerk-schemas.ts";
import { type JsonBody, jsonResponse } from "../standin-util.ts";
import {
  alreadyRevoked,
  authenticationInvalid,
  authorizationMissing,
  bareNotFound,
  invalidBody,
  invalidKeyIdParam,
  invalidM2MTokenIdParam,
  invalidQueryParam,
  jwtNotRevocable,
  keyNotFound,
  m2mTokenNotFound,
  m2mTokenSecretNotFound,
  machineNotFound,
  malformedBody,
  oauthApplicationNotFound,
  oauthTokenAlreadyRevoked,
  oauthTokenNotFound,
  oddSecretRefused,
  organizationNotFound,
  routeNotFound,
  secretNotFound,
  userNotFound,
} from "./clerk-errors.ts";
import type { ClerkOperation } from "./fault-script.ts";
import { readOAuthJwt } from "./jwt-issuer.ts";
import { isJwtShaped } from "./jwt-sign.ts";
import { isIssuedSecretShape } from "./key-store.ts";
import { OAUTH_APPS_ORDER } from "./oauth-app-store.ts";
import { type ClerkApiEnv, scriptedTraffic } from "./scripted-traffic.ts";
import type { StandinState } from "./state.ts";

/** Builds the Clerk API of one stand-in instance. */
export function createClerkApi(state: StandinState): Hono<ClerkApiEnv> {
  const authenticate = createMiddleware<ClerkApiEnv>(async (c, next) => {
    const auth = c.req.header("authorization");
    if (auth === undefined) return authorizationMissing();
    if (!state.secretKeys().some((key) => auth === `Bearer ${key}`)) return authenticationInvalid();
    await next();
  });

  // Checked after authentication and before any lookup, as Clerk validates the path parameter.
  const keyIdParam = createMiddleware<ClerkApiEnv>(async (c, next) => {
    if (!API_KEY_PATH_ID_PATTERN.test(c.req.param("apiKeyID") ?? "")) return invalidKeyIdParam();
    await next();
  });

  const clerk = (operation: ClerkOperation | "unknown") =>
    [scriptedTraffic(state, operation), authenticate] as const;

  // In front of authentication: whatever answers a wrong path bare is not Clerk, and asks for no secret key.
  const bareUnknownRoute = createMiddleware<ClerkApiEnv>(async (_c, next) => {
    if (state.modes.current().unknown_routes === "bare") return bareNotFound();
    await next();
  });

  return (
    new Hono<ClerkApiEnv>()
      .post("/api_keys", ...clerk("create"), async (c) => {
        const parsed = parseBody(CreateBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const b = parsed.value;
        const seconds = b.seconds_until_expiration ?? null;
        const { json, secret } = await state.keys.add({
          name: b.name,
          subject: b.subject,
          description: b.description ?? null,
          scopes: b.scopes,
          claims: b.claims ?? null,
          expiration: seconds === null ? null : state.now() + seconds * 1000,
          type: b.type,
          createdBy: b.created_by ?? null,
        });
        const created: CreatedApiKeyJson = { ...json, secret };
        return jsonResponse(200, created);
      })
      .post("/api_keys/verify", ...clerk("verify"), async (c) => {
        const parsed = parseBody(VerifyBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const { secret } = parsed.value;
        const modes = state.modes.current();
        const finding = await state.keys.verify(secret, modes.dead_keys === "flagged");
        if (finding.found === "live") return jsonResponse(200, finding.key);
        if (finding.found === "dead") {
          return modes.dead_keys === "flagged" ? jsonResponse(200, finding.key) : secretNotFound();
        }
        if (isIssuedSecretShape(secret) || modes.odd_secrets === "not_found") return secretNotFound();
        return oddSecretRefused(modes.odd_secrets === "bad_request" ? 400 : 422);
      })
      .get("/api_keys/:apiKeyID", ...clerk("get"), keyIdParam, (c) => {
        const id = c.req.param("apiKeyID");
        const key = state.keys.get(id);
        return key ? jsonResponse(200, key) : keyNotFound(id);
      })
      .post("/api_keys/:apiKeyID/revoke", ...clerk("revoke"), keyIdParam, (c) => {
        const parsed = parseBody(RevokeBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const id = c.req.param("apiKeyID");
        const finding = state.keys.revoke(id, parsed.value.revocation_reason ?? null);
        if (!finding) return keyNotFound(id);
        if (finding.found === "already_revoked" && state.modes.current().second_revoke === "refused") {
          return alreadyRevoked();
        }
        return jsonResponse(200, finding.key);
      })
      .post("/m2m_tokens/verify", ...clerk("m2m_verify"), async (c) => {
        const parsed = parseBody(M2MVerifyBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const modes = state.modes.current();
        const finding = await state.m2mTokens.verify(parsed.value.token, modes.dead_keys === "flagged");
        if (finding.found === "live") return jsonResponse(200, finding.token);
        if (finding.found === "dead" && modes.dead_keys === "flagged")
          return jsonResponse(200, finding.token);
        return m2mTokenSecretNotFound();
      })
      .post("/m2m_tokens/:m2mTokenID/revoke", ...clerk("m2m_revoke"), (c) => {
        const id = c.req.param("m2mTokenID");
        if (!M2M_TOKEN_ID_PATTERN.test(id)) return invalidM2MTokenIdParam();
        const parsed = parseBody(RevokeBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const finding = state.m2mTokens.revoke(id, parsed.value.revocation_reason ?? null);
        if (!finding) return m2mTokenNotFound(id);
        if (finding.found === "already_revoked" && state.modes.current().second_revoke === "refused") {
          return alreadyRevoked();
        }
        return jsonResponse(200, finding.token);
      })
      // `@clerk/backend` calls the machines API under `/v1`, unlike its machine-auth clients (API keys, M2M tokens).
      .get("/v1/machines", ...clerk("machines_list"), (c) => {
        const limit = pageNumber(c.req.query("limit"), 10, 1, 500);
        const offset = pageNumber(c.req.query("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
        if (limit === undefined || offset === undefined) return invalidBody([]);
        return jsonResponse(200, state.machines.page(offset, limit));
      })
      .get("/v1/machines/:machineID/secret_key", ...clerk("machine_secret"), (c) => {
        const id = c.req.param("machineID");
        const secret = state.machines.secretOf(id);
        return secret === undefined
          ? machineNotFound(id)
          : jsonResponse(200, { object: "machine_secret_key", secret });
      })
      .post("/v1/machines/:machineID/secret_key/rotate", ...clerk("machine_rotate"), (c) => {
        const parsed = parseBody(RotateBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const id = c.req.param("machineID");
        const secret = state.machines.rotate(id, parsed.value.previous_token_ttl);
        return secret === undefined
          ? machineNotFound(id)
          : jsonResponse(200, { object: "machine_secret_key", secret });
      })
      .get("/v1/oauth_applications", ...clerk("oauth_apps_list"), (c) => {
        const limit = pageNumber(c.req.query("limit"), 10, 1, 500);
        const offset = pageNumber(c.req.query("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
        if (limit === undefined || offset === undefined) return invalidBody([]);
        // Only the first `order_by` counts, as the spec says.
        const orderBy = c.req.query("order_by");
        if (orderBy !== undefined && !OAUTH_APPS_ORDER.test(orderBy)) return invalidQueryParam("order_by");
        const nameQuery = c.req.query("name_query");
        return jsonResponse(200, state.oauthApps.page({ offset, limit, nameQuery, orderBy }));
      })
      .post(
        "/v1/oauth_applications/:oauthApplicationID/revoke_token",
        ...clerk("oauth_revoke"),
        async (c) => {
          const parsed = parseBody(OAuthRevokeBodySchema, c.get("body"));
          if (!parsed.ok) return parsed.response;
          const id = c.req.param("oauthApplicationID");
          if (!state.oauthApps.get(id)) return oauthApplicationNotFound(id);
          // "JWT access tokens cannot be revoked", says the spec; 400 is among revoke_token's answers.
          if (isJwtShaped(parsed.value.token)) return jwtNotRevocable();
          const finding = await state.oauthTokens.revokeGrant(id, parsed.value.token);
          if (!finding) return oauthTokenNotFound();
          if (finding.found === "already_revoked" && state.modes.current().second_revoke === "refused") {
            return oauthTokenAlreadyRevoked();
          }
          return new Response(null, { status: 204 });
        },
      )
      // Under the root, like the other machine-auth verifies: `@clerk/backend` skips `/v1` for it.
      .post("/oauth_applications/access_tokens/verify", ...clerk("oauth_verify"), async (c) => {
        const parsed = parseBody(OAuthVerifyBodySchema, c.get("body"));
        if (!parsed.ok) return parsed.response;
        const token = parsed.value.access_token ?? parsed.value.secret ?? "";
        const modes = state.modes.current();
        if (isJwtShaped(token)) {
          const jwt = await state.jwts.verify(token);
          const finding = jwt && readOAuthJwt(jwt, state.now());
          if (finding?.found === "live") return jsonResponse(200, finding.token);
          if (finding?.found === "inactive" && modes.dead_keys === "flagged") {
            return jsonResponse(200, { active: false });
          }
          return oauthTokenNotFound();
        }
        const finding = await state.oauthTokens.verify(token, modes.dead_keys === "flagged");
        if (finding.found === "live") return jsonResponse(200, finding.token);
        if (finding.found === "dead" && modes.dead_keys === "flagged")
          return jsonResponse(200, finding.token);
        return oauthTokenNotFound();
      })
      .get("/v1/jwks", ...clerk("jwks"), async () => jsonResponse(200, await state.jwts.jwks()))
      // Whom a key belongs to: `@clerk/backend`'s `users.getUser` and `organizations.getOrganizationMembershipList`.
      .get("/v1/users/:userID", ...clerk("user_get"), (c) => {
        const id = c.req.param("userID");
        const user = state.owners.userJson(id);
        return user ? jsonResponse(200, user) : userNotFound(id);
      })
      .get("/v1/organizations/:organizationID/memberships", ...clerk("org_memberships"), (c) => {
        // The spec documents 422, not 400, for this list's bad parameters.
        const limit = pageNumber(c.req.query("limit"), 10, 1, 500);
        if (limit === undefined) return invalidQueryParam("limit", 422);
        const offset = pageNumber(c.req.query("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
        if (offset === undefined) return invalidQueryParam("offset", 422);
        // An array parameter: `role=org:admin&role=org:member`, as `@clerk/backend` sends it; up to 100, says the spec.
        const roles = c.req.queries("role") ?? [];
        if (roles.length > MAX_ROLE_FILTERS) return invalidQueryParam("role", 422);
        const id = c.req.param("organizationID");
        const page = state.owners.membershipPage(id, { roles, offset, limit });
        return page ? jsonResponse(200, page) : organizationNotFound(id);
      })
      .all("*", scriptedTraffic(state, "unknown"), bareUnknownRoute, authenticate, () => routeNotFound())
  );
}

/** How many `role` values the memberships list takes. */
const MAX_ROLE_FILTERS = 100;

/** `POST /machines/{id}/secret_key/rotate`'s body, as the spec has it. */
const RotateBodySchema = v.strictObject({
  previous_token_ttl: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(28800)),
});

/** A query's page number within [min, max], `fallback` when absent; `undefined` when it is not a whole number. */
function pageNumber(raw: string | undefined, fallback: number, min: number, max: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The body validated against an operation's schema, or the `ClerkErrors` answer that names what is wrong. */
function parseBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
  body: JsonBody,
): Parsed<v.InferOutput<TSchema>> {
  if (body.kind !== "json") return { ok: false, response: malformedBody() };
  const result = v.safeParse(schema, body.value);
  return result.success
    ? { ok: true, value: result.output }
    : { ok: false, response: invalidBody(result.issues) };
}
