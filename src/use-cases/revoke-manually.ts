/**
 * @module
 * `POST /v1/revocations`: an operator revokes a key by hand, and the incident log shows it with sender
 * `manual`.
 *
 * - By secret: exactly the alert path. The secret is hashed, recorded (sealed) with `intake.record`, and
 *   resolved by the same resolver, so the claim keeps it exactly-once with alerts for the same token
 *   and the secret is stored only sealed, never raw.
 * - By key id: there is no secret to hash, so the incident is keyed by SHA-256 of `key_id:<id>` (a
 *   namespace no secret hash can collide with; the same id always maps to the same incident). The key
 *   id is stored on the incident before the claim, and the same resolver revokes it: a known key id skips
 *   verify. Since Clerk never confirmed an operator's id, a 404 there means "no such key" (`not_found`),
 *   not "deleted since we verified it".
 *
 * A `not_found` incident is verified (or revoked by id) again: the operator asks now.
 *
 * Both draw on the same pace as alerts, with an alert's priority: an operator is waiting too. When Clerk
 * is unavailable the incident is released and queued like any other, and the queue finishes it. Known
 * limit: a queued retry revokes with the default reason, since the reason is not stored.
 */

import { clerkCredentialTypeOf, operatorIdTypeOf } from "../domain/clerk-ids";
import { MANUAL_DEADLINE_MS } from "../domain/deadlines";
import type { IncidentStatus, Label, NewIncident } from "../domain/incident";
import type { Outcome } from "../domain/outcome";
import type { MakeSighting } from "../domain/sighting-id";
import type { IncidentIntake } from "../incidents/intake";
import type { IncidentLeases } from "../incidents/leases";
import type { OperatorWrites } from "../incidents/operator-writes";
import { sha256Hex, tokenPrefix } from "../lib/hash";
import { err, ok, type Result } from "../lib/result";
import type { Sealer } from "../lib/seal";
import { enqueueRevocations } from "../queue/enqueue";
import type { QueueMessageBody } from "../queue/messages";
import type { ResolveToken } from "./resolve-token";

/** The sender recorded for manual revocations. */
export const MANUAL_SENDER = "manual";
/** The sighting's `source`: where an operator's revocation came from. */
export const MANUAL_SOURCE = "operators_api";

/** What a manual revocation works with. */
export interface ManualRevocationDeps {
  intake: IncidentIntake;
  leases: Pick<IncidentLeases, "get">;
  operatorWrites: Pick<OperatorWrites, "adoptKeyId">;
  /** The configured Clerk instances' names, production first. */
  instanceNames: readonly string[];
  resolve: ResolveToken;
  sealer: Sealer;
  makeSighting: MakeSighting;
  queue: Queue<QueueMessageBody>;
  now: () => number;
}

/** What a manual revocation came to. */
export type ManualOutcome =
  | "revoked"
  | "already_revoked"
  | "cannot_be_revoked"
  | "queued"
  | "not_found"
  | "failed";

/** The incident a manual revocation opened or found, and what became of it. */
export interface ManualRevocation {
  tokenHash: string;
  keyId: string | null;
  status: IncidentStatus;
  label: Label | null;
  outcome: ManualOutcome;
}

/** Why a revocation by id was refused before anything was recorded. */
export type InstanceError =
  | { kind: "not_an_id" }
  | { kind: "unknown_instance"; named: string; configured: readonly string[] }
  | { kind: "instance_required"; configured: readonly string[] };

/** The incident key of a revocation by key id. */
export const keyIdIncidentHash = (keyId: string) => sha256Hex(`key_id:${keyId}`);

async function record(
  deps: ManualRevocationDeps,
  incident: Omit<NewIncident, "status" | "label">,
): Promise<void> {
  // The same recipe as alerts' sightings, so repeated manual revocations count on one row.
  const sighting = await deps.makeSighting(incident.tokenHash, MANUAL_SENDER, {
    url: "",
    source: MANUAL_SOURCE,
    type: incident.tokenType,
  });
  // An operator asks now: a `not_found` is verified again whatever its age or configuration (a 404 is no reason to
  // refuse without asking Clerk: it may have come from a misconfiguration since fixed).
  await deps.intake.record(
    MANUAL_SENDER,
    [{ ...incident, status: "pending", label: null }],
    [sighting],
    deps.now(),
    [],
    { recheck: true },
  );
}

