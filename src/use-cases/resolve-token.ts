/**
 * @module
 * Resolves one token: claim the incident → Clerk verify (secret → key id) → Clerk revoke → record. This is the one
 * state machine of an incident: alerts, the queue and operators all come through here.
 *
 * - The claim makes concurrent and repeated alerts call Clerk once per token. It carries a lease id, and every write
 *   after it applies only under that lease, so a resolver that lost its lease cannot overwrite a newer claimant's work.
 *   The one exception is a revocation Clerk confirmed: that is recorded whoever holds the lease, since it is the truth.
 * - The key id is written before the revoke, so a retry after a crash revokes by id instead of verifying a secret
 *   that Clerk, having revoked it, would now call unknown.
 * - Every Clerk call first books a slot from the instance's pacer. Waiting for a slot, a 429 and another claimant's
 *   lease are waiting, not failing: they never move the incident toward `failed`. Only real Clerk failures lasting
 *   `giveUpAfterMs` since the first one do.
 * - Several Clerk instances: a secret is verified on each in turn (production first) until one knows it, and the
 *   instance is recorded with the key id, so the revoke and every retry go to that instance alone. `not_found` only
 *   when every instance answered 404; an instance that failed, answered 429 or had no slot in its pace leaves the
 *   incident pending. An instance without a slot is passed over for now, so one instance's limit never holds up a
 *   key that another instance knows.
 * - What Clerk answers decides, not what we hoped (Clerk's OpenAPI allows all of these):
 *   - verify 200 with `revoked` or `expired`: the key is real and already dead. `revoked` / `true_positive`, marked
 *     `already_inactive`, and never revoked again;
 *   - verify 400 or 422 in Clerk's error body: Clerk refuses the token's shape, so it is no secret of Clerk's:
 *     `not_found` / `false_positive`;
 *   - a 4xx without Clerk's error body (a 404, 400 or 405 from a wrong CLERK_API_URL or a proxy): retried like an
 *     outage and logged `clerk_misconfigured`; it never labels a token;
 *   - a refused revoke (400, 409, 422): `GET /api_keys/{id}` decides. Revoked or expired there is `revoked`; still live
 *     there is `failed` (a person must look); gone there, after a verify knew it, is `revoked` (deleted);
 *   - a revoke's 404 is "deleted" only under the instance fingerprint that confirmed the key: under another (a secret
 *     key changed since), it waits as `clerk_configuration_changed`.
 * - A `not_found` records the fingerprint of the Clerk configuration that gave it (config/verdict-config.ts), so that
 *   intake can verify the token again when the configuration changes.
 * - An incident recorded under an instance name the configuration no longer has (renamed, `CLERK_SECRET_KEY` moved to
 *   `CLERK_SECRET_KEYS`) is looked for on every instance; only an instance that knows it finishes it. When none does,
 *   it waits as `clerk_instance_unknown` (the instance may have been removed, and its keys are still live there).
 */
import type { ClerkGateway, ClerkKey, CredentialCalls } from "../clerk/client";
import { type Attempt, attemptOf } from "../domain/attempt";
import { CLERK_MISCONFIGURED, type ClerkFailure } from "../domain/clerk-failure";
import { DEFAULT_INSTANCE } from "../domain/clerk-ids";
import { isUnrevocable } from "../domain/credential-kind";
import type { AlreadyInactive, Claim, IncidentState, IncidentTokenType, KeyFacts } from "../domain/incident";
import type { NotifyEventType } from "../domain/notify-event";
import type { Outcome } from "../domain/outcome";
import { REVOCATION_REASON } from "../domain/outcome";
import { type PacePriority, QUEUED_REVOKE_MAX_WAIT_MS } from "../domain/pace-schedule";
import { retryDelaySeconds } from "../domain/retry-policy";
import type { IncidentLeases } from "../incidents/leases";
import type { MachineOfSecret, MachineSecrets } from "../incidents/machine-secrets";
import type { Logger } from "../lib/log";
import { err, type Result } from "../lib/result";
import type { Sealer } from "../lib/seal";
import type { Pacer } from "../pacing/pacer";
import type { ClerkInstance } from "./clerk-instance";
import { credentialCalls } from "./credential-calls";
import { waitForSlot } from "./wait-for-slot";

/**
 * How long a claim lasts: longer than a verify plus a revoke at their timeouts plus a background wait for the pace,
 * so a live claimant never loses its lease; short enough that a dead one's incident is picked up again soon.
 */
export const CLAIM_LEASE_MS = 30_000;

/** The longest background work sleeps for a slot in the pace before handing the message back to the queue. */
export const BACKGROUND_MAX_WAIT_MS = 2_000;

