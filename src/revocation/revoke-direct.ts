/**
 * @module
 * Revokes a leaked key without the incident log, for when D1 cannot be reached as an alert arrives: paced verify,
 * then paced revoke, with no claim. Without a claim two alerts for the same token could both call Clerk; revoking a
 * revoked key is harmless, and a leak that stays live is not. The incident is recorded later from a queue message
 * (record-later.ts) that says what happened here.
 */
import type { ClerkGateway, ClerkKey } from "../clerk/client";
import { type Pacer, waitForSlot } from "../pacing/pacer";
import { REVOCATION_REASON } from "./resolve-token";

/** What a direct revocation came to. `unknown`: no label can be given (Clerk failed, or said 404, see below). */
export type DirectOutcome = { kind: "revoked"; key: ClerkKey } | { kind: "unknown"; reason: string };

/** What it works with. */
export interface DirectRevokerDeps {
  clerk: ClerkGateway;
  pacer: Pacer;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Revokes the key `secret` belongs to, waiting for slots in the pace until `deadlineAt`. */
export type RevokeDirect = (secret: string, deadlineAt: number) => Promise<DirectOutcome>;

/** Builds the direct revoker. */
export function createDirectRevoker(deps: DirectRevokerDeps): RevokeDirect {
  const slot = async (deadlineAt: number) =>
    (await waitForSlot(deps.pacer, deps.sleep, "inline", Math.max(0, deadlineAt - deps.now()))).ok;
  const slowDownOn429 = async (failure: { kind: string; status?: number; retryAfterSeconds?: number }) => {
    if (failure.kind === "retryable" && failure.status === 429)
      await deps.pacer.slowDown((failure.retryAfterSeconds ?? 1) * 1000);
  };

  return async (secret, deadlineAt) => {
    if (!(await slot(deadlineAt))) return { kind: "unknown", reason: "clerk_paced" };
    const verified = await deps.clerk.verify(secret);
    if (!verified.ok) {
      await slowDownOn429(verified.error);
      // A 404 is not a `false_positive` here: without the log we cannot tell a key Clerk never knew from one we
      // revoked ourselves last week.
      return {
        kind: "unknown",
        reason: verified.error.kind === "not_found" ? "verify_not_found" : "verify_failed",
      };
    }
    if (!(await slot(deadlineAt))) return { kind: "unknown", reason: "clerk_paced" };
    const revoked = await deps.clerk.revoke(verified.value.id, REVOCATION_REASON);
    if (!revoked.ok) {
      await slowDownOn429(revoked.error);
      return { kind: "unknown", reason: "revoke_failed" };
    }
    return { kind: "revoked", key: revoked.value };
  };
}
