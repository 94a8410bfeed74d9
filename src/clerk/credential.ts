/**
 * @module
 * What every Clerk credential kind's gateway answers (./client.ts for API keys, ./m2m-tokens.ts for M2M tokens): the
 * credential as Clerk described it, and the calls the one resolver makes of it.
 */
import type { ClerkFailure } from "../domain/clerk-failure";
import type { Result } from "../lib/result";

/** What we keep of a Clerk credential Clerk described: an API key, or an M2M token (which has no name). */
export interface ClerkKey {
  id: string;
  subject: string;
  name: string | null;
  revoked: boolean;
  expired: boolean;
  revocationReason: string | null;
  expiration: number | null;
}

/** The calls one credential kind needs. */
export interface CredentialCalls {
  /** The credential a secret is, live or not (see `revoked` and `expired`). */
  verify(secret: string): Promise<Result<ClerkKey, ClerkFailure>>;
  revoke(id: string, reason: string): Promise<Result<ClerkKey, ClerkFailure>>;
  /**
   * What Clerk holds of the credential now, by id, to decide after a refused revoke. Absent where Clerk publishes no
   * such call (M2M tokens): the resolver verifies the secret again instead.
   */
  lookup?(id: string): Promise<Result<ClerkKey, ClerkFailure>>;
}