/** Default of `GIVE_UP_AFTER_HOURS`: how long real Clerk failures may last before an incident ends `failed`. */
export const GIVE_UP_AFTER_HOURS = 24;

/** What the resolver works with. */
export interface ResolverDeps {
  leases: IncidentLeases;
  /** Every Clerk instance, in the order to ask them (production first). */
  instances?: readonly ClerkInstance[];
  /** One instance, named `default`: shorthand for `instances` (tests). */
  clerk?: ClerkGateway;
  pacer?: Pacer;
  sealer: Sealer;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  retryBaseDelaySeconds?: number;
  /** How long real Clerk failures may last, from the first, before the incident ends `failed`. */
  giveUpAfterMs: number;
  /** Hears each outcome this resolver made final: the key owner's team is told about it. */
  onFinal?: (tokenHash: string, event: NotifyEventType) => void;
  /** The fingerprint of the Clerk configuration, stored with each `not_found` (config/verdict-config.ts). */
  verdictConfig?: string | Promise<string>;
  /** Where `clerk_misconfigured` is logged. */
  log?: Logger;
  /**
   * The machine secret hashes (incidents/machine-secrets.ts), kept after a rotation. Whose secret an `ak_` is comes
   * with its claim (`Claim.machine`): one no instance's `apiKeys.verify` knows is rotated when it is a machine's.
   */
  machineSecrets?: Pick<MachineSecrets, "setHash">;
}

/** What a leaked `ak_` that is a machine's secret key is recorded as. */
const MACHINE_SECRET_KEY = "clerk_machine_secret_key" satisfies IncidentTokenType;

/** An `ak_` found to be a machine's secret is recorded as one; an operator's rotation by machine id stays that. */
const rotatedType = (claim: Claim): IncidentTokenType | undefined =>
  claim.tokenType === "clerk_api_key" ? MACHINE_SECRET_KEY : undefined;

/** A machine secret key's incident names its machine: key id and subject the machine's. */
const machineKey = (machine: MachineOfSecret, instance: ClerkInstance): KeyFacts => ({
  id: machine.machineId,
  subject: machine.machineId,
  name: machine.machineName || null,
  instance: instance.name,
});

/** Why an incident waits: the instance it is recorded under, or any configured now, does not have it. */
const INSTANCE_UNKNOWN = { kind: "retryable", reason: "clerk_instance_unknown" } as const;

/** A rotation's answer when Clerk has no such machine on the instance asked. */
const GONE = Symbol("gone");

/** Statuses of a revoke Clerk refused: the key may be revoked already, so a lookup decides. */
const REFUSED_REVOKE_STATUSES: ReadonlySet<number> = new Set([400, 409, 422]);
/** Statuses of a verify Clerk refused: a token of a shape Clerk does not issue, i.e. not a Clerk secret. */
const REFUSED_VERIFY_STATUSES: ReadonlySet<number> = new Set([400, 422]);

/**
 * Why a key Clerk knows is already dead, from its own answer: `undefined` when it is live; `ours` when it carries the
 * reason autorevoke revokes with (our own revocation, whose record was lost: a crash, or D1 down at the time).
 */
function inactiveOf(key: ClerkKey, reason: string): AlreadyInactive | "ours" | undefined {
  if (key.revoked) {
    return key.revocationReason === reason || key.revocationReason === REVOCATION_REASON
      ? "ours"
      : "revoked_elsewhere";
  }
  if (key.expired) return "expired";
  return undefined;
}

/** What the incident log keeps of a key Clerk described. */
const factsOf = (key: ClerkKey, instance: string, alreadyInactive?: AlreadyInactive): KeyFacts => ({
  id: key.id,
  subject: key.subject,
  name: key.name,
  instance,
  revocationReason: key.revocationReason,
  expiration: key.expiration,
  ...(alreadyInactive ? { alreadyInactive } : {}),
});

/** Per-call choices of a resolution. */
export interface ResolveOptions {
  /** What Clerk records as the revocation reason; `REVOCATION_REASON` unless an operator gave one. */
  reason?: string;
  /** Inline work (someone waits for the answer) goes first in the pace; the queue is `background`. */
  priority?: PacePriority;
  /** Inline work: the latest moment worth waiting for a slot until (ms since the epoch). */
  deadlineAt?: number;
  /** Claim even before a queued retry is due: a fresh sighting or an operator asks now. */
  ignoreSchedule?: boolean;
  /** A claim the caller already took for this token (an alert claims with its record, in one batch). */
  claim?: Claim;
}

