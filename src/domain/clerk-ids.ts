/**
 * @module
 * Clerk's identifiers, and which tokens can be Clerk credentials, decided from the token alone (no network call):
 * - `ak_…`: an API key secret, or a machine's secret key (the resolver tells them apart);
 * - `mt_…`: an opaque M2M token; `oat_…`: an opaque OAuth access token (`@clerk/backend`'s own prefixes);
 * - a three-part JWT whose header names a key (`kid`) and that Clerk's machine tokens shape: `sub` a machine (`mch_…`)
 *   for an M2M JWT, `typ` `at+jwt` for an OAuth JWT access token. Whether the instance issued it is its signature's
 *   to say, against the instance's JWKS (clerk/jwt-tokens.ts).
 *
 * Clerk publishes no more of the opaque shapes than their prefix, so the checks are deliberately loose after it: a
 * too-strict shape would leave a live credential unrevoked, while a too-loose one costs a single billed verify that
 * answers 404. Everything else costs no call.
 */
import * as v from "valibot";

/** `ak_` then printable, non-space ASCII. Key ids (`ak_` + 32 hex) also pass; verify sorts them out. */
const CLERK_SECRET_SHAPE = /^ak_[\x21-\x7e]{16,256}$/;
/**
 * An opaque M2M token: `mt_` then printable, non-space ASCII, as loose as API keys for the same reason. Clerk's example
 * is `mt_` and 32 characters; token ids (`mt_` + 32 hex) pass too, and verify sorts them out.
 */
const CLERK_M2M_TOKEN_SHAPE = /^mt_[\x21-\x7e]{16,256}$/;
/** An opaque OAuth access token: `oat_` then printable, non-space ASCII, as loose as the others. */
const CLERK_OAUTH_TOKEN_SHAPE = /^oat_[\x21-\x7e]{16,256}$/;
/**
 * Three base64url parts, as JWTs are (`@clerk/backend` tests the same), within an alert's 4,096 characters
 * (domain/alert-body.ts): room for a header, claims of a few KiB, and an RS256 signature of 342 characters.
 */
const JWT_SHAPE = /^[A-Za-z0-9_-]{8,512}\.[A-Za-z0-9_-]{8,2560}\.[A-Za-z0-9_-]{16,1024}$/;
/** The `typ` of an OAuth JWT access token (RFC 9068), as `@clerk/backend` reads it. */
const OAUTH_JWT_TYPES: ReadonlySet<unknown> = new Set(["at+jwt", "application/at+jwt"]);
/** The `cat` (category) header of Clerk's M2M JWTs; absent on older ones, which `@clerk/backend` accepts too. */
const M2M_JWT_CATEGORY = "cl_B7d4PD333AAA";

/** The Clerk credential kinds autorevoke resolves, as an incident's `token_type` names them. */
export type ClerkCredentialType =
  | "clerk_api_key"
  | "clerk_m2m_token"
  | "clerk_oauth_access_token"
  | "clerk_m2m_jwt"
  | "clerk_oauth_jwt";

/** The JWT kinds: Clerk cannot revoke them; they live until they expire. */
export const JWT_TOKEN_TYPES: ReadonlySet<string> = new Set(["clerk_m2m_jwt", "clerk_oauth_jwt"]);

/** A JWT's header and payload as JSON objects, or `undefined` when either part is not one. No signature is checked. */
export function decodeJwtParts(
  token: string,
): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  if (!JWT_SHAPE.test(token)) return undefined;
  const [header, payload] = token.split(".").map(jsonPart);
  return header && payload ? { header, payload } : undefined;
}

function jsonPart(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined) return undefined;
  try {
    const binary = atob(part.replaceAll("-", "+").replaceAll("_", "/"));
    const value: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Which Clerk JWT kind a token is shaped as, by its header and claims alone; `undefined`: no Clerk machine JWT. */
function jwtTypeOf(token: string): ClerkCredentialType | undefined {
  const parts = decodeJwtParts(token);
  if (!parts || typeof parts.header.kid !== "string" || parts.header.kid === "") return undefined;
  if (typeof parts.payload.exp !== "number") return undefined;
  const { header, payload } = parts;
  if (OAUTH_JWT_TYPES.has(header.typ)) return "clerk_oauth_jwt";
  const category = header.cat;
  if (
    typeof payload.sub === "string" &&
    payload.sub.startsWith("mch_") &&
    (category === undefined || category === M2M_JWT_CATEGORY)
  )
    return "clerk_m2m_jwt";
  return undefined;
}

/** Whether a JWT's own `exp` has passed at `now` (ms); not whether it is genuine. `false` for anything else. */
export function jwtExpired(token: string, now: number): boolean {
  const exp = decodeJwtParts(token)?.payload.exp;
  return typeof exp === "number" && exp * 1000 <= now;
}

/** Which Clerk credential the token could be, decided without any network call; `undefined`: none, no call. */
export function clerkCredentialTypeOf(token: string): ClerkCredentialType | undefined {
  if (CLERK_SECRET_SHAPE.test(token)) return "clerk_api_key";
  if (CLERK_M2M_TOKEN_SHAPE.test(token)) return "clerk_m2m_token";
  if (CLERK_OAUTH_TOKEN_SHAPE.test(token)) return "clerk_oauth_access_token";
  return jwtTypeOf(token);
}

/** Whether the token could be a Clerk credential autorevoke resolves. */
export function isClerkSecretShape(token: string): boolean {
  return clerkCredentialTypeOf(token) !== undefined;
}

/** Clerk API key ids, as Clerk's OpenAPI publishes them: `ak_` and 32 hex digits of either case. */
export const ClerkKeyIdSchema = v.pipe(v.string(), v.regex(/^ak_[0-9A-Fa-f]{32}$/));

/** Clerk M2M token ids, as Clerk's OpenAPI publishes them: `mt_` and 32 hex digits of either case. */
export const ClerkM2MTokenIdSchema = v.pipe(v.string(), v.regex(/^mt_[0-9A-Fa-f]{32}$/));

/** The name of the one instance `CLERK_SECRET_KEY` configures (CLERK_SECRET_KEYS names its own). */
export const DEFAULT_INSTANCE = "default";

/** Clerk OAuth access token ids, as Clerk's OpenAPI publishes them: `oat_` and 32 hex digits of either case. */
export const ClerkOAuthTokenIdSchema = v.pipe(v.string(), v.regex(/^oat_[0-9A-Fa-f]{32}$/));

/** Clerk machine ids (`mch_…`), as the OpenAPI's examples show them: word characters after the prefix. */
export const ClerkMachineIdSchema = v.pipe(v.string(), v.regex(/^mch_\w{1,64}$/));

/** What an operator can act on by id: an API key or an M2M token (revoked), a machine (its secret key rotated). */
export type OperatorIdType = "clerk_api_key_id" | "clerk_m2m_token_id" | "clerk_machine_id";

/** The kind of id an operator gave, by its documented shape; `undefined`: none of Clerk's. */
export function operatorIdTypeOf(id: string): OperatorIdType | undefined {
  if (v.is(ClerkKeyIdSchema, id)) return "clerk_api_key_id";
  if (v.is(ClerkM2MTokenIdSchema, id)) return "clerk_m2m_token_id";
  if (v.is(ClerkMachineIdSchema, id)) return "clerk_machine_id";
  return undefined;
}
