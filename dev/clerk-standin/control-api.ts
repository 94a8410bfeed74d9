/**
 * @module
 * The control API under `/__standin/`: tests drive a stand-in over HTTP with it, so tests running inside workerd can
 * reach a stand-in in Node through `fetch`. Keys (`POST keys`, `GET keys`, `GET keys/<id>`), M2M tokens (`POST
 * m2m_tokens` mints one, as its machine would, opaque or with `token_format: "jwt"` a JWT; `GET m2m_tokens`, the
 * opaque ones), machines (`POST machines` creates one and hands back its secret key; `GET machines`), OAuth
 * applications (`POST`/`GET oauth_applications`), OAuth access tokens (`POST oauth_access_tokens` mints one, opaque or
 * JWT, into a new grant or `grant_of` another token's; `GET oauth_access_tokens`, the opaque ones), the JWTs the
 * instance signed (`GET jwts`, records without the tokens), a JWT of Clerk's shape signed by a key the instance never
 * published (`POST forged_jwt` `{"kind": "m2m" | "oauth"}`), users (`POST users` `{id?, email?}`: `email: null` makes
 * one without an address; `GET users`), organizations (`POST organizations` `{id?, name?, admins?, members?}`, each
 * member an address, made a user when no user has it; `GET organizations`), the fault script
 * (`POST`/`GET script`), the rate limit, the latency, the accepted secret keys (`POST secret-keys`
 * `{"secret_keys": [...]}`, for a rotation), the modes (`POST modes` with any subset of them, `GET modes`), the call
 * log (`GET calls`) and `POST reset`. It never writes to the console, and its errors name what was expected, never
 * what was sent.
 */
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { BASE62_ALPHABET, jsonResponse, randomString, readJsonBody } from "../standin-util.ts";
import { ClerkFaultScriptSchema } from "./fault-script.ts";
import type { JwtKind } from "./jwt-issuer.ts";
import { StandinKeyInputSchema } from "./key-store.ts";
import { StandinM2MTokenInputSchema } from "./m2m-store.ts";
import { StandinMachineInputSchema } from "./machine-store.ts";
import { parseModes } from "./modes.ts";
import { StandinOAuthApplicationInputSchema } from "./oauth-app-store.ts";
import { mintOAuthAccessToken } from "./oauth-mint.ts";
import { StandinOAuthTokenInputSchema } from "./oauth-token-store.ts";
import { StandinOrganizationInputSchema, StandinUserInputSchema } from "./owner-store.ts";
import { RateLimitSchema } from "./rate-limit.ts";
import type { StandinState } from "./state.ts";

const SecretKeysSchema = v.strictObject({
  secret_keys: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
});
const LatencySchema = v.strictObject({ ms: v.pipe(v.number(), v.minValue(0)) });

/** `POST m2m_tokens`: the store's input, and the format Clerk's create takes (`opaque` by default). */
const M2MTokenMintSchema = v.strictObject({
  ...StandinM2MTokenInputSchema.entries,
  token_format: v.optional(v.picklist(["opaque", "jwt"]), "opaque"),
});

/** `POST forged_jwt`: which shape to forge, and optionally its claims. */
const ForgedJwtSchema = v.strictObject({
  kind: v.picklist(["m2m", "oauth"] satisfies JwtKind[]),
  subject: v.optional(v.pipe(v.string(), v.regex(/^(mch|user)_\w{27}$/))),
  client_id: v.optional(v.pipe(v.string(), v.minLength(1))),
  expiration: v.optional(v.nullable(v.number())),
});

