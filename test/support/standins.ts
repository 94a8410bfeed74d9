/**
 * Drives the dev stand-ins from inside the Workers runtime. Every outbound fetch of the test and of the
 * Worker goes through Miniflare's `outboundService` (dev/outbound.ts), so these calls reach the same
 * stand-in instances the Worker talks to.
 */

import type { ClerkOperation, Modes } from "../../dev/clerk-standin";
import { type AlertSender, createAlertRequest, generateSigningKey, type SigningKey } from "../../dev/signer";
import { resetPacer } from "./pacer";
import { noteSecret } from "./secrets-registry";

export const CLERK = "https://clerk.test";
export const GITHUB_KEYS = "https://github.keys.test";

async function control(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`stand-in control ${url} answered ${res.status}`);
  return res.json();
}

const post = (url: string, body: unknown = {}) =>
  control(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

/** A live key in the Clerk stand-in: its id and its only copy of the secret. */
export interface LiveKey {
  id: string;
  secret: string;
  name: string;
  subject: string;
}

/**
 * A Clerk call as the stand-in logged it (never a raw secret): `operation` is one of dev/clerk-standin's
 * `ClerkOperation` (`verify`, `m2m_verify`, `oauth_verify`, `oauth_revoke`, `oauth_apps_list`, `jwks`, `user_get`,
 * `org_memberships`, ...) or `unknown`; `keyId` the path's id (a user's for `user_get`, an organization's for
 * `org_memberships`); `secretSha256` the SHA-256 of a verified (or `revoke_token`'s) token.
 */
export interface ClerkCall {
  method: string;
  path: string;
  operation: ClerkOperation | "unknown";
  status: number;
  keyId?: string;
  secretSha256?: string;
  body?: unknown;
}

/**
 * A fresh Clerk stand-in (keys, tokens, machines, OAuth applications, JWT records, users and organizations dropped; its
 * signing key kept), and a fresh budget for it in the Worker's pacer.
 */
export async function resetClerk(): Promise<void> {
  await post(`${CLERK}/__standin/reset`);
  await resetPacer();
}
export async function createLiveKey(input: Record<string, unknown> = {}): Promise<LiveKey> {
  const key = (await post(`${CLERK}/__standin/keys`, input)) as LiveKey;
  noteSecret(key.secret);
  return key;
}
/**
 * An M2M token the stand-in minted for a machine: its id, its raw value (watched for), its machine and its expiry
 * (milliseconds; `null` for an opaque token that never expires). With `token_format: "jwt"` the token is an M2M JWT
 * signed by the stand-in's key (its `jti` as `id`), which Clerk cannot revoke.
 */
export interface LiveM2MToken {
  id: string;
  token: string;
  subject: string;
  expiration: number | null;
}
/** Mints an M2M token: `{subject?, expiration?, token_format?: "opaque" | "jwt"}`. */
export async function createM2MToken(input: Record<string, unknown> = {}): Promise<LiveM2MToken> {
  const minted = (await post(`${CLERK}/__standin/m2m_tokens`, input)) as LiveM2MToken;
  noteSecret(minted.token);
  return minted;
}
/** A user in the Clerk stand-in, whom a key's `subject` can name: its id and primary address (`null`: none). */
export interface LiveUser {
  id: string;
  email: string | null;
}
/** What a user is made with: a chosen id, its primary address (`null`: none) and further, non-primary ones. */
export interface UserInput {
  id?: string;
  /** `user-<n>@example.test` when absent. */
  email?: string | null;
  extra_emails?: string[];
}
/** Creates a user; `createLiveKey({ subject: user.id })` gives it a key. */
export async function createUser(input: UserInput = {}): Promise<LiveUser> {
  return (await post(`${CLERK}/__standin/users`, input)) as LiveUser;
}
/** A member of a stand-in organization: its user and that user's primary address. */
export interface LiveMember {
  user_id: string;
  email: string | null;
}
/** An organization in the Clerk stand-in, with its admins (`org:admin`) and other members (`org:member`). */
export interface LiveOrganization {
  id: string;
  name: string;
  admins: LiveMember[];
  members: LiveMember[];
}
/** What an organization is made with; admins and members are addresses, each made a user unless one has it. */
export interface OrganizationInput {
  id?: string;
  name?: string;
  admins?: string[];
  members?: string[];
}
/** Creates an organization; `createLiveKey({ subject: org.id })` gives it a key. */
export async function createOrganization(input: OrganizationInput = {}): Promise<LiveOrganization> {
  return (await post(`${CLERK}/__standin/organizations`, input)) as LiveOrganization;
}
/** The stand-in's users, with their non-primary addresses. */
export const clerkUsers = async () =>
  (await control(`${CLERK}/__standin/users`)) as (LiveUser & { extra_emails: string[] })[];
/** The stand-in's organizations. */
export const clerkOrganizations = async () =>
  (await control(`${CLERK}/__standin/organizations`)) as LiveOrganization[];
/** The stand-in's M2M tokens, with their counters. */
export const clerkM2MTokens = async () =>
  (await control(`${CLERK}/__standin/m2m_tokens`)) as {
    id: string;
    subject: string;
    revoked: boolean;
    revocation_reason: string | null;
    revoke_count: number;
    verify_count: number;
  }[];
/** A machine the stand-in created, with its secret key (an `ak_` value, watched for). */
export interface LiveMachine {
  id: string;
  name: string;
  secret: string;
}
export async function createMachine(input: Record<string, unknown> = {}): Promise<LiveMachine> {
  const machine = (await post(`${CLERK}/__standin/machines`, input)) as LiveMachine;
  noteSecret(machine.secret);
  return machine;
}
/** The stand-in's machines, with their rotations (never their secrets). */
export const clerkMachines = async () =>
  (await control(`${CLERK}/__standin/machines`)) as {
    id: string;
    name: string;
    rotate_count: number;
    previous_token_ttls: number[];
  }[];
/** An OAuth application the stand-in holds, as Clerk's `OAuthApplication` (no secret: none is handed out). */
export interface LiveOAuthApplication {
  object: "oauth_application";
  id: string;
  client_id: string;
  name: string;
  instance_id: string;
  created_at: number;
  updated_at: number;
}
/** Creates an OAuth application: `{name?}`. */
export async function createOAuthApplication(input: { name?: string } = {}): Promise<LiveOAuthApplication> {
  return (await post(`${CLERK}/__standin/oauth_applications`, input)) as LiveOAuthApplication;
}
/** An OAuth access token a user granted an application: its id, its raw value (watched for) and where it belongs. */
export interface LiveOAuthToken {
  id: string;
  token: string;
  client_id: string;
  subject: string;
  application_id: string;
  expiration: number | null;
}
/** What an OAuth access token is minted with; every field optional. */
export interface OAuthTokenInput {
  /** The application's `client_id`; a new application otherwise. */
  client_id?: string;
  subject?: string;
  /** Milliseconds since the epoch; a past value makes it expired. */
  expiration?: number | null;
  token_format?: "opaque" | "jwt";
  scopes?: string[];
  /** An opaque token's id: the new token joins its grant, so revoking either revokes both. */
  grant_of?: string;
}
/** Mints an OAuth access token (opaque `oat_…` by default). */
export async function createOAuthToken(input: OAuthTokenInput = {}): Promise<LiveOAuthToken> {
  const minted = (await post(`${CLERK}/__standin/oauth_access_tokens`, input)) as LiveOAuthToken;
  noteSecret(minted.token);
  return minted;
}
/** Mints an OAuth JWT access token (`typ: at+jwt`, signed by the stand-in's key), which Clerk cannot revoke. */
export const createOAuthJwt = (input: Omit<OAuthTokenInput, "token_format" | "grant_of"> = {}) =>
  createOAuthToken({ ...input, token_format: "jwt" });
/** A JWT of Clerk's shape, naming the stand-in's `kid`, but signed by a key it never published. */
export interface ForgedJwt {
  kind: "m2m" | "oauth";
  id: string;
  token: string;
  subject: string;
  client_id: string | null;
  kid: string;
  expiration: number;
}
/** Forges an M2M JWT or an OAuth JWT access token, for tests of the signature check. */
export async function forgedJwt(
  kind: "m2m" | "oauth",
  claims: { subject?: string; client_id?: string; expiration?: number } = {},
): Promise<ForgedJwt> {
  const forged = (await post(`${CLERK}/__standin/forged_jwt`, { kind, ...claims })) as ForgedJwt;
  noteSecret(forged.token);
  return forged;
}
/** The stand-in's opaque OAuth access tokens, with their grants and counters. */
export const clerkOAuthTokens = async () =>
  (await control(`${CLERK}/__standin/oauth_access_tokens`)) as {
    id: string;
    client_id: string;
    subject: string;
    application_id: string;
    grant_id: string;
    revoked: boolean;
    expired: boolean;
    revoke_count: number;
    verify_count: number;
  }[];
/** The JWTs the stand-in signed (never the tokens): M2M JWTs and OAuth JWT access tokens. */
export const clerkJwts = async () =>
  (await control(`${CLERK}/__standin/jwts`)) as {
    kind: "m2m" | "oauth";
    id: string;
    kid: string;
    subject: string;
    client_id: string | null;
    expiration: number;
    expired: boolean;
  }[];
export const scriptClerk = (faults: unknown[]) => post(`${CLERK}/__standin/script`, faults);
/** Rotates the stand-in's instance secret key: from now on only `secretKeys` are accepted (a reset restores the test's). */
export const acceptClerkSecretKeys = (secretKeys: string[]) =>
  post(`${CLERK}/__standin/secret-keys`, { secret_keys: secretKeys });
export const setClerkLatency = (ms: number) => post(`${CLERK}/__standin/latency`, { ms });
/**
 * Chooses which of the answers Clerk's spec allows the stand-in gives (dev/clerk-standin/modes.ts): any subset of
 * `dead_keys`, `second_revoke`, `odd_secrets`, `unknown_routes`; the others keep theirs. `resetClerk` restores the
 * defaults. Resolves with every mode's value now.
 */
export async function setClerkModes(modes: Partial<Modes>): Promise<Modes> {
  return ((await post(`${CLERK}/__standin/modes`, modes)) as { modes: Modes }).modes;
}
/** Every mode's value now. */
export const clerkModes = async () => (await control(`${CLERK}/__standin/modes`)) as Modes;
export const clerkCalls = async () => (await control(`${CLERK}/__standin/calls`)) as ClerkCall[];
export const clerkKey = async (id: string) =>
  (await control(`${CLERK}/__standin/keys/${id}`)) as {
    revoked: boolean;
    expired: boolean;
    revoke_count: number;
    verify_count: number;
    revocation_reason: string | null;
  };

/** Clerk calls of one operation that reached the stand-in. */
export async function callsOf(operation: ClerkOperation): Promise<ClerkCall[]> {
  return (await clerkCalls()).filter((c) => c.operation === operation);
}

export const githubKeyFetches = async () =>
  ((await control(`${GITHUB_KEYS}/__standin/stats`)) as { fetches: number }).fetches;

/** A fresh signing key, published in a key-list stand-in (GitHub's by default). */
export async function publishedSigningKey(keyServer = GITHUB_KEYS): Promise<SigningKey> {
  const key = await generateSigningKey();
  await post(`${keyServer}/__standin/keys`, { key_identifier: key.keyIdentifier, key: key.publicKeyPem });
  return key;
}

export const GITLAB_KEYS = "https://gitlab.keys.test";
export const DEPSDEV_KEYS = "https://depsdev.keys.test";
export const NOTIFY = "https://notify.test";

/** A delivery the NOTIFY_URL stand-in received. */
export interface Delivery {
  /** When it arrived (ms since the epoch). */
  at: number;
  headers: Record<string, string>;
  body: string;
  status: number;
}

export const notifyDeliveries = async (receiver = NOTIFY) =>
  (await control(`${receiver}/__standin/received`)) as Delivery[];
export const failNotify = (status: number, times: number, receiver = NOTIFY) =>
  post(`${receiver}/__standin/fail`, { status, times });

const noted = (token: string) => {
  noteSecret(token);
  return token;
};

/** A GitHub-style match; its token is noted for the secrecy check. */
export const match = (token: string, extra: Record<string, unknown> = {}) => ({
  token: noted(token),
  type: "clerk_api_key",
  url: "https://github.com/octo/repo/blob/main/.env",
  source: "content",
  ...extra,
});

/** A signed alert request for the Worker, ready for `exports.default.fetch`. */
export async function signedAlert(
  key: SigningKey,
  body: string,
  sender: AlertSender = "github",
  headerPrefix?: string,
): Promise<Request> {
  const url = `http://autorevoke.test/v1/alerts/${sender}`;
  const alert = await createAlertRequest({
    url,
    body,
    key,
    sender,
    ...(headerPrefix ? { headerPrefix } : {}),
  });
  return new Request(alert.url, { method: "POST", headers: alert.headers, body: alert.body });
}