/** Resolves one token by its hash; `secret` is given inline and otherwise unsealed from the log. */
export type ResolveToken = (tokenHash: string, secret?: string, options?: ResolveOptions) => Promise<Outcome>;

/** Outcome of an incident that is final already, or leased by another resolver, or not yet due. */
export function outcomeFromState(state: IncidentState | undefined, now: number): Outcome {
  switch (state?.status) {
    case "revoked":
      return {
        kind: "revoked",
        keyId: state.keyId ?? "",
        byThisCall: false,
        ...(state.unrevocable ? { unrevocable: true as const } : {}),
      };
    case "not_found":
      return { kind: "not_found" };
    case "ignored":
      return { kind: "ignored" };
    case "failed":
      return { kind: "failed", reason: "incident_failed" };
    case "pending": {
      const until = Math.max(state.claimedUntil ?? now, state.nextAttemptAt ?? now);
      return { kind: "busy", retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
    }
    case undefined:
      return { kind: "failed", reason: "incident_missing" };
  }
}

type Retryable = ClerkFailure & { kind: "retryable" };

/** The instances of `deps`, from `instances` or the one-instance shorthand. */
export function instancesOf(deps: {
  instances?: readonly ClerkInstance[];
  clerk?: ClerkGateway;
  pacer?: Pacer;
}): readonly ClerkInstance[] {
  if (deps.instances && deps.instances.length > 0) return deps.instances;
  if (deps.clerk && deps.pacer) return [{ name: DEFAULT_INSTANCE, clerk: deps.clerk, pacer: deps.pacer }];
  throw new Error("no Clerk instance configured");
}

/** The calls of the claimed token's credential kind on `instance`. */
const callsFor = (claim: Claim, instance: ClerkInstance): CredentialCalls =>
  credentialCalls(claim.tokenType, instance.clerk);

/** No slot to book: the call makes no Clerk request (a JWT checked against a key set the gateway holds). */
const NO_CALL = { ok: true } as const;

/** Builds the resolver. */
export function createResolver(deps: ResolverDeps): ResolveToken {
  const { leases, sealer } = deps;
  const instances = instancesOf(deps);

  /**
   * The Clerk calls made under each claim since its last state write. They go to D1 with the next write (leases.ts), so
   * the history costs no round trip of its own.
   */
  const histories = new WeakMap<Claim, Attempt[]>();
  const note = (claim: Claim, attempt: Attempt) => {
    const history = histories.get(claim);
    if (history) history.push(attempt);
    else histories.set(claim, [attempt]);
  };
  const history = (claim: Claim): Attempt[] => {
    const taken = histories.get(claim) ?? [];
    histories.delete(claim);
    return taken;
  };

  /** Reads the incident back after a lost lease: whoever holds it now decides. */
  const lostLease = async (tokenHash: string) => outcomeFromState(await leases.get(tokenHash), deps.now());

  async function fail(tokenHash: string, claim: Claim, reason: string, traceId?: string): Promise<Outcome> {
    if (
      !(await leases.finish(tokenHash, claim.leaseId, "failed", null, deps.now(), {
        error: reason,
        traceId,
        attempts: history(claim),
      }))
    ) {
      return lostLease(tokenHash);
    }
    deps.onFinal?.(tokenHash, "api_key.revocation_failed");
    return { kind: "failed", reason };
  }

  async function revoked(
    tokenHash: string,
    claim: Claim,
    keyId: string,
    key?: KeyFacts,
    error?: string,
    tokenType?: IncidentTokenType,
  ) {
    const now = deps.now();
    const details = {
      key,
      attempts: history(claim),
      ...(error ? { error } : {}),
      ...(tokenType ? { tokenType } : {}),
    };
    // Clerk confirmed it: record it under the lease, or over whoever holds the incident now.
    const recorded =
      (await leases.finish(tokenHash, claim.leaseId, "revoked", "true_positive", now, details)) ||
      (await leases.confirmRevoked(tokenHash, now, key));
    if (recorded) deps.onFinal?.(tokenHash, "api_key.revoked");
    return { kind: "revoked", keyId, byThisCall: recorded } satisfies Outcome;
  }

  /**
   * Clerk knows the key and it was dead already (revoked elsewhere, expired, deleted): nothing to revoke. Recorded under
   * the lease only; a lost lease means another resolver decides.
   */
  async function alreadyInactive(
    tokenHash: string,
    claim: Claim,
    key: KeyFacts & { alreadyInactive: AlreadyInactive },
  ) {
    const done = await leases.finish(tokenHash, claim.leaseId, "revoked", "true_positive", deps.now(), {
      key,
      attempts: history(claim),
    });
    if (!done) return lostLease(tokenHash);
    deps.onFinal?.(tokenHash, "api_key.already_inactive");
    return {
      kind: "revoked",
      keyId: key.id,
      byThisCall: false,
      inactive: key.alreadyInactive,
    } satisfies Outcome;
  }

  /**
   * A JWT the instance signed and that has not expired: Clerk keeps no state for it, so nothing can revoke it and it
   * works until its `exp`. Final all the same (`revoked` / `true_positive`: it is real, and all that can be done is
   * done), recorded with its expiry, and the team is told it cannot be revoked (`api_key.cannot_be_revoked`).
   */
  async function unrevocable(tokenHash: string, claim: Claim, key: KeyFacts): Promise<Outcome> {
    const done = await leases.finish(tokenHash, claim.leaseId, "revoked", "true_positive", deps.now(), {
      key,
      attempts: history(claim),
    });
    if (!done) return lostLease(tokenHash);
    deps.onFinal?.(tokenHash, "api_key.cannot_be_revoked");
    return { kind: "revoked", keyId: key.id, byThisCall: false, unrevocable: true } satisfies Outcome;
  }

  /**
   * A leaked machine secret key: its machine's secret is rotated with no grace for the old one, so the leaked value
   * stops at once; the machine stops working until its owners deploy the new secret, which only Clerk's dashboard
   * shows (its hash is kept, never it). Recorded `revoked` as a `clerk_machine_secret_key`, key id and subject the
   * machine's. A machine gone from Clerk (404) took its secret with it: revoked, `deleted`, by nobody here.
   */
  async function rotateMachine(
    tokenHash: string,
    claim: Claim,
    machine: MachineOfSecret,
    instance: ClerkInstance,
    options: ResolveOptions | undefined,
  ): Promise<Outcome> {
    const rotated = await rotateOrGone(tokenHash, claim, machine, instance, options);
    return rotated === GONE ? machineGone(tokenHash, claim, machine, instance) : rotated;
  }

  /**
   * A machine whose instance on record the configuration no longer has (renamed, or removed): each instance in turn
   * until one has it (a machine id names one machine of one instance). If none does, the instance may be gone from the
   * configuration while the machine still runs: it waits like an outage, and gives up only after as long.
   */
  async function rotateOnEach(
    tokenHash: string,
    claim: Claim,
    machine: MachineOfSecret,
    options: ResolveOptions | undefined,
  ): Promise<Outcome> {
    for (const instance of instances) {
      const here = { ...machine, instance: instance.name };
      const rotated = await rotateOrGone(tokenHash, claim, here, instance, options);
      if (rotated !== GONE) return rotated;
    }
    return retryable(tokenHash, claim, INSTANCE_UNKNOWN, undefined);
  }

  /** One rotation on `instance`; `GONE` when Clerk's 404 says it has no such machine. */
  async function rotateOrGone(
    tokenHash: string,
    claim: Claim,
    machine: MachineOfSecret,
    instance: ClerkInstance,
    options: ResolveOptions | undefined,
  ): Promise<Outcome | typeof GONE> {
    const wait = await revokeSlot(instance.pacer, options);
    if (!wait.ok) return pacedOut(tokenHash, claim, wait.retryAfterMs);
    const rotated = await instance.clerk.machines.rotate(machine.machineId);
    // In the history as the credential's revoke: a rotation is how a machine secret key is revoked, the incident's
    // token_type says which (and the attempts table's CHECK, which a new name would mean rebuilding, stays).
    note(claim, attemptOf(tokenHash, "revoke", rotated, deps.now(), instance.name));
    const key = machineKey(machine, instance);
    if (rotated.ok) {
      // The old hash now matches no machine; the new one is the machine's. A failed write only delays that.
      await deps.machineSecrets
        ?.setHash(instance.name, machine.machineId, rotated.value, deps.now())
        .catch(() => deps.log?.warn("machine_secret_hash_not_saved", { instance: instance.name }));
      return revoked(tokenHash, claim, machine.machineId, key, undefined, rotatedType(claim));
    }
    const failure = rotated.error;
    noteMisconfigured(failure, instance.name, "rotate");
    switch (failure.kind) {
      case "not_found":
        return GONE;
      case "retryable":
        return retryable(tokenHash, claim, failure, instance.pacer);
      case "final":
        return fail(tokenHash, claim, `rotate_${failure.reason}`, failure.traceId);
    }
  }

  /** A machine gone from Clerk (404) took its secret with it: revoked, `deleted`, by nobody here. */
  async function machineGone(
    tokenHash: string,
    claim: Claim,
    machine: MachineOfSecret,
    instance: ClerkInstance,
  ): Promise<Outcome> {
    const done = await leases.finish(tokenHash, claim.leaseId, "revoked", "true_positive", deps.now(), {
      key: machineKey(machine, instance),
      alreadyInactive: "deleted",
      error: "machine_gone_at_rotate",
      attempts: history(claim),
      tokenType: rotatedType(claim),
    });
    if (!done) return lostLease(tokenHash);
    deps.onFinal?.(tokenHash, "api_key.already_inactive");
    return { kind: "revoked", keyId: machine.machineId, byThisCall: false, inactive: "deleted" };
  }

  /** Every candidate answered that it does not know the token: `not_found`, with the configuration that said so. */
  async function notFound(tokenHash: string, claim: Claim, details: { traceId?: string; error?: string }) {
    const done = await leases.finish(tokenHash, claim.leaseId, "not_found", "false_positive", deps.now(), {
      ...details,
      attempts: history(claim),
      verdictConfig: await deps.verdictConfig,
    });
    return done ? ({ kind: "not_found" } satisfies Outcome) : lostLease(tokenHash);
  }

  /** A 404 that is not Clerk's: said once per call, with the instance, so an operator can find the setting. */
  function noteMisconfigured(failure: ClerkFailure, instance: string, operation: string) {
    if (failure.kind === "retryable" && failure.reason === CLERK_MISCONFIGURED) {
      deps.log?.error(CLERK_MISCONFIGURED, { instance, operation, status: failure.status ?? null });
    }
  }

  /** Hands the incident back until `delaySeconds` from now. */
  async function release(
    tokenHash: string,
    claim: Claim,
    delaySeconds: number,
    details: { error?: string; traceId?: string; failure: boolean },
  ): Promise<boolean> {
    const now = deps.now();
    return leases.release(tokenHash, claim.leaseId, now, now + delaySeconds * 1000, {
      ...details,
      attempts: history(claim),
    });
  }

  /** A retryable Clerk failure: wait (429), retry with backoff, or give up once failures have lasted long enough. */
  async function retryable(
    tokenHash: string,
    claim: Claim,
    failure: Retryable,
    pacer: Pacer | undefined,
  ): Promise<Outcome> {
    const waiting = failure.status === 429;
    if (waiting) await pacer?.slowDown((failure.retryAfterSeconds ?? 1) * 1000);
    else {
      const failingSince = claim.failingSince ?? deps.now();
      if (deps.now() - failingSince >= deps.giveUpAfterMs)
        return fail(tokenHash, claim, failure.reason, failure.traceId);
    }
    const delay = retryDelaySeconds({
      attempt: waiting ? 0 : claim.failures + 1,
      retryAfterSeconds: failure.retryAfterSeconds,
      baseDelaySeconds: deps.retryBaseDelaySeconds,
      random: deps.random(),
    });
    const details = {
      error: failure.reason,
      failure: !waiting,
      ...(failure.traceId ? { traceId: failure.traceId } : {}),
    };
    if (!(await release(tokenHash, claim, delay, details))) return lostLease(tokenHash);
    return {
      kind: "retry",
      reason: failure.reason,
      retryAfterSeconds: delay,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(waiting ? { waiting: true } : {}),
    };
  }

  /** Books a slot on `pacer` and sleeps until it. */
  function slot(pacer: Pacer, options: ResolveOptions | undefined) {
    const priority = options?.priority ?? "background";
    const maxWaitMs =
      priority === "inline"
        ? Math.max(0, (options?.deadlineAt ?? deps.now()) - deps.now())
        : BACKGROUND_MAX_WAIT_MS;
    return waitForSlot(pacer, deps.sleep, priority, maxWaitMs);
  }

  /**
   * Books a slot for the revoke (or the lookup after a refused one) of a key Clerk has said is live: the most valuable
   * call autorevoke makes, so it goes ahead of verifies (`revoke` priority). Inline, it may wait until the caller's
   * deadline; from the queue, for `QUEUED_REVOKE_MAX_WAIT_MS`.
   */
  function revokeSlot(pacer: Pacer, options: ResolveOptions | undefined) {
    const maxWaitMs =
      options?.priority === "inline"
        ? Math.max(0, (options?.deadlineAt ?? deps.now()) - deps.now())
        : QUEUED_REVOKE_MAX_WAIT_MS;
    return waitForSlot(pacer, deps.sleep, "revoke", maxWaitMs);
  }

  /** No slot in the pace: hands the incident back for `retryAfterMs`, as waiting. */
  async function pacedOut(tokenHash: string, claim: Claim, retryAfterMs: number): Promise<Outcome> {
    // 0 only from an inline call refused for its caller's deadline while the queue could book at once (pace-schedule.ts).
    const delay = retryAfterMs === 0 ? 0 : Math.max(1, Math.ceil(retryAfterMs / 1000));
    if (!(await release(tokenHash, claim, delay, { failure: false }))) return lostLease(tokenHash);
    return {
      kind: "retry",
      reason: "clerk_paced",
      retryAfterSeconds: delay,
      waiting: true,
    } satisfies Outcome;
  }

  /**
   * Verifies `secret` on each candidate in turn until one knows it. The verdict: the key and its instance; or every
   * candidate answered 404; or what kept an instance from answering (a failure, or no slot in its pace).
   */
  async function verifyEverywhere(
    tokenHash: string,
    claim: Claim,
    secret: string,
    candidates: readonly ClerkInstance[],
    options: ResolveOptions | undefined,
  ) {
    let unanswered: { failure: Retryable; pacer: Pacer } | undefined;
    let finalFailure: (ClerkFailure & { kind: "final" }) | undefined;
    let pacedForMs: number | undefined;
    let traceId: string | undefined;
    let refused: string | undefined;
    for (const instance of candidates) {
      const calls = callsFor(claim, instance);
      const wait = (calls.verifyCalls?.(secret) ?? 1) > 0 ? await slot(instance.pacer, options) : NO_CALL;
      if (!wait.ok) {
        pacedForMs = Math.min(pacedForMs ?? wait.retryAfterMs, wait.retryAfterMs);
        continue;
      }
      const verified = await calls.verify(secret);
      note(claim, attemptOf(tokenHash, "verify", verified, deps.now(), instance.name));
      if (verified.ok) return { kind: "known", instance, key: verified.value } as const;
      const failure = verified.error;
      noteMisconfigured(failure, instance.name, "verify");
      if (failure.kind === "not_found") traceId = failure.traceId ?? traceId;
      else if (failure.kind === "final" && REFUSED_VERIFY_STATUSES.has(failure.status)) {
        // Clerk will not take this token as a secret at all: as good an answer as its 404.
        refused ??= `verify_refused_${failure.reason}`;
        traceId = failure.traceId ?? traceId;
      } else if (failure.kind === "retryable") {
        // Told at once, so the pace of this instance slows before the next token asks it.
        if (failure.status === 429) await instance.pacer.slowDown((failure.retryAfterSeconds ?? 1) * 1000);
        unanswered ??= { failure, pacer: instance.pacer };
      } else finalFailure ??= failure;
    }
    if (unanswered) return { kind: "unanswered", failure: unanswered.failure } as const;
    if (pacedForMs !== undefined) return { kind: "paced", retryAfterMs: pacedForMs } as const;
    if (finalFailure) return { kind: "final", failure: finalFailure } as const;
    return { kind: "unknown", traceId, refused } as const;
  }

  /**
   * What Clerk holds of the credential now, after a refused revoke: by id where Clerk has the call (API keys), else by
   * verifying the secret again (M2M tokens), which must answer the same id. No secret to hand (it could not be opened):
   * unreadable, so the incident is retried rather than called anything.
   */
  async function lookUp(
    tokenHash: string,
    claim: Claim,
    calls: CredentialCalls,
    id: string,
    secret: string | undefined,
  ): Promise<Result<ClerkKey, ClerkFailure>> {
    if (calls.lookup) return calls.lookup(id);
    // Revoked by id alone (an operator's M2M token id), with no secret to verify: nothing can say what Clerk holds.
    if (secret === undefined && !claim.sealedSecret)
      return err({ kind: "final", reason: "unconfirmable_without_secret", status: 400 });
    if (secret === undefined && claim.sealedSecret) secret = await sealer.open(claim.sealedSecret, tokenHash);
    if (secret === undefined) return err({ kind: "retryable", reason: "secret_unavailable_for_lookup" });
    const verified = await calls.verify(secret);
    if (verified.ok && verified.value.id !== id)
      return err({ kind: "retryable", reason: "clerk_answered_another_id" });
    return verified;
  }

  return async (tokenHash, inlineSecret, options) => {
    const claimOptions = { ignoreSchedule: options?.ignoreSchedule ?? options?.priority === "inline" };
    const claim = options?.claim ?? (await leases.claim(tokenHash, deps.now(), CLAIM_LEASE_MS, claimOptions));
    if (!claim) return outcomeFromState(await leases.get(tokenHash), deps.now());

    // The instance on record, if any; else every instance, in order. A name the configuration no longer has (renamed,
    // or removed) is searched for on every instance, but only a positive answer counts: if none knows the token, its
    // instance may simply be gone from the configuration while its keys are still live, so it waits like an outage
    // (putting the instance back lets it finish) and gives up only after as long.
    let candidates = instances;
    const instanceUnknown = claim.instance !== null && !instances.some((i) => i.name === claim.instance);
    if (claim.instance !== null && !instanceUnknown) {
      candidates = instances.filter((i) => i.name === claim.instance);
    }
    const waitForInstance = () => retryable(tokenHash, claim, INSTANCE_UNKNOWN, undefined);

    // An operator's rotation of a machine's secret key, by the machine's id, on the instance named with it.
    if (claim.tokenType === "clerk_machine_id" && claim.keyId !== null) {
      const owner = candidates[0];
      const machine = { instance: owner?.name ?? "", machineId: claim.keyId, machineName: "" };
      if (instanceUnknown) return rotateOnEach(tokenHash, claim, machine, options);
      if (!owner || claim.instance === null) return waitForInstance();
      return rotateMachine(tokenHash, claim, machine, owner, options);
    }

    let keyId = claim.keyId;
    let keySubject = claim.keySubject;
    let confirmed = claim.keyConfirmed;
    /** Whether this run's own verify, under the configuration in force, confirmed the key. */
    let verifiedNow = false;
    /** The secret, once opened: a kind with no lookup by id verifies it again after a refused revoke. */
    let secret: string | undefined = inlineSecret;
    if (keyId === null) {
      const sealed = claim.sealedSecret;
      secret ??= sealed ? await sealer.open(sealed, tokenHash) : undefined;
      if (secret === undefined) {
        // Sealed under a key this keyring lacks: removed too early, or added by a deployment newer than this isolate.
        // Putting the key back opens it, so it waits like a Clerk outage and gives up only after as long.
        if (sealed && !sealer.holdsKeyFor(sealed))
          return retryable(tokenHash, claim, { kind: "retryable", reason: "sealing_key_unknown" }, undefined);
        return fail(tokenHash, claim, "sealed_secret_unreadable");
      }

      const verdict = await verifyEverywhere(tokenHash, claim, secret, candidates, options);
      switch (verdict.kind) {
        case "unknown": {
          // Every instance answered Clerk's 404 (or refused the token's shape).
          if (instanceUnknown) return waitForInstance();
          // An `ak_` may be a machine secret key, which `apiKeys.verify` does not know: its hash says whose.
          const machine = claim.tokenType === "clerk_api_key" ? claim.machine : null;
          const owner = machine && candidates.find((i) => i.name === machine.instance);
          if (machine && owner) return rotateMachine(tokenHash, claim, machine, owner, options);
          // Its hash was read under a name the configuration no longer has (renamed): the row stays until that name is
          // configured again, and the machine is found on whichever instance has it now.
          if (machine && !instances.some((i) => i.name === machine.instance))
            return rotateOnEach(tokenHash, claim, machine, options);
          return notFound(tokenHash, claim, {
            ...(verdict.traceId ? { traceId: verdict.traceId } : {}),
            ...(verdict.refused ? { error: verdict.refused } : {}),
          });
        }
        case "unanswered":
          return retryable(tokenHash, claim, verdict.failure, undefined);
        case "paced":
          return pacedOut(tokenHash, claim, verdict.retryAfterMs);
        case "final":
          return fail(tokenHash, claim, `verify_${verdict.failure.reason}`, verdict.failure.traceId);
        case "known":
          break;
      }
      const inactive = inactiveOf(verdict.key, options?.reason ?? REVOCATION_REASON);
      if (inactive === "ours") {
        return revoked(tokenHash, claim, verdict.key.id, factsOf(verdict.key, verdict.instance.name));
      }
      if (inactive) {
        return alreadyInactive(tokenHash, claim, {
          ...factsOf(verdict.key, verdict.instance.name, inactive),
          alreadyInactive: inactive,
        });
      }
      if (isUnrevocable(claim.tokenType)) {
        return unrevocable(tokenHash, claim, factsOf(verdict.key, verdict.instance.name));
      }
      keyId = verdict.key.id;
      keySubject = verdict.key.subject;
      confirmed = true;
      verifiedNow = true;
      candidates = [verdict.instance];
      if (
        !(await leases.saveKey(
          tokenHash,
          claim.leaseId,
          { ...verdict.key, instance: verdict.instance.name },
          deps.now(),
          history(claim),
          await verdict.instance.fingerprint,
        ))
      )
        return lostLease(tokenHash);
    }

    // A key id with no instance on record (an operator's, with one instance configured, or one recorded before there
    // were several): each instance in turn until one has the key.
    const reason = options?.reason ?? REVOCATION_REASON;
    let notFoundTrace: string | undefined;
    for (const instance of candidates) {
      const calls = callsFor(claim, instance);
      // An OAuth token is revoked by its value: open it when this run did not verify it.
      if (calls.revokesBySecret && secret === undefined && claim.sealedSecret)
        secret = await sealer.open(claim.sealedSecret, tokenHash);
      const context = { secret, subject: keySubject };
      for (let n = calls.revokeCalls?.(context) ?? 1; n > 0; n--) {
        const wait = await revokeSlot(instance.pacer, options);
        if (!wait.ok) return pacedOut(tokenHash, claim, wait.retryAfterMs);
      }
      const answer = await calls.revoke(keyId, reason, context);
      note(claim, attemptOf(tokenHash, "revoke", answer, deps.now(), instance.name));
      if (answer.ok) {
        // The 200 is Clerk's word that the revoke took. Its body's `revoked` is typed a plain boolean whose published
        // example is `false` (a mock of the spec answers that to every revoke), so a `false` there is said, not
        // believed over the status: retrying a revoke Clerk answered 200 would end in "revoke by hand" for a dead key.
        if (!answer.value.revoked)
          deps.log?.warn("clerk_revoke_answer_says_live", { instance: instance.name, token_hash: tokenHash });
        return revoked(tokenHash, claim, keyId, factsOf(answer.value, instance.name));
      }
      let failure = answer.error;
      noteMisconfigured(failure, instance.name, "revoke");
      if (failure.kind === "final" && REFUSED_REVOKE_STATUSES.has(failure.status)) {
        // Refused: perhaps revoked already (by us before a crash, or by someone else). Clerk's own record decides.
        const lookupSlot = await revokeSlot(instance.pacer, options);
        if (!lookupSlot.ok) return pacedOut(tokenHash, claim, lookupSlot.retryAfterMs);
        const looked = await lookUp(tokenHash, claim, calls, keyId, secret);
        note(claim, attemptOf(tokenHash, "lookup", looked, deps.now(), instance.name));
        if (looked.ok) {
          const key = looked.value;
          const inactive = inactiveOf(key, reason);
          // Our own reason on it: our earlier revoke, whose answer (or whose record) was lost.
          if (inactive === "ours") return revoked(tokenHash, claim, keyId, factsOf(key, instance.name));
          if (inactive) {
            return alreadyInactive(tokenHash, claim, {
              ...factsOf(key, instance.name, inactive),
              alreadyInactive: inactive,
            });
          }
          // Live, and Clerk will not revoke it: a person has to.
          return fail(tokenHash, claim, `revoke_refused_${failure.reason}`, failure.traceId);
        }
        failure = looked.error;
        noteMisconfigured(failure, instance.name, "lookup");
      }
      switch (failure.kind) {
        case "not_found":
          notFoundTrace = failure.traceId;
          continue;
        case "retryable":
          return retryable(tokenHash, claim, failure, instance.pacer);
        case "final":
          return fail(tokenHash, claim, `revoke_${failure.reason}`, failure.traceId);
      }
    }
    // Nobody has the key under a name we no longer know: its instance may be gone from the configuration.
    if (instanceUnknown) return waitForInstance();
    const knewIt = claim.verdictConfig ?? null;
    const askedNow = candidates.length === 1 ? await candidates[0]?.fingerprint : undefined;
    if (confirmed && !verifiedNow && knewIt !== null && askedNow !== undefined && knewIt !== askedNow) {
      // The instance knew the key under another key or URL than it has now (another instance's secret key pasted
      // since, say): this 404 says nothing of the key, and read as "deleted" it would end a live key's incident for
      // good. It waits like an outage, and gives up after as long; the setting that knew it, put back, revokes it. A
      // key confirmed before fingerprints were kept at confirmation (`null`) is read as before: deleted.
      const changed = { kind: "retryable", reason: "clerk_configuration_changed" } as const;
      return retryable(tokenHash, claim, changed, undefined);
    }
    if (confirmed) {
      // Clerk knew the key a moment ago (verify answered its id) and now has no such key: it was deleted, which
      // ends its use as surely as a revocation, though not by us.
      const done = await leases.finish(tokenHash, claim.leaseId, "revoked", "true_positive", deps.now(), {
        alreadyInactive: "deleted",
        error: "key_gone_at_revoke",
        attempts: history(claim),
      });
      if (!done) return lostLease(tokenHash);
      deps.onFinal?.(tokenHash, "api_key.already_inactive");
      return { kind: "revoked", keyId, byThisCall: false, inactive: "deleted" } satisfies Outcome;
    }
    // An operator's key id that Clerk never knew.
    return notFound(tokenHash, claim, notFoundTrace ? { traceId: notFoundTrace } : {});
  };
}
