/**
 * @module
 * Resolves one token: claim the incident → Clerk verify (secret → key id) → Clerk revoke → record.
 * The claim makes concurrent and repeated alerts call Clerk once per token; the key id is written
 * before the revoke, so a retry after a crash revokes by id instead of verifying a secret that Clerk,
 * having revoked it, would now call unknown.
 */
import type { ClerkGateway } from "../clerk/client";
import type { ClerkFailure } from "../clerk/failure";
import { attemptOf, type RecordAttempt } from "../incidents/attempts";
import type { IncidentRepository } from "../incidents/repository";
import type { IncidentState } from "../incidents/types";
import type { Sealer } from "../lib/seal";
import type { Outcome } from "./outcome";
import type { NotifyEventType } from "./queue-message";
import { retryDelaySeconds } from "./retry-policy";

/** The reason Clerk records on every key we revoke. */
export const REVOCATION_REASON = "Key compromised";

/**
 * How long a claim lasts: longer than a verify plus a revoke at their timeouts, so a live claimant
 * never loses its lease; short enough that a dead one's incident is picked up again soon.
 */
export const CLAIM_LEASE_MS = 30_000;

/** What the resolver works with. */
export interface ResolverDeps {
  repo: IncidentRepository;
  clerk: ClerkGateway;
  sealer: Sealer;
  now: () => number;
  random: () => number;
  retryBaseDelaySeconds?: number;
  /** Keeps the history of Clerk calls for operators; never throws. */
  recordAttempt?: RecordAttempt;
  /** Hears each outcome this resolver made final: the key owner's team is told about it. */
  onFinal?: (tokenHash: string, event: NotifyEventType) => void;
}

/** Per-call choices of a resolution. */
export interface ResolveOptions {
  /** What Clerk records as the revocation reason; `REVOCATION_REASON` unless an operator gave one. */
  reason?: string;
}

/** Resolves one token by its hash; `secret` is given inline and otherwise unsealed from the log. */
export type ResolveToken = (tokenHash: string, secret?: string, options?: ResolveOptions) => Promise<Outcome>;

/** Outcome of an incident that is final already, or leased by another resolver. */
export function outcomeFromState(state: IncidentState | undefined, now: number): Outcome {
  switch (state?.status) {
    case "revoked":
      return { kind: "revoked", keyId: state.keyId ?? "", now: false };
    case "not_found":
      return { kind: "not_found" };
    case "ignored":
      return { kind: "ignored" };
    case "failed":
      return { kind: "failed", reason: "incident_failed" };
    case "pending":
      return {
        kind: "busy",
        retryAfterSeconds: Math.max(1, Math.ceil(((state.claimedUntil ?? now) - now) / 1000)),
      };
    case undefined:
      return { kind: "failed", reason: "incident_missing" };
  }
}

/** A Clerk failure worth another attempt. */
export type RetryableFailure = ClerkFailure & { kind: "retryable" };

/**
 * Gives a claimed incident back after a retryable Clerk failure, due again after the retry policy's
 * delay (Clerk's `Retry-After` as its floor); the outcome carries that delay for the queue.
 */
export async function releaseForRetry(
  deps: Pick<ResolverDeps, "repo" | "now" | "random" | "retryBaseDelaySeconds">,
  tokenHash: string,
  attempts: number,
  failure: RetryableFailure,
): Promise<Outcome> {
  const now = deps.now();
  const delay = retryDelaySeconds({
    attempt: attempts,
    retryAfterSeconds: failure.retryAfterSeconds,
    baseDelaySeconds: deps.retryBaseDelaySeconds,
    random: deps.random(),
  });
  await deps.repo.release(tokenHash, now, now + delay * 1000, {
    error: failure.reason,
    traceId: failure.traceId,
  });
  const outcome: Outcome = { kind: "retry", reason: failure.reason, retryAfterSeconds: delay };
  return failure.status === undefined ? outcome : { ...outcome, status: failure.status };
}

/** Builds the resolver. */
export function createResolver(deps: ResolverDeps): ResolveToken {
  const { repo, clerk, sealer } = deps;

  const retry = (tokenHash: string, attempts: number, failure: RetryableFailure) =>
    releaseForRetry(deps, tokenHash, attempts, failure);

  async function fail(tokenHash: string, reason: string, traceId?: string): Promise<Outcome> {
    await repo.finish(tokenHash, "failed", null, deps.now(), { error: reason, traceId });
    deps.onFinal?.(tokenHash, "api_key.revocation_failed");
    return { kind: "failed", reason };
  }

  return async (tokenHash, inlineSecret, options) => {
    const claim = await repo.claim(tokenHash, deps.now(), CLAIM_LEASE_MS);
    if (!claim) return outcomeFromState(await repo.get(tokenHash), deps.now());

    let keyId = claim.keyId;
    if (keyId === null) {
      const secret =
        inlineSecret ?? (claim.sealedSecret ? await sealer.open(claim.sealedSecret, tokenHash) : undefined);
      if (secret === undefined) return fail(tokenHash, "sealed_secret_unreadable");

      const verified = await clerk.verify(secret);
      await deps.recordAttempt?.(attemptOf(tokenHash, "verify", verified, deps.now()));
      if (!verified.ok) {
        const failure = verified.error;
        switch (failure.kind) {
          case "not_found":
            await repo.finish(tokenHash, "not_found", "false_positive", deps.now(), {
              traceId: failure.traceId,
            });
            return { kind: "not_found" };
          case "retryable":
            return retry(tokenHash, claim.attempts, failure);
          case "final":
            return fail(tokenHash, `verify_${failure.reason}`, failure.traceId);
        }
      }
      keyId = verified.value.id;
      await repo.saveKey(tokenHash, verified.value, deps.now());
    }

    const revoked = await clerk.revoke(keyId, options?.reason ?? REVOCATION_REASON);
    await deps.recordAttempt?.(attemptOf(tokenHash, "revoke", revoked, deps.now()));
    if (!revoked.ok) {
      const failure = revoked.error;
      switch (failure.kind) {
        case "not_found":
          // Clerk knew the key a moment ago (we hold its id) and now has no such key: it was deleted,
          // which ends its use as surely as a revocation.
          await repo.finish(tokenHash, "revoked", "true_positive", deps.now(), {
            error: "key_gone_at_revoke",
            traceId: failure.traceId,
          });
          deps.onFinal?.(tokenHash, "api_key.revoked");
          return { kind: "revoked", keyId, now: false };
        case "retryable":
          return retry(tokenHash, claim.attempts, failure);
        case "final":
          return fail(tokenHash, `revoke_${failure.reason}`, failure.traceId);
      }
    }
    await repo.finish(tokenHash, "revoked", "true_positive", deps.now());
    deps.onFinal?.(tokenHash, "api_key.revoked");
    return { kind: "revoked", keyId, now: true };
  };
}
