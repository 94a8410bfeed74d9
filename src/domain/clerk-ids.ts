/**
 * @module
 * Clerk's identifiers. Which tokens can be Clerk API key secrets: Clerk publishes only that secrets start with `ak_`, so
 * the check is deliberately loose after the prefix: a too-strict shape would leave a live key
 * unrevoked, while a too-loose one costs a single billed verify that answers 404.
 */
import * as v from "valibot";

/** `ak_` then printable, non-space ASCII. Key ids (`ak_` + 32 hex) also pass; verify sorts them out. */
const CLERK_SECRET_SHAPE = /^ak_[\x21-\x7e]{16,256}$/;
/**
 * An opaque M2M token: `mt_` then printable, non-space ASCII, as loose as API keys for the same reason. Clerk's example
 * is `mt_` and 32 characters; token ids (`mt_` + 32 hex) pass too, and verify sorts them out.
 */
const CLERK_M2M_TOKEN_SHAPE = /^mt_[\x21-\x7e]{16,256}$/;

/** The Clerk credential kinds autorevoke resolves, as an incident's `token_type` names them. */
export type ClerkCredentialType = "clerk_api_key" | "clerk_m2m_token";

/** Which Clerk credential the token could be, decided without any network call; `undefined`: none, no call. */
export function clerkCredentialTypeOf(token: string): ClerkCredentialType | undefined {
  if (CLERK_SECRET_SHAPE.test(token)) return "clerk_api_key";
  if (CLERK_M2M_TOKEN_SHAPE.test(token)) return "clerk_m2m_token";
  return undefined;
}

/** Whether the token could be a Clerk credential autorevoke resolves (an API key secret or an opaque M2M token). */
export function isClerkSecretShape(token: string): boolean {
  return clerkCredentialTypeOf(token) !== undefined;
}

/** Clerk API key ids, as Clerk's OpenAPI publishes them: `ak_` and 32 hex digits of either case. */
export const ClerkKeyIdSchema = v.pipe(v.string(), v.regex(/^ak_[0-9A-Fa-f]{32}$/));

/** Clerk M2M token ids, as Clerk's OpenAPI publishes them: `mt_` and 32 hex digits of either case. */
export const ClerkM2MTokenIdSchema = v.pipe(v.string(), v.regex(/^mt_[0-9A-Fa-f]{32}$/));

/** The name of the one instance `CLERK_SECRET_KEY` configures (CLERK_SECRET_KEYS names its own). */
export const DEFAULT_INSTANCE = "default";
