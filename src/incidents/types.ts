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
}

/** A token about to be recorded: never the raw token, only its hash, prefix and sealed form. */
export interface NewIncident {
  tokenHash: string;
  tokenPrefix: string;
  tokenType: string;
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

/** A claimed incident: the claimant alone may call Clerk for it until the lease ends. */
export interface Claim {
  keyId: string | null;
  sealedSecret: string | null;
  attempts: number;
}