/** Queues what is unfinished and reads the incident back for the answer. */
async function conclude(
  deps: ManualRevocationDeps,
  tokenHash: string,
  outcome: Outcome,
): Promise<ManualRevocation> {
  let answer: ManualOutcome;
  switch (outcome.kind) {
    case "revoked":
      answer = outcome.unrevocable ? "cannot_be_revoked" : outcome.byThisCall ? "revoked" : "already_revoked";
      break;
    case "not_found":
    case "ignored":
      answer = "not_found";
      break;
    case "failed":
      answer = "failed";
      break;
    case "retry":
      await enqueueRevocations(deps.queue, [{ tokenHash, delaySeconds: outcome.retryAfterSeconds ?? 0 }]);
      answer = "queued";
      break;
    case "busy":
      // Another resolver holds the claim and will finish it (or its lease runs out and the sweeper will).
      answer = "queued";
      break;
  }
  const state = await deps.leases.get(tokenHash);
  return {
    tokenHash,
    keyId: state?.keyId ?? null,
    status: state?.status ?? "pending",
    label: state?.label ?? null,
    outcome: answer,
  };
}

const asOperator = (deps: ManualRevocationDeps, reason: string) =>
  ({
    reason,
    priority: "inline",
    deadlineAt: deps.now() + MANUAL_DEADLINE_MS,
    ignoreSchedule: true,
  }) as const;

/** Revokes the key a leaked secret belongs to, through the alert path. */
export async function revokeSecret(
  deps: ManualRevocationDeps,
  secret: string,
  reason: string,
): Promise<ManualRevocation> {
  const tokenHash = await sha256Hex(secret);
  await record(deps, {
    tokenHash,
    tokenPrefix: tokenPrefix(secret),
    // The route takes only Clerk-shaped secrets (http/requests.ts); an API key's shape is the fallback.
    tokenType: clerkCredentialTypeOf(secret) ?? "clerk_api_key",
    sealedSecret: await deps.sealer.seal(secret, tokenHash),
  });
  return conclude(deps, tokenHash, await deps.resolve(tokenHash, secret, asOperator(deps, reason)));
}

/**
 * The instance a revocation by key id goes to: the one named, which must be configured; with one instance, that one.
 * With several, naming none is refused: a key id belongs to one instance, and trying it on each would send a revoke
 * for a key of one team's instance to every other.
 */
export function instanceForKeyId(
  configured: readonly string[],
  named: string | undefined,
): Result<string | undefined, InstanceError> {
  if (named !== undefined) {
    return configured.includes(named) ? ok(named) : err({ kind: "unknown_instance", named, configured });
  }
  if (configured.length > 1) return err({ kind: "instance_required", configured });
  return ok(configured[0]);
}

/**
 * Acts on a Clerk credential by its id, on the instance named (which may be left out when there is only one): an API
 * key (`ak_…`) or an M2M token (`mt_…`) is revoked, a machine (`mch_…`) has its secret key rotated with no grace for
 * the old one. An M2M token revoked by id has no secret to verify, so a refused revoke cannot be confirmed and fails.
 */
export async function revokeKeyId(
  deps: ManualRevocationDeps,
  keyId: string,
  reason: string,
  namedInstance: string | undefined,
): Promise<Result<ManualRevocation, InstanceError>> {
  const tokenType = operatorIdTypeOf(keyId);
  if (tokenType === undefined) return err({ kind: "not_an_id" });
  const instance = instanceForKeyId(deps.instanceNames, namedInstance);
  if (!instance.ok) return instance;
  const tokenHash = await keyIdIncidentHash(keyId);
  await record(deps, {
    tokenHash,
    tokenPrefix: tokenPrefix(keyId),
    tokenType,
    sealedSecret: null,
  });
  // Stored before the claim, so the resolver (and a queued retry) revokes by id like any incident whose id is known.
  await deps.operatorWrites.adoptKeyId(tokenHash, keyId, deps.now(), instance.value);
  return ok(
    await conclude(deps, tokenHash, await deps.resolve(tokenHash, undefined, asOperator(deps, reason))),
  );
}
