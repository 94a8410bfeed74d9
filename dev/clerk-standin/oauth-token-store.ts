/**
 * @module
 * The stand-in's opaque OAuth access tokens (`oat_…`), to the object Clerk's published
 * `POST /oauth_applications/access_tokens/verify` answers: add (the control API mints them, as Clerk's token endpoint
 * would), verify, and revoke a grant as `POST /oauth_applications/{id}/revoke_token` does. Each token belongs to an
 * application and to a grant (one user's consent to one application); revoking any token of a grant revokes every
 * token of it, as the spec says. Tokens are kept only as SHA-256, and follow the M2M store's choices where the spec is
 * silent (m2m-store.ts): a token is dead once revoked or past its `expiration`; a second revoke changes nothing and is
 * counted; what the HTTP answer is for a dead token or a second revoke is the modes'.
 */
import * as v from "valibot";
import { OAUTH_TOKEN_ID_PATTERN, type OAuthAccessTokenJson } from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomHex, randomString, sha256Hex } from "../standin-util.ts";

/** Input for a token minted on the control side, opaque or JWT. */
export const StandinOAuthTokenInputSchema = v.strictObject({
  /** The application's `client_id`; a new application otherwise. */
  client_id: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** The user who granted access (`user_…`); the grant's, or a random one. */
  subject: v.optional(v.pipe(v.string(), v.regex(/^user_\w{27}$/))),
  /** Expiry in milliseconds since the epoch; a past value makes the token expired. */
  expiration: v.optional(v.nullable(v.number())),
  token_format: v.optional(v.picklist(["opaque", "jwt"]), "opaque"),
  scopes: v.optional(v.array(v.pipe(v.string(), v.regex(/^\S+$/))), ["profile", "email"]),
  /** Another opaque token's id: the new token joins its grant, so one revoke ends both. */
  grant_of: v.optional(v.pipe(v.string(), v.regex(OAUTH_TOKEN_ID_PATTERN))),
  /** A chosen id and value (the demo token's); random otherwise. Opaque only. */
  id: v.optional(v.pipe(v.string(), v.regex(/^oat_[0-9a-f]{32}$/))),
  token: v.optional(v.pipe(v.string(), v.regex(/^oat_[\x21-\x7e]{16,256}$/))),
});
export type StandinOAuthTokenInput = v.InferOutput<typeof StandinOAuthTokenInputSchema>;

/** What the control API answers for a minted token (opaque or JWT): the only copy of its value. */
export interface MintedOAuthToken {
  id: string;
  token: string;
  client_id: string;
  subject: string;
  application_id: string;
  expiration: number | null;
}

/** A token as the control API reports it: the verify JSON plus where it belongs and counters. */
export type StandinOAuthTokenState = OAuthAccessTokenJson & {
  application_id: string;
  grant_id: string;
  revoke_count: number;
  verify_count: number;
};

/** What verify found: a live token, a dead one, or none. */
export type OAuthVerifyFinding =
  | { found: "live"; token: OAuthAccessTokenJson }
  | { found: "dead"; token: OAuthAccessTokenJson }
  | { found: "none" };

/** A new opaque token's application, user and the rest, resolved by the caller. */
export interface OAuthTokenMint {
  applicationId: string;
  clientId: string;
  subject: string;
  scopes: readonly string[];
  expiration: number | null;
  /** The grant to join; a new one otherwise. */
  grantId?: string | undefined;
  id?: string | undefined;
  token?: string | undefined;
}

/** The grant a token belongs to, for minting another token into it. */
export interface OAuthGrant {
  grantId: string;
  applicationId: string;
  clientId: string;
  subject: string;
}

