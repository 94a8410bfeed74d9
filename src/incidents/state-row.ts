/**
 * @module
 * The incident state a writer needs back (status, label, key id, lease and schedule), parsed from D1's row.
 */
import * as v from "valibot";
import { type IncidentState, IncidentStatusSchema, LabelSchema } from "../domain/incident";

/** An incident's state row. */
export const StateRow = v.object({
  token_hash: v.string(),
  status: IncidentStatusSchema,
  label: v.nullable(LabelSchema),
  key_id: v.nullable(v.string()),
  claimed_until: v.nullable(v.number()),
  next_attempt_at: v.nullable(v.number()),
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
  };
}
