/**
 * @module
 * The incident log's vocabulary, shared by the repository and the resolver.
 */

/** Where an incident stands. Only `pending` is unfinished. */
export type IncidentStatus = "pending" | "revoked" | "not_found" | "ignored" | "failed";

/** GitHub's feedback labels. */
export type Label = "true_positive" | "false_positive";

/** What the resolver needs to know about an incident. */
export interface IncidentState {
  tokenHash: string;
  status: IncidentStatus;
  label: Label | null;
  keyId: string | null;
  claimedUntil: number | null;
  /** When a queued retry is due; the queue does not claim the incident before. */
  nextAttemptAt: number | null;
}

/**
 * What autorevoke makes of a token, kept on the incident for good: shaped like a Clerk API key secret, a Clerk key id
 * an operator gave, or anything else. Never the type a sender reported: that is sighting data, which the partner
 * agreement has erased after 30 days (it lives on the sighting row until then). Three values derived from the token
 * alone identify no sighting.
 */
export type IncidentTokenType = "clerk_api_key" | "clerk_api_key_id" | "other";

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
  sealedSecret: string | null;
  /** Claims taken so far, this one included. */
  attempts: number;
  /** Real Clerk failures so far (waiting is not one). */
  failures: number;
  /** When the current run of real Clerk failures began; `null` while there is none. */
  failingSince: number | null;
  /** The Clerk instance that knows the key; `null` until one answered (every instance is then asked). */
  instance: string | null;
}

/** What Clerk told us of a key. */
export interface KeyFacts {
  id: string;
  subject: string;
  name: string;
  /** The Clerk instance that answered. */
  instance?: string;
}
