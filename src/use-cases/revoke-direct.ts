/**
 * @module
 * Revokes a leaked key without the incident log, for when D1 cannot be reached as an alert arrives: paced verify on
 * each Clerk instance in turn until one knows the secret, then a paced revoke there, with no claim. Without a claim two
 * alerts for the same token could both call Clerk; revoking a revoked key is harmless, and a leak that stays live is
 * not. The incident is recorded later from a queue message (record-later.ts) that says what happened here.
 */

import type { ClerkKey } from "../clerk/client";
import { clerkCredentialTypeOf } from "../domain/clerk-ids";
import { isUnrevocable } from "../domain/credential-kind";
import { REVOCATION_REASON } from "../domain/outcome";
import type { PacePriority } from "../domain/pace-schedule";
import type { Pacer } from "../pacing/pacer";
import type { ClerkInstance } from "./clerk-instance";
import { credentialCalls } from "./credential-calls";
import { waitForSlot } from "./wait-for-slot";

/** What a direct revocation came to. `unknown`: no label can be given (Clerk failed, or said 404, see below). */
export type DirectOutcome =
  | { kind: "revoked"; key: ClerkKey; instance: string }
  | { kind: "unknown"; reason: string };

/** What it works with. */
export interface DirectRevokerDeps {
  /** Every Clerk instance, in the order to ask them (production first). */
  instances: readonly ClerkInstance[];
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Revokes the key `secret` belongs to, waiting for slots in the pace until `deadlineAt`. */
export type RevokeDirect = (secret: string, deadlineAt: number) => Promise<DirectOutcome>;

/** Builds the direct revoker. */
export function createDirectRevoker(deps: DirectRevokerDeps): RevokeDirect {
  // The revoke of a key verify found live books ahead of verifies (`revoke` priority), as the resolver's does.
  const slot = async (pacer: Pacer, deadlineAt: number, priority: PacePriority = "inline") =>
    (await waitForSlot(pacer, deps.sleep, priority, Math.max(0, deadlineAt - deps.now()))).ok;
  const slowDownOn429 = async (
    pacer: Pacer,
    failure: { kind: string; status?: number; retryAfterSeconds?: number },
  ) => {
    if (failure.kind === "retryable" && failure.status === 429)
      await pacer.slowDown((failure.retryAfterSeconds ?? 1) * 1000);
  };

  return async (secret, deadlineAt) => {
    let reason = "verify_not_found";
    const tokenType = clerkCredentialTypeOf(secret) ?? "clerk_api_key";
    for (const instance of deps.instances) {
      if (!(await slot(instance.pacer, deadlineAt))) {
        reason = "clerk_paced";
        continue;
      }
      const calls = credentialCalls(tokenType, instance.clerk);
      const verified = await calls.verify(secret);
      if (!verified.ok) {
        await slowDownOn429(instance.pacer, verified.error);
        // A 404 is not a `false_positive` here: without the log we cannot tell a key Clerk never knew from one we
        // revoked ourselves last week. Any other failure outranks a 404 as the reason.
        if (verified.error.kind !== "not_found") reason = "verify_failed";
        continue;
      }
      // Dead already (Clerk's verify may answer 200 for a revoked or expired key): nothing to revoke. The record message
      // leaves it pending, and the resolver records what Clerk says once D1 is back.
      if (verified.value.revoked || verified.value.expired)
        return { kind: "unknown", reason: "key_inactive" };
      // A JWT cannot be revoked: the record message leaves it pending, and the resolver finishes it once D1 is back.
      if (isUnrevocable(tokenType)) return { kind: "unknown", reason: "cannot_be_revoked" };
      const context = { secret, subject: verified.value.subject };
      for (let n = calls.revokeCalls?.(context) ?? 1; n > 0; n--) {
        if (!(await slot(instance.pacer, deadlineAt, "revoke")))
          return { kind: "unknown", reason: "clerk_paced" };
      }
      const revoked = await calls.revoke(verified.value.id, REVOCATION_REASON, context);
      if (!revoked.ok) {
        await slowDownOn429(instance.pacer, revoked.error);
        return { kind: "unknown", reason: "revoke_failed" };
      }
      return { kind: "revoked", key: revoked.value, instance: instance.name };
    }
    return { kind: "unknown", reason };
  };
}
