/**
 * @module
 * Clerk's identifiers. Which tokens can be Clerk API key secrets: Clerk publishes only that secrets start with `ak_`, so
 * the check is deliberately loose after the prefix: a too-strict shape would leave a live key
 * unrevoked, while a too-loose one costs a single billed verify that answers 404.
 */
import * as v from "valibot";

/** `ak_` then printable, non-space ASCII. Key ids (`ak_` + 32 hex) also pass; verify sorts them out. */
const CLERK_SECRET_SHAPE = /^ak_[\x21-\x7e]{16,256}$/;

/** Whether the token could be a Clerk API key secret, decided without any network call. */
export function isClerkSecretShape(token: string): boolean {
  return CLERK_SECRET_SHAPE.test(token);
}

/** Clerk API key ids, as Clerk's OpenAPI publishes them: `ak_` and 32 hex digits of either case. */
export const ClerkKeyIdSchema = v.pipe(v.string(), v.regex(/^ak_[0-9A-Fa-f]{32}$/));

/** The name of the one instance `CLERK_SECRET_KEY` configures (CLERK_SECRET_KEYS names its own). */
export const DEFAULT_INSTANCE = "default";
