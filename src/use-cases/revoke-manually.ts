/**
 * @module
 * `POST /v1/revocations`: an operator revokes a key by hand, and the incident log shows it with sender
 * `manual`.
 *
 * - By secret: exactly the alert path. The secret is hashed, recorded (sealed) with `repo.record`, and
 *   resolved by the same resolver, so the claim keeps it exactly-once with alerts for the same token
 *   and the secret is stored only sealed, never raw.
 * - By key id: there is no secret to hash, so the incident is keyed by SHA-256 of `key_id:<id>` (a
 *   namespace no secret hash can collide with; the same id always maps to the same incident). The key
 *   id is stored on the incident before the claim, and the same resolver revokes it: a known key id skips
 *   verify. Since Clerk never confirmed an operator's id, a 404 there means "no such key" (`not_found`),
 *   not "deleted since we verified it".
 *
 * Both draw on the same pace as alerts, with an alert's priority: an operator is waiting too. When Clerk
 * is unavailable the incident is released and queued like any other, and the queue finishes it. Known
 * limit: a queued retry revokes with the default reason, since the reason is not stored.
 */

import type { NewIncident } from "../domain/incident";
import type { Outcome } from "../domain/outcome";
import type { RevocationMessage } from "../domain/queue-messages";
import type { MakeSighting } from "../domain/sighting-id";
import type { RevocationOutcome, RevocationResult } from "../http/responses";
import type { IncidentQueries } from "../incidents/queries";
import type { IncidentRepository } from "../incidents/repository";
import { sha256Hex, tokenPrefix } from "../lib/hash";
import { err, ok, type Result } from "../lib/result";
import type { Sealer } from "../lib/seal";
import { enqueueRevocations } from "../queue/enqueue";
import type { ResolveToken } from "./resolve-token";

/** The sender recorded for manual revocations. */
export const MANUAL_SENDER = "manual";
/** The sighting's `source`: where an operator's revocation came from. */
export const MANUAL_SOURCE = "operators_api";
/** Token type of incidents opened by key id. */
export const KEY_ID_TOKEN_TYPE = "clerk_api_key_id";
/** How long an operator's request waits for a slot in Clerk's pace before the revocation is queued instead. */
export const MANUAL_DEADLINE_MS = 8_000;

/** What a manual revocation works with. */
export interface ManualRevocationDeps {
  repo: IncidentRepository;
  queries: Pick<IncidentQueries, "adoptKeyId">;
  resolve: ResolveToken;
  sealer: Sealer;
  makeSighting: MakeSighting;
  queue: Queue<RevocationMessage>;
  now: () => number;
}

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
  await deps.repo.record(
    MANUAL_SENDER,
    [{ ...incident, status: "pending", label: null }],
    [sighting],
    deps.now(),
  );
}

/** Queues what is unfinished and reads the incident back for the answer. */
async function conclude(
  deps: ManualRevocationDeps,
  tokenHash: string,
  outcome: Outcome,
): Promise<RevocationResult> {
  let answer: RevocationOutcome;
  switch (outcome.kind) {
    case "revoked":
      answer = outcome.byThisCall ? "revoked" : "already_revoked";
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
  const state = await deps.repo.get(tokenHash);
  return {
    token_hash: tokenHash,
    key_id: state?.keyId ?? null,
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
): Promise<RevocationResult> {
  const tokenHash = await sha256Hex(secret);
  await record(deps, {
    tokenHash,
    tokenPrefix: tokenPrefix(secret),
    tokenType: "clerk_api_key",
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
): Result<string | undefined, string> {
  if (named !== undefined) {
    return configured.includes(named)
      ? ok(named)
      : err(`No Clerk instance is named ${named}; configured: ${configured.join(", ")}.`);
  }
  if (configured.length > 1)
    return err(
      `Several Clerk instances are configured (${configured.join(", ")}): name the key's in "instance".`,
    );
  return ok(configured[0]);
}

/** Revokes a key by its id, on `instance`. */
export async function revokeKeyId(
  deps: ManualRevocationDeps,
  keyId: string,
  reason: string,
  instance?: string,
): Promise<RevocationResult> {
  const tokenHash = await keyIdIncidentHash(keyId);
  await record(deps, {
    tokenHash,
    tokenPrefix: tokenPrefix(keyId),
    tokenType: KEY_ID_TOKEN_TYPE,
    sealedSecret: null,
  });
  // Stored before the claim, so the resolver (and a queued retry) revokes by id like any incident whose id is known.
  await deps.queries.adoptKeyId(tokenHash, keyId, deps.now(), instance);
  return conclude(deps, tokenHash, await deps.resolve(tokenHash, undefined, asOperator(deps, reason)));
}
