/**
 * @module
 * What every Clerk credential kind's gateway answers (./client.ts for API keys, ./m2m-tokens.ts for M2M tokens,
 * ./oauth-tokens.ts for OAuth access tokens, ./jwt-tokens.ts for JWTs): the credential as Clerk described it, and the
 * calls the one resolver makes of it.
 */
import type { ClerkFailure } from "../domain/clerk-failure";
import type { Result } from "../lib/result";

/**
 * What we keep of a Clerk credential Clerk described. `subject` is its owner: a user, an organisation or a machine
 * (`user_…`, `org_…`, `mch_…`), or for an OAuth access token the OAuth client (`client_id`). `name`: an API key's, an
 * OAuth application's; `null` for an M2M token, which has none.
 */
export interface ClerkKey {
  id: string;
  subject: string;
  name: string | null;
  revoked: boolean;
  expired: boolean;
  revocationReason: string | null;
  expiration: number | null;
}

/** What a revoke may need beyond the id: an OAuth access token is revoked by its value, through its client's app. */
export interface RevokeContext {
  /** The leaked value, when the resolver holds it (inline, or unsealed). */
  secret?: string;
  /** The owner verify answered (`ClerkKey.subject`). */
  subject?: string | null;
}

/** The calls one credential kind needs. */
export interface CredentialCalls {
  /** The credential a secret is, live or not (see `revoked` and `expired`). */
  verify(secret: string): Promise<Result<ClerkKey, ClerkFailure>>;
  revoke(id: string, reason: string, context?: RevokeContext): Promise<Result<ClerkKey, ClerkFailure>>;
  /**
   * How many Clerk calls a verify of `secret` will make, for the pace to book: 1 unless the kind says otherwise (a JWT
   * checked against a key set the gateway holds makes none).
   */
  verifyCalls?(secret: string): number;
  /** The revoke takes the leaked value itself (OAuth's `revoke_token`): the resolver opens the sealed secret for it. */
  revokesBySecret?: boolean;
  /** How many Clerk calls a revoke will make (an OAuth token's app not yet known: 2). 1 unless the kind says otherwise. */
  revokeCalls?(context: RevokeContext): number;
  /**
   * What Clerk holds of the credential now, by id, to decide after a refused revoke. Absent where Clerk publishes no
   * such call (M2M tokens): the resolver verifies the secret again instead.
   */
  lookup?(id: string): Promise<Result<ClerkKey, ClerkFailure>>;
}