/** Builds the control API of one stand-in instance, to be mounted at `/__standin`. */
export function createControlApi(state: StandinState): Hono {
  return new Hono()
    .post("/reset", async () => {
      await state.reset();
      return jsonResponse(200, { ok: true });
    })
    .get("/calls", () => jsonResponse(200, state.calls.entries()))
    .get("/script", () => jsonResponse(200, state.faults.pending()))
    .get("/keys", () => jsonResponse(200, state.keys.states()))
    .get("/keys/:id", (c) => {
      const key = state.keys.state(c.req.param("id"));
      return key ? jsonResponse(200, key) : jsonResponse(404, { error: "no such key" });
    })
    .post("/keys", async (c) => {
      const input = await parseControlBody(StandinKeyInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { json, secret } = await state.keys.add(input.value);
      return jsonResponse(200, { id: json.id, secret, name: json.name, subject: json.subject });
    })
    .get("/m2m_tokens", () => jsonResponse(200, state.m2mTokens.states()))
    .post("/m2m_tokens", async (c) => {
      const input = await parseControlBody(M2MTokenMintSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { token_format, ...rest } = input.value;
      if (token_format === "jwt") {
        // A JWT's id is its own `jti`: a chosen id or value is for opaque (demo) tokens only.
        if (rest.id !== undefined || rest.token !== undefined) {
          return invalidControlRequest(["id, token: expected only with token_format opaque"]);
        }
        const subject = rest.subject ?? `mch_${randomString(BASE62_ALPHABET, 27)}`;
        const issuer = state.issuer(new URL(c.req.url).origin);
        const jwt = await state.jwts.mintM2M({ issuer, subject, expiration: rest.expiration });
        return jsonResponse(200, { id: jwt.id, token: jwt.token, subject, expiration: jwt.expiration });
      }
      const { json, token } = await state.m2mTokens.add(rest);
      return jsonResponse(200, { id: json.id, token, subject: json.subject, expiration: json.expiration });
    })
    .get("/oauth_applications", () => jsonResponse(200, state.oauthApps.list()))
    .post("/oauth_applications", async (c) => {
      const input = await parseControlBody(StandinOAuthApplicationInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      return jsonResponse(200, state.oauthApps.add(input.value, state.issuer(new URL(c.req.url).origin)));
    })
    .get("/oauth_access_tokens", () => jsonResponse(200, state.oauthTokens.states()))
    .post("/oauth_access_tokens", async (c) => {
      const input = await parseControlBody(StandinOAuthTokenInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const minted = await mintOAuthAccessToken(state, input.value, state.issuer(new URL(c.req.url).origin));
      return minted.ok ? jsonResponse(200, minted.value) : invalidControlRequest([minted.error]);
    })
    .get("/jwts", () => jsonResponse(200, state.jwts.records()))
    .post("/forged_jwt", async (c) => {
      const input = await parseControlBody(ForgedJwtSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { kind } = input.value;
      const subject =
        input.value.subject ?? `${kind === "m2m" ? "mch" : "user"}_${randomString(BASE62_ALPHABET, 27)}`;
      const clientId = input.value.client_id ?? `client_${randomString(BASE62_ALPHABET, 27)}`;
      const issuer = state.issuer(new URL(c.req.url).origin);
      const forged = await state.jwts.forge(kind, {
        issuer,
        subject,
        clientId,
        scopes: ["profile", "email"],
        expiration: input.value.expiration,
      });
      return jsonResponse(200, {
        kind,
        id: forged.id,
        token: forged.token,
        subject,
        client_id: kind === "oauth" ? clientId : null,
        kid: state.jwts.kid,
        expiration: forged.expiration,
      });
    })
    .get("/machines", () => jsonResponse(200, state.machines.states()))
    .post("/machines", async (c) => {
      const input = await parseControlBody(StandinMachineInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { json, secret } = state.machines.add(input.value);
      return jsonResponse(200, { id: json.id, name: json.name, secret });
    })
    .get("/users", () => jsonResponse(200, state.owners.users()))
    .post("/users", async (c) => {
      const input = await parseControlBody(StandinUserInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { id, email } = state.owners.addUser(input.value);
      return jsonResponse(200, { id, email });
    })
    .get("/organizations", () => jsonResponse(200, state.owners.organizations()))
    .post("/organizations", async (c) => {
      const input = await parseControlBody(StandinOrganizationInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      return jsonResponse(200, state.owners.addOrganization(input.value));
    })
    .post("/script", async (c) => {
      const input = await parseControlBody(ClerkFaultScriptSchema, c.req.raw);
      if (!input.ok) return input.response;
      state.faults.replace(input.value);
      return jsonResponse(200, { ok: true, pending: input.value.length });
    })
    .post("/rate-limit", async (c) => {
      const input = await parseControlBody(v.nullable(RateLimitSchema), c.req.raw);
      if (!input.ok) return input.response;
      state.rateLimit.set(input.value);
      return jsonResponse(200, { ok: true, rateLimit: input.value });
    })
    .post("/secret-keys", async (c) => {
      const input = await parseControlBody(SecretKeysSchema, c.req.raw);
      if (!input.ok) return input.response;
      state.setSecretKeys(input.value.secret_keys);
      return jsonResponse(200, { ok: true, accepted: input.value.secret_keys.length });
    })
    .get("/modes", () => jsonResponse(200, state.modes.current()))
    .post("/modes", async (c) => {
      const body = await readJsonBody(c.req.raw);
      const parsed = parseModes(body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined);
      if (!parsed.ok) return invalidControlRequest(parsed.issues);
      return jsonResponse(200, { ok: true, modes: state.modes.set(parsed.value) });
    })
    .post("/latency", async (c) => {
      const input = await parseControlBody(LatencySchema, c.req.raw);
      if (!input.ok) return input.response;
      state.setLatency(input.value.ms);
      return jsonResponse(200, { ok: true, ms: input.value.ms });
    })
    .all("*", () => jsonResponse(404, { error: "no such control route" }));
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The request's JSON body (an empty body is `{}`) validated against `schema`, or the 400 answer. */
async function parseControlBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
  request: Request,
): Promise<Parsed<v.InferOutput<TSchema>>> {
  const body = await readJsonBody(request);
  const value = body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined;
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  // Names the path and the expectation only: the rejected value could be a secret.
  const issues = result.issues.map(
    (i) => `${i.path?.map((p) => String(p.key)).join(".") || "body"}: expected ${i.expected}`,
  );
  return { ok: false, response: invalidControlRequest(issues) };
}

function invalidControlRequest(issues: readonly string[]): Response {
  return jsonResponse(400, { error: "invalid control request", issues });
}
