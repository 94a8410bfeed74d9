/**
 * @module
 * Which tokens can be Clerk API key secrets. Clerk publishes only that secrets start with `ak_`, so
 * the check is deliberately loose after the prefix: a too-strict shape would leave a live key
 * unrevoked, while a too-loose one costs a single billed verify that answers 404.
 */

/** `ak_` then printable, non-space ASCII. Key ids (`ak_` + 32 hex) also pass; verify sorts them out. */
const CLERK_SECRET_SHAPE = /^ak_[\x21-\x7e]{16,256}$/;

/** Whether the token could be a Clerk API key secret, decided without any network call. */
export function isClerkSecretShape(token: string): boolean {
  return CLERK_SECRET_SHAPE.test(token);
}

/** Type names we register with senders; compared case-insensitively since senders upper-case them. */
export const CLERK_TOKEN_TYPES: ReadonlySet<string> = new Set(["clerk_api_key", "clerk_api_key_secret"]);

/** Whether a sender's type name is one of ours. */
export function isClerkTokenType(type: string): boolean {
  return CLERK_TOKEN_TYPES.has(type.trim().toLowerCase());
}