/** The opaque OAuth access tokens of one stand-in instance. */
export interface OAuthTokenStore {
  add(mint: OAuthTokenMint): Promise<MintedOAuthToken>;
  grantOf(tokenId: string): OAuthGrant | undefined;
  verify(token: string, answeredDead: boolean): Promise<OAuthVerifyFinding>;
  /**
   * Revokes the grant of `token` if it is `applicationId`'s: every token of it, once (later calls count on the named
   * token but change nothing); `undefined` when the application holds no such token.
   */
  revokeGrant(
    applicationId: string,
    token: string,
  ): Promise<{ found: "revoked_now" | "already_revoked" } | undefined>;
  states(): StandinOAuthTokenState[];
  clear(): void;
}

interface Stored {
  json: Omit<OAuthAccessTokenJson, "expired">;
  applicationId: string;
  grantId: string;
  sha256: string;
  revokeCount: number;
  verifyCount: number;
}

/** Builds an empty store; `now` (milliseconds) decides expiry and timestamps. */
export function createOAuthTokenStore(now: () => number): OAuthTokenStore {
  const byId = new Map<string, Stored>();
  const idByHash = new Map<string, string>();
  const toJson = (s: Stored): OAuthAccessTokenJson => ({
    ...s.json,
    scopes: [...s.json.scopes],
    expired: s.json.expiration !== null && s.json.expiration <= now(),
  });
  const byToken = async (token: string) => {
    const id = idByHash.get(await sha256Hex(token));
    return id === undefined ? undefined : byId.get(id);
  };

  return {
    async add(mint) {
      // Clerk's prefix (`oat_`, `@clerk/backend`'s OAUTH_TOKEN_PREFIX) and 32 random characters, as M2M tokens have.
      const token = mint.token ?? `oat_${randomString(BASE62_ALPHABET, 32)}`;
      const at = now();
      const stored: Stored = {
        json: {
          object: "clerk_idp_oauth_access_token",
          id: mint.id ?? `oat_${randomHex(16)}`,
          client_id: mint.clientId,
          subject: mint.subject,
          scopes: [...mint.scopes],
          revoked: false,
          revocation_reason: null,
          expiration: mint.expiration,
          created_at: at,
          updated_at: at,
        },
        applicationId: mint.applicationId,
        grantId: mint.grantId ?? `grant_${randomHex(16)}`,
        sha256: await sha256Hex(token),
        revokeCount: 0,
        verifyCount: 0,
      };
      byId.set(stored.json.id, stored);
      idByHash.set(stored.sha256, stored.json.id);
      return {
        id: stored.json.id,
        token,
        client_id: mint.clientId,
        subject: mint.subject,
        application_id: mint.applicationId,
        expiration: mint.expiration,
      };
    },
    grantOf(tokenId) {
      const stored = byId.get(tokenId);
      return (
        stored && {
          grantId: stored.grantId,
          applicationId: stored.applicationId,
          clientId: stored.json.client_id,
          subject: stored.json.subject,
        }
      );
    },
    async verify(token, answeredDead) {
      const stored = await byToken(token);
      if (!stored) return { found: "none" };
      const json = toJson(stored);
      if (json.revoked || json.expired) {
        if (answeredDead) stored.verifyCount++;
        return { found: "dead", token: json };
      }
      stored.verifyCount++;
      return { found: "live", token: json };
    },
    async revokeGrant(applicationId, token) {
      const stored = await byToken(token);
      // Another application's token is no more this one's to revoke than an unknown token is.
      if (!stored || stored.applicationId !== applicationId) return undefined;
      stored.revokeCount++;
      if (stored.json.revoked) return { found: "already_revoked" };
      const at = now();
      for (const sibling of byId.values()) {
        if (sibling.grantId !== stored.grantId || sibling.json.revoked) continue;
        sibling.json.revoked = true;
        sibling.json.updated_at = at;
      }
      return { found: "revoked_now" };
    },
    states: () =>
      [...byId.values()].map((s) => ({
        ...toJson(s),
        application_id: s.applicationId,
        grant_id: s.grantId,
        revoke_count: s.revokeCount,
        verify_count: s.verifyCount,
      })),
    clear() {
      byId.clear();
      idByHash.clear();
    },
  };
}
