/**
 * @module
 * The incident log's vocabulary: each term declared once, as a valibot schema with its type derived from it, so the
 * D1 adapters, the queue messages and the HTTP layer parse and describe the same words the same way.
 */
import * as v from "valibot";
import type { AttemptRecord } from "./attempt";

/** Where an incident stands. Only `pending` is unfinished. */
export const IncidentStatusSchema = v.picklist(["pending", "revoked", "not_found", "ignored", "failed"]);
/** Where an incident stands. */
export type IncidentStatus = v.InferOutput<typeof IncidentStatusSchema>;

/** GitHub's feedback labels. */
export const LabelSchema = v.picklist(["true_positive", "false_positive"]);
/** A feedback label. */
export type Label = v.InferOutput<typeof LabelSchema>;

/**
 * What autorevoke makes of a token, kept on the incident for good: which Clerk credential it is shaped as, or turned
 * out to be (it picks the calls the resolver makes: domain/clerk-ids.ts, domain/credential-kind.ts), an id an operator
 * gave (a key's, an M2M token's, a machine's), or anything else. Never the
 * type a sender reported: that is sighting data, which the partner agreement has erased after 30 days (it lives on
 * the sighting row until then). Values derived from the token alone identify no sighting.
 */
export const TokenTypeSchema = v.picklist([
  "clerk_api_key",
  "clerk_m2m_token",
  "clerk_machine_secret_key",
  "clerk_oauth_access_token",
  "clerk_m2m_jwt",
  "clerk_oauth_jwt",
  "clerk_api_key_id",
  "clerk_m2m_token_id",
  "clerk_machine_id",
  "other",
]);
/** autorevoke's classification of a token. */
export type IncidentTokenType = v.InferOutput<typeof TokenTypeSchema>;

/**
 * Why a `revoked` incident's key was dead before autorevoke revoked it: revoked by someone else, expired, or deleted
 * between verify and revoke. `null` on an incident autorevoke (or an operator through it) revoked.
 */
export const AlreadyInactiveSchema = v.picklist(["revoked_elsewhere", "expired", "deleted"]);
/** Why a key was already dead. */
export type AlreadyInactive = v.InferOutput<typeof AlreadyInactiveSchema>;

/** The incident key: SHA-256 of the token, lowercase hex. Never the token. */
export const TokenHashSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/** What the resolver needs to know about an incident. */
export interface IncidentState {
  tokenHash: string;
  status: IncidentStatus;
  label: Label | null;
  keyId: string | null;
  claimedUntil: number | null;
  /** When a queued retry is due; the queue does not claim the incident before. */
  nextAttemptAt: number | null;
  /** A final, live JWT: real, and nothing could revoke it (domain/credential-kind.ts). */
  unrevocable?: true;
}

/** A token about to be recorded: never the raw token, only its hash, prefix and sealed form. */
export interface NewIncident {
  tokenHash: string;
  tokenPrefix: string;
  tokenType: IncidentTokenType;
  /** `pending` for tokens to resolve; `ignored` for tokens that cannot be Clerk secrets. */
  status: "pending" | "ignored";
  label: Label | null;
  sealedSecret: string | null;
}

/** One place a token was seen. */
export interface NewSighting {
  sightingId: string;
  tokenHash: string;
  url: string;
  source: string;
  type: string;
}

/**
 * A claimed incident: the claimant alone may call Clerk for it until the lease ends, and every state write it makes
 * afterwards names `leaseId`, so it applies only while the incident is still its own.
 */
export interface Claim {
  leaseId: string;
  keyId: string | null;
  /** Clerk confirmed `keyId` (a verify answered it). An operator's key id is unconfirmed until revoked. */
  keyConfirmed: boolean;
  /** The owner verify answered (`key_subject`): an OAuth token's client, whose application revokes it. */
  keySubject: string | null;
  sealedSecret: string | null;
  /** Claims taken so far, this one included. */
  attempts: number;
  /** Real Clerk failures so far (waiting is not one). */
  failures: number;
  /** When the current run of real Clerk failures began; `null` while there is none. */
  failingSince: number | null;
  /** The Clerk instance that knows the key; `null` until one answered (every instance is then asked). */
  instance: string | null;
  /** Which credential the token is (`clerk_m2m_token` for an M2M token): it picks Clerk's calls. */
  tokenType: IncidentTokenType;
  /** The machine whose current secret key an `ak_` token is, as autorevoke last read the hashes; else `null`. */
  machine: { instance: string; machineId: string; machineName: string } | null;
  /**
   * The fingerprint of the Clerk configuration that gave the incident's last verdict (config/verdict-config.ts): the
   * one that confirmed `keyId`, for a pending incident. `null` for a key confirmed before fingerprints were kept at
   * confirmation; optional so that claims written out by hand (tests) may leave it.
   */
  verdictConfig?: string | null;
}

