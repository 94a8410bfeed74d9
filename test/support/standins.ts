/**
 * Drives the dev stand-ins from inside the Workers runtime. Every outbound fetch of the test and of the
 * Worker goes through Miniflare's `outboundService` (dev/outbound.ts), so these calls reach the same
 * stand-in instances the Worker talks to.
 */

import type { Modes } from "../../dev/clerk-standin";
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

/** A Clerk call as the stand-in logged it (never a raw secret). */
export interface ClerkCall {
  operation: string;
  status: number;
  keyId?: string;
  secretSha256?: string;
  body?: unknown;
}

/** A fresh Clerk stand-in, and a fresh budget for it in the Worker's pacer. */
export async function resetClerk(): Promise<void> {
  await post(`${CLERK}/__standin/reset`);
  await resetPacer();
}
export async function createLiveKey(input: Record<string, unknown> = {}): Promise<LiveKey> {
  const key = (await post(`${CLERK}/__standin/keys`, input)) as LiveKey;
  noteSecret(key.secret);
  return key;
}
/** An opaque M2M token the stand-in minted for a machine: its id, its raw value (watched for) and its machine. */
export interface LiveM2MToken {
  id: string;
  token: string;
  subject: string;
}
export async function createM2MToken(input: Record<string, unknown> = {}): Promise<LiveM2MToken> {
  const minted = (await post(`${CLERK}/__standin/m2m_tokens`, input)) as LiveM2MToken;
  noteSecret(minted.token);
  return minted;
}
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
export async function callsOf(operation: "verify" | "revoke"): Promise<ClerkCall[]> {
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
