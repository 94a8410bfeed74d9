/**
 * @module
 * The revocation events sent to the key owner's team, in the Standard Webhooks payload shape
 * `{type, timestamp, data}`. Built from the incident log, so they hold a token's prefix and hash but
 * never the token.
 */
import * as v from "valibot";
import { type CredentialAction, credentialKindOf } from "./credential-kind";
import type { AlreadyInactive } from "./incident";
import { maskAddress } from "./owner-email";

/**
 * The event types sent to the key owner's team, for every Clerk credential kind (`data.token_type` says which, and
 * `data.action` what was done to it: domain/credential-kind.ts). `api_key.already_inactive`: a leaked credential Clerk
 * knows was already revoked elsewhere or expired, so autorevoke revoked nothing; the leak is still worth knowing
 * about. `api_key.cannot_be_revoked`: a live JWT the instance issued, which works until `data.key_expiration`.
 */
export const NotifyEventTypeSchema = v.picklist([
  "api_key.revoked",
  "api_key.revocation_failed",
  "api_key.already_inactive",
  "api_key.cannot_be_revoked",
]);

/** Slack's incoming-webhook host; a NOTIFY_URL there gets Slack messages instead of signed events. */
export const SLACK_WEBHOOK_HOST = "hooks.slack.com";

/** Whether NOTIFY_URL is a Slack incoming webhook, which takes `{text}` and no signature. */
export const isSlackWebhook = (url: string) => new URL(url).hostname === SLACK_WEBHOOK_HOST;

/** A notification event type. */
export type NotifyEventType = v.InferOutput<typeof NotifyEventTypeSchema>;

/** Whether a stored value names a notification event type. */
export const isNotifyEventType = (value: string): value is NotifyEventType =>
  v.is(NotifyEventTypeSchema, value);

/** What the incident log knows about a token, for an event. */
export interface EventFacts {
  tokenHash: string;
  tokenPrefix: string;
  tokenType: string;
  status: string;
  keyId: string | null;
  keyName: string | null;
  keySubject: string | null;
  /** The Clerk instance the key belongs to, when one answered for it. */
  instance: string | null;
  revokedAt: number | null;
  /** Why the key was dead before autorevoke revoked it (`api_key.already_inactive`). */
  alreadyInactive: AlreadyInactive | null;
  clerkRevocationReason: string | null;
  keyExpiration: number | null;
  lastError: string | null;
  /** The key owner's email (issue 26), when one was owed: where it stands, why not, to whom (full addresses). */
  ownerEmail?: { state: string; reason: string | null; to: string[] } | null;
  /** The first place the token was seen (details may be erased after 30 days). */
  sender: string | null;
  url: string | null;
  source: string | null;
}

/** A notification event. */
export interface RevocationEvent {
  type: NotifyEventType;
  timestamp: string;
  data: {
    token_hash: string;
    token_prefix: string;
    token_type: string;
    /** What autorevoke does to a live credential of this kind (`revoked`, `rotated`, `grant_revoked`, `cannot_be_revoked`). */
    action: CredentialAction;
    key_id: string | null;
    key_name: string | null;
    key_subject: string | null;
    /** The Clerk instance (a `CLERK_SECRET_KEYS` name, `default` for `CLERK_SECRET_KEY`). */
    instance: string | null;
    sender: string | null;
    url: string | null;
    source: string | null;
    revoked_at: string | null;
    failure_reason: string | null;
    /** `api_key.already_inactive`: `revoked_elsewhere`, `expired` or `deleted`; `null` otherwise. */
    already_inactive: AlreadyInactive | null;
    /** Clerk's revocation reason, for a key revoked elsewhere. */
    clerk_revocation_reason: string | null;
    /** When the key expires or expired, if it has an expiry. */
    key_expiration: string | null;
    /**
     * The key owner's email, when the revocation owed one: `due` (to be sent), `sent`, or `not_sent` with its reason
     * (`no_owner_to_email` for a machine's key); addresses masked, since a team channel is not only operators.
     */
    owner_email: { state: string; reason: string | null; to: string[] } | null;
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Builds the event for `type` at `now`. */
export function buildEvent(type: NotifyEventType, facts: EventFacts, now: number): RevocationEvent {
  return {
    type,
    timestamp: new Date(now).toISOString(),
    data: {
      token_hash: facts.tokenHash,
      token_prefix: facts.tokenPrefix,
      token_type: facts.tokenType,
      action: credentialKindOf(facts.tokenType).action,
      key_id: facts.keyId,
      key_name: facts.keyName,
      key_subject: facts.keySubject,
      instance: facts.instance,
      sender: facts.sender,
      url: facts.url,
      source: facts.source,
      // A JWT nothing could revoke has no revocation time, only its expiry.
      revoked_at: type === "api_key.cannot_be_revoked" ? null : iso(facts.revokedAt),
      failure_reason: type === "api_key.revocation_failed" ? facts.lastError : null,
      already_inactive: type === "api_key.already_inactive" ? facts.alreadyInactive : null,
      clerk_revocation_reason: facts.clerkRevocationReason,
      key_expiration: iso(facts.keyExpiration),
      owner_email: facts.ownerEmail
        ? {
            state: facts.ownerEmail.state,
            reason: facts.ownerEmail.reason,
            to: facts.ownerEmail.to.map(maskAddress),
          }
        : null,
    },
  };
}

/**
 * The `webhook-id`: the same for every delivery attempt of one event, so receivers can drop duplicates, as Standard
 * Webhooks intends; and another for the next event of the same kind about the same token (a reopened incident that
 * fails again), so such a receiver does not drop that one. The first event keeps the id it always had.
 */
export const eventId = (type: NotifyEventType, tokenHash: string, generation = 1) =>
  `msg_${type.replace(/[^a-z]/g, "_")}_${tokenHash.slice(0, 32)}${generation > 1 ? `_g${generation}` : ""}`;
