/**
 * @module
 * Which of an instance's Clerk calls a credential kind takes (clerk/client.ts): the one resolver, and the direct
 * revoker for when D1 is down, pick them here by the incident's `token_type`.
 */
import type { ClerkGateway, CredentialCalls } from "../clerk/client";
import type { IncidentTokenType } from "../domain/incident";

/** The calls for `tokenType`; an API key's for every kind without its own (an API key, its id, `other`). */
export function credentialCalls(tokenType: IncidentTokenType, clerk: ClerkGateway): CredentialCalls {
  switch (tokenType) {
    case "clerk_m2m_token":
    case "clerk_m2m_token_id":
      return clerk.m2mTokens;
    case "clerk_oauth_access_token":
      return clerk.oauthTokens;
    case "clerk_m2m_jwt":
    case "clerk_oauth_jwt":
      return clerk.jwts;
    default:
      return clerk;
  }
}
