/**
 * @module
 * Mints an OAuth access token on the control side, as Clerk's token endpoint would at the end of a user's consent:
 * for the application `client_id` names (a new one when none is named), into the grant `grant_of` names (a new one
 * otherwise), opaque (kept in the token store, as SHA-256) or a JWT signed by the instance's key (only recorded).
 * Each refusal names what was expected, never what was sent.
 */
import { BASE62_ALPHABET, randomString } from "../standin-util.ts";
import type { JwtIssuer } from "./jwt-issuer.ts";
import type { OAuthApplicationStore } from "./oauth-app-store.ts";
import type { MintedOAuthToken, OAuthTokenStore, StandinOAuthTokenInput } from "./oauth-token-store.ts";

/** The stores a mint reads and fills. */
export interface OAuthMintStores {
  oauthApps: OAuthApplicationStore;
  oauthTokens: OAuthTokenStore;
  jwts: JwtIssuer;
}

/** The minted token, or why the input cannot be minted. */
export type OAuthMintResult = { ok: true; value: MintedOAuthToken } | { ok: false; error: string };

/** Mints the token `input` asks for; `issuer` is the instance's origin (a new application's URLs, a JWT's `iss`). */
export async function mintOAuthAccessToken(
  stores: OAuthMintStores,
  input: StandinOAuthTokenInput,
  issuer: string,
): Promise<OAuthMintResult> {
  const refuse = (error: string): OAuthMintResult => ({ ok: false, error });
  const jwt = input.token_format === "jwt";
  if (jwt && (input.id !== undefined || input.token !== undefined || input.grant_of !== undefined)) {
    // A JWT's id is its own `jti`, and the spec says JWT access tokens cannot be revoked, grant or not.
    return refuse("id, token, grant_of: expected only with token_format opaque");
  }
  const grant = input.grant_of === undefined ? undefined : stores.oauthTokens.grantOf(input.grant_of);
  if (input.grant_of !== undefined && !grant) {
    return refuse("grant_of: expected the id of an opaque token of this instance");
  }

  const named = input.client_id === undefined ? undefined : stores.oauthApps.byClientId(input.client_id);
  if (input.client_id !== undefined && !named) {
    return refuse("client_id: expected the client_id of an OAuth application of this instance");
  }
  const app = named ?? (grant ? stores.oauthApps.get(grant.applicationId) : stores.oauthApps.add({}, issuer));
  if (!app) return refuse("grant_of: expected a token of an application this instance holds");
  if (grant && grant.applicationId !== app.id)
    return refuse("grant_of: expected a token of the same application");
  const subject = input.subject ?? grant?.subject ?? `user_${randomString(BASE62_ALPHABET, 27)}`;
  if (grant && grant.subject !== subject) return refuse("subject: expected the grant's user");

  if (jwt) {
    const minted = await stores.jwts.mintOAuth({
      issuer,
      subject,
      clientId: app.client_id,
      scopes: input.scopes,
      expiration: input.expiration,
    });
    return {
      ok: true,
      value: {
        id: minted.id,
        token: minted.token,
        client_id: app.client_id,
        subject,
        application_id: app.id,
        expiration: minted.expiration,
      },
    };
  }
  const minted = await stores.oauthTokens.add({
    applicationId: app.id,
    clientId: app.client_id,
    subject,
    scopes: input.scopes,
    expiration: input.expiration ?? null,
    grantId: grant?.grantId,
    id: input.id,
    token: input.token,
  });
  return { ok: true, value: minted };
}