/** What Clerk told us of a key. */
export interface KeyFacts {
  id: string;
  subject: string;
  /** The key's name; `null` for an M2M token, which has none. */
  name: string | null;
  /** The Clerk instance that answered. */
  instance?: string;
  /** Why the key was already dead when Clerk was asked; absent when it was live (autorevoke revoked it). */
  alreadyInactive?: AlreadyInactive;
  /** Clerk's `revocation_reason`, for a key revoked elsewhere. */
  revocationReason?: string | null;
  /** Clerk's `expiration` (ms since the epoch), when the key has one. */
  expiration?: number | null;
}

/** An incident as the operators' read side sees it. Never the sealed secret. */
export interface IncidentSummary {
  tokenHash: string;
  tokenPrefix: string;
  tokenType: IncidentTokenType;
  status: IncidentStatus;
  label: Label | null;
  keyId: string | null;
  keyName: string | null;
  keySubject: string | null;
  /** The Clerk instance that knows the key; `null` until one answered. */
  instance: string | null;
  attempts: number;
  lastError: string | null;
  clerkTraceId: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
  /** Why the key was dead before autorevoke revoked it; `null` when autorevoke revoked it (or it is not revoked). */
  alreadyInactive: AlreadyInactive | null;
  /** Clerk's revocation reason, for a key revoked elsewhere. */
  clerkRevocationReason: string | null;
  /** Clerk's expiration of the key, when it has one. */
  keyExpiration: number | null;
  /** When Clerk last answered that it does not know the token (a `not_found` verdict). */
  checkedAt: number | null;
  /** The fingerprint of the Clerk configuration that gave that verdict (config/verdict-config.ts). */
  verdictConfig: string | null;
  /** Senders that reported the token, sorted. */
  senders: string[];
  nextAttemptAt: number | null;
  updatedAt: number;
}

/** Where a token was seen, as recorded; `url`, `source` and `type` are `null` once erased. */
export interface SightingRecord {
  sender: string;
  url: string | null;
  source: string | null;
  type: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  timesSeen: number;
  erased: boolean;
}

/** The revocation event owed to NOTIFY_URL for an incident, and how its delivery went. */
export interface NotificationRecord {
  /** When the receiver took the event; `null` until then. */
  deliveredAt: number | null;
  /** The event owed and not yet delivered (`api_key.revoked`, ...); `null` when none is. */
  owedEvent: string | null;
  /** When the owed event was last put on the queue. */
  queuedAt: number | null;
  /** Why the last delivery failed (a classified reason, never a body). */
  lastError: string | null;
}

/** An incident with its history, newest first; `truncated` says whether older rows were left out. */
export interface IncidentHistory {
  incident: IncidentSummary;
  notification: NotificationRecord;
  sightings: SightingRecord[];
  attempts: AttemptRecord[];
  truncated: { sightings: boolean; attempts: boolean };
}

/** A count on one day. */
export interface DayCount {
  /** The day's first millisecond, UTC. */
  day: number;
  count: number;
}

/** The incident log at a glance, as the console's overview shows it. */
export interface IncidentOverview {
  /** The first millisecond the per-day series and the time-to-revoke figures cover. */
  from: number;
  /** Every incident ever recorded, by where it stands now. */
  byStatus: Record<IncidentStatus, number>;
  /** New incidents (tokens first reported) per day, oldest first. */
  alertsPerDay: DayCount[];
  /** Incidents revoked per day, oldest first. */
  revocationsPerDay: DayCount[];
  /** From the first sighting to Clerk's confirmed revocation, for incidents revoked since `from`. */
  timeToRevoke: {
    revoked: number;
    /** How many of the latest revocations p50 and p95 are taken over: `revoked`, or a sample of the latest. */
    percentilesOf: number;
    p50Ms: number | null;
    p95Ms: number | null;
    /** A histogram; `upperMs` is each bucket's exclusive upper bound, `null` for the last, open one. */
    buckets: { upperMs: number | null; count: number }[];
  };
  /** What needs an operator: failed first, then pending, most recently changed first. */
  open: IncidentSummary[];
}
