/**
 * @module
 * What resolving one token can come to, the feedback label each outcome earns, and the reason Clerk records.
 */
import type { AlreadyInactive, Label } from "./incident";

/** The reason Clerk records on every key autorevoke revokes, unless an operator gives one. */
export const REVOCATION_REASON = "Key compromised";

/**
 * The result of one resolution attempt. Only `retry` and `busy` leave the incident unfinished.
 * - `revoked.byThisCall`: this call made the revocation (as opposed to finding it made already).
 * - `revoked.inactive`: Clerk knew the key, and it was dead before anyone here revoked it (still `true_positive`).
 * - `revoked.unrevocable`: a live JWT the instance issued; nothing can revoke it, it works until it expires (still
 *   `true_positive`: it is real).
 * - `retry.waiting`: nothing failed; Clerk's budget is spent (the pace, or a 429) and the attempt waits its turn.
 */
export type Outcome =
  | { kind: "revoked"; keyId: string; byThisCall: boolean; inactive?: AlreadyInactive; unrevocable?: true }
  | { kind: "not_found" }
  | { kind: "ignored" }
  | { kind: "failed"; reason: string }
  | { kind: "retry"; reason: string; status?: number; retryAfterSeconds?: number; waiting?: boolean }
  | { kind: "busy"; retryAfterSeconds: number };

/**
 * `true_positive` when Clerk knew the secret (revoked now, or earlier by us); `false_positive` when it
 * cannot be a Clerk secret or Clerk never knew it; no label while the outcome is open or failed.
 */
export function labelFor(outcome: Outcome): Label | undefined {
  switch (outcome.kind) {
    case "revoked":
      return "true_positive";
    case "not_found":
    case "ignored":
      return "false_positive";
    case "failed":
    case "retry":
    case "busy":
      return undefined;
  }
}
