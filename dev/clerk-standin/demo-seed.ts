/**
 * @module
 * Seeds an instance's demo credentials for `npm start` (demo-keys.ts), one of each kind Clerk issues besides API keys:
 * a machine and its secret key, an opaque M2M token and an M2M JWT for it, an OAuth application with an opaque access
 * token and a JWT access token. It answers what it seeded as `npm start` prints demo keys: ids, names and the first
 * characters of each value, never a whole value.
 */
import { DEMO_M2M_TOKENS, DEMO_MACHINES, DEMO_OAUTH_GRANTS } from "./demo-keys.ts";
import type { JwtIssuer } from "./jwt-issuer.ts";
import type { M2MTokenStore } from "./m2m-store.ts";
import type { MachineStore } from "./machine-store.ts";
import type { OAuthApplicationStore } from "./oauth-app-store.ts";
import type { OAuthTokenStore } from "./oauth-token-store.ts";

/** How many characters of a demo value may be shown: what `npm start` shows of its demo keys. */
export const DEMO_PREFIX_CHARS = 7;
/** The demo JWTs' lifetime: a day, so an afternoon of `npm start` finds them live. */
export const DEMO_JWT_TTL_MS = 86_400_000;

/** The kinds of demo credential seeded beside the API keys. */
export type DemoCredentialKind =
  | "machine_secret_key"
  | "m2m_token"
  | "m2m_jwt"
  | "oauth_access_token"
  | "oauth_jwt";

/** A seeded demo credential, as far as it may be printed. */
export interface DemoCredential {
  kind: DemoCredentialKind;
  id: string;
  name: string;
  /** The value's first `DEMO_PREFIX_CHARS` characters. */
  prefix: string;
}

/** The stores a seed fills. */
export interface DemoSeedStores {
  machines: MachineStore;
  m2mTokens: M2MTokenStore;
  oauthApps: OAuthApplicationStore;
  oauthTokens: OAuthTokenStore;
  jwts: JwtIssuer;
}

/** Seeds one of each kind into `stores`; JWTs name `issuer` and are signed by the instance's key. */
export async function seedDemoCredentials(
  stores: DemoSeedStores,
  issuer: string,
  now: number,
): Promise<DemoCredential[]> {
  const seeded: DemoCredential[] = [];
  const note = (kind: DemoCredentialKind, id: string, name: string, value: string) =>
    seeded.push({ kind, id, name, prefix: value.slice(0, DEMO_PREFIX_CHARS) });

  for (const m of DEMO_MACHINES) {
    stores.machines.add(m);
    note("machine_secret_key", m.id, m.name, m.secret);
  }
  for (const t of DEMO_M2M_TOKENS) {
    await stores.m2mTokens.add(t);
    note("m2m_token", t.id, "demo M2M token", t.token);
    const jwt = await stores.jwts.mintM2M({ issuer, subject: t.subject, expiration: now + DEMO_JWT_TTL_MS });
    note("m2m_jwt", jwt.id, "demo M2M JWT", jwt.token);
  }
  for (const { application, token } of DEMO_OAUTH_GRANTS) {
    const app = stores.oauthApps.add(application, issuer);
    const scopes = app.scopes.split(" ");
    await stores.oauthTokens.add({
      applicationId: app.id,
      clientId: app.client_id,
      subject: token.subject,
      scopes,
      expiration: null,
      id: token.id,
      token: token.token,
    });
    note("oauth_access_token", token.id, `${app.name} access token`, token.token);
    const jwt = await stores.jwts.mintOAuth({
      issuer,
      subject: token.subject,
      clientId: app.client_id,
      scopes,
      expiration: now + DEMO_JWT_TTL_MS,
    });
    note("oauth_jwt", jwt.id, `${app.name} JWT access token`, jwt.token);
  }
  return seeded;
}
