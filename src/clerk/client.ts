/**
 * @module
 * The Clerk adapter: for API keys, `verify(secret)`, `revoke(keyId)` and `lookup(keyId)`, and for each other credential
 * kind its own calls (`m2mTokens`: ./m2m-tokens.ts, `oauthTokens`: ./oauth-tokens.ts, `jwts`: ./jwt-tokens.ts), all through the official `@clerk/backend` SDK, each with a timeout,
 * each returning a `Result` whose error is already classified (./call.ts). Every field Clerk's published answer carries
 * that changes a verdict is read: `revoked`, `revocation_reason`, `expired`, `expiration`. A verify that answers 200 is
 * not proof of a live key (Clerk's OpenAPI lets it answer 200 for a revoked or expired one).
 */
import { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import type { ClerkFailure } from "../domain/clerk-failure";
import { ClerkKeyIdSchema } from "../domain/clerk-ids";
import type { Result } from "../lib/result";
import { CLERK_CALL_TIMEOUT_MS, callClerk, invalidId } from "./call";
import type { ClerkKey, CredentialCalls } from "./credential";
import { createJwtCalls } from "./jwt-tokens";
import { createM2MTokenCalls } from "./m2m-tokens";
import { createMachineCalls, type MachineCalls } from "./machines";
import { createOAuthTokenCalls } from "./oauth-tokens";
import { createOwnerCalls, type OwnerCalls } from "./owners";

export type { ClerkKey, CredentialCalls } from "./credential";

/**
 * Clerk's APIKey object as the SDK hands it over (camelCase). `revoked` and `expired` are required in Clerk's OpenAPI;
 * an answer without them is unreadable, never read as "live". The reason and expiration are nullable there.
 */
const ApiKeySchema = v.object({
  id: ClerkKeyIdSchema,
  subject: v.string(),
  name: v.string(),
  revoked: v.boolean(),
  expired: v.boolean(),
  revocationReason: v.optional(v.nullable(v.string()), null),
  expiration: v.optional(v.nullable(v.number()), null),
});

/** The Clerk operations autorevoke needs: API keys' at the top, each other kind's under its name. */
export interface ClerkGateway extends CredentialCalls {
  /** `GET /api_keys/{id}`. */
  lookup(keyId: string): Promise<Result<ClerkKey, ClerkFailure>>;
  /** Opaque M2M tokens (`mt_…`). */
  m2mTokens: CredentialCalls;
  /** Opaque OAuth access tokens (`oat_…`). */
  oauthTokens: CredentialCalls;
  /** JWT-format M2M tokens and OAuth access tokens: verified against the instance's JWKS, never revoked. */
  jwts: CredentialCalls;
  /** Machines and their secret keys (`ak_…` too, unknown to `apiKeys.verify`). */
  machines: MachineCalls;
  /** Who to tell that a key leaked: a user's address, an organisation's admins' (issue 26). */
  owners: OwnerCalls;
}

/** Dependencies of the gateway. */
export interface ClerkGatewayOptions {
  secretKey: string;
  apiUrl: string;
  timeoutMs?: number;
}

/** Builds the gateway over one SDK client. */
export function createClerkGateway(options: ClerkGatewayOptions): ClerkGateway {
  const clerk = createClerkClient({ secretKey: options.secretKey, apiUrl: options.apiUrl });
  const timeoutMs = options.timeoutMs ?? CLERK_CALL_TIMEOUT_MS;
  const call = (run: () => Promise<unknown>) => callClerk(ApiKeySchema, timeoutMs, run);
  /** Validated before use in a path: the SDK does not URL-encode ids. */
  const byId = (keyId: string, run: () => Promise<unknown>) =>
    v.is(ClerkKeyIdSchema, keyId) ? call(run) : invalidId("invalid_key_id");

  return {
    verify: (secret) => call(() => clerk.apiKeys.verify(secret)),
    revoke: (keyId, reason) =>
      byId(keyId, () => clerk.apiKeys.revoke({ apiKeyId: keyId, revocationReason: reason })),
    lookup: (keyId) => byId(keyId, () => clerk.apiKeys.get(keyId)),
    m2mTokens: createM2MTokenCalls(clerk, timeoutMs),
    oauthTokens: createOAuthTokenCalls(clerk, timeoutMs),
    jwts: createJwtCalls(clerk, timeoutMs),
    machines: createMachineCalls(clerk, timeoutMs),
    owners: createOwnerCalls(clerk, timeoutMs),
  };
}
