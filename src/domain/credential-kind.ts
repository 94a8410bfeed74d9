/**
 * @module
 * What each Clerk credential kind is called, and what autorevoke does to a leaked live one of it, in one place, so the
 * API, the console, the team's events and Slack say the same thing:
 * - an API key or an opaque M2M token is revoked;
 * - a machine secret key is rotated (no grace for the old one): the machine stops working until its owners deploy
 *   the new secret;
 * - an opaque OAuth access token has its whole grant revoked (its refresh token too);
 * - a JWT (M2M or OAuth) cannot be revoked: Clerk keeps no state for it, so it works until it expires.
 *
 * GitHub hears `true_positive` for every real credential, whatever could be done to it.
 */

/** What autorevoke does to a leaked, live credential of a kind. */
export type CredentialAction = "revoked" | "rotated" | "grant_revoked" | "cannot_be_revoked";

/** A credential kind as people read it. */
export interface CredentialKind {
  /** What to call it: "API key", "M2M token", … */
  noun: string;
  action: CredentialAction;
}

const KINDS: Record<string, CredentialKind> = {
  clerk_api_key: { noun: "API key", action: "revoked" },
  clerk_api_key_id: { noun: "API key", action: "revoked" },
  clerk_m2m_token: { noun: "M2M token", action: "revoked" },
  clerk_m2m_token_id: { noun: "M2M token", action: "revoked" },
  clerk_machine_secret_key: { noun: "machine secret key", action: "rotated" },
  clerk_machine_id: { noun: "machine secret key", action: "rotated" },
  clerk_oauth_access_token: { noun: "OAuth access token", action: "grant_revoked" },
  clerk_m2m_jwt: { noun: "M2M token (JWT)", action: "cannot_be_revoked" },
  clerk_oauth_jwt: { noun: "OAuth access token (JWT)", action: "cannot_be_revoked" },
};

/** The kind of an incident's `token_type`; anything else is a token autorevoke revokes like an API key. */
export const credentialKindOf = (tokenType: string): CredentialKind =>
  KINDS[tokenType] ?? { noun: "token", action: "revoked" };

/** Whether a token type names a JWT, which Clerk cannot revoke. */
export const isUnrevocable = (tokenType: string) =>
  credentialKindOf(tokenType).action === "cannot_be_revoked";
