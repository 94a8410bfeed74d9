/**
 * @module
 * What a writer needs back from D1: an incident's state (status, label, key id, lease and schedule), and a claim.
 */
import * as v from "valibot";
import { JWT_TOKEN_TYPES } from "../domain/clerk-ids";
import { isUnrevocable } from "../domain/credential-kind";
import {
  type Claim,
  type IncidentState,
  IncidentStatusSchema,
  LabelSchema,
  TokenTypeSchema,
} from "../domain/incident";

/** An incident's state row. */
export const StateRow = v.object({
  token_hash: v.string(),
  status: IncidentStatusSchema,
  label: v.nullable(LabelSchema),
  key_id: v.nullable(v.string()),
  claimed_until: v.nullable(v.number()),
  next_attempt_at: v.nullable(v.number()),
  // Read where the state answers an operator (leases.get): a final JWT is not a revocation.
  token_type: v.optional(v.string()),
  already_inactive: v.optional(v.nullable(v.string())),
});

/** The domain state of a parsed row. */
export function toState(row: v.InferOutput<typeof StateRow>): IncidentState {
  return {
    tokenHash: row.token_hash,
    status: row.status,
    label: row.label,
    keyId: row.key_id,
    claimedUntil: row.claimed_until,
    nextAttemptAt: row.next_attempt_at,
    ...(row.status === "revoked" && row.already_inactive === null && isUnrevocable(row.token_type ?? "")
      ? { unrevocable: true as const }
      : {}),
  };
}

/**
 * The machine whose current secret key the token is, if any (incidents/machine-secrets.ts): read with the claim, so an
 * `ak_` that `apiKeys.verify` does not know costs no round trip of its own to be told from junk. A JSON object or NULL.
 */
export const MACHINE_OF_TOKEN = `(SELECT json_object('instance', m.instance, 'machineId', m.machine_id,
    'machineName', m.machine_name) FROM machine_secrets AS m INDEXED BY machine_secrets_by_hash
   WHERE m.secret_sha256 = token_hash AND token_type = 'clerk_api_key' LIMIT 1)`;

const MachineJsonSchema = v.pipe(
  v.string(),
  v.parseJson(),
  v.object({ instance: v.string(), machineId: v.string(), machineName: v.string() }),
);

/** The columns a claiming `UPDATE ... RETURNING` answers. */
export const CLAIM_RETURNING = `token_hash, key_id, clerk_instance, key_subject, key_subject IS NOT NULL AS key_confirmed, sealed_secret,
  attempts, failures, failing_since, token_type, verdict_config, ${MACHINE_OF_TOKEN} AS machine`;

const ClaimRow = v.object({
  token_hash: v.string(),
  key_id: v.nullable(v.string()),
  clerk_instance: v.nullable(v.string()),
  key_subject: v.nullable(v.string()),
  key_confirmed: v.number(),
  sealed_secret: v.nullable(v.string()),
  attempts: v.number(),
  failures: v.number(),
  failing_since: v.nullable(v.number()),
  token_type: TokenTypeSchema,
  verdict_config: v.optional(v.nullable(v.string()), null),
  machine: v.nullable(MachineJsonSchema),
});

/** The claim a claiming statement answered, under `leaseId`. */
export function parseClaim(leaseId: string, row: unknown): Claim & { tokenHash: string } {
  const parsed = v.parse(ClaimRow, row);
  return {
    tokenHash: parsed.token_hash,
    leaseId,
    keyId: parsed.key_id,
    keyConfirmed: parsed.key_confirmed === 1,
    keySubject: parsed.key_subject,
    sealedSecret: parsed.sealed_secret,
    attempts: parsed.attempts,
    failures: parsed.failures,
    failingSince: parsed.failing_since,
    instance: parsed.clerk_instance,
    tokenType: parsed.token_type,
    machine: parsed.machine,
    verdictConfig: parsed.verdict_config,
  };
}

/** The JWT token types as an SQL list, for `token_type IN (…)`: the kinds nothing can revoke (domain/clerk-ids.ts). */
export const JWT_TYPES_SQL = [...JWT_TOKEN_TYPES].map((t) => `'${t}'`).join(", ");
