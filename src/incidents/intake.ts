/**
 * @module
 * Alert intake: records an alert's incidents and sightings in one batch. Every write is an upsert, so a replayed or
 * concurrent alert for the same token lands on the same rows, and what a final incident already holds stays as it is.
 */
import * as v from "valibot";
import type { Claim, IncidentState, KeyFacts, NewIncident, NewSighting } from "../domain/incident";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { confirmRevokedStatement } from "./confirm-revoked";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";
import { oweOwnerEmail } from "./owner-emails";
import { MACHINE_OF_TOKEN, parseClaim, StateRow, toState } from "./state-row";

/** Alert intake. */
export interface IncidentIntake {
  /**
   * Records an alert's incidents and sightings in one batch; answers each incident's state before `revoked` applies.
   * `revoked`: keys already revoked without the log (D1 was down), recorded revoked in the same batch.
   */
  record(
    sender: string,
    incidents: readonly NewIncident[],
    sightings: readonly NewSighting[],
    now: number,
    revoked?: readonly { tokenHash: string; key: KeyFacts }[],
    options?: RecordOptions,
  ): Promise<IncidentState[]>;
  /**
   * Records like `record`, and in the same batch claims `claim.tokenHashes` that are pending and unleased, whatever
   * their schedule (someone waits for the answer): the alert's first Clerk work starts one round trip sooner.
   */
  recordAndClaim(
    sender: string,
    incidents: readonly NewIncident[],
    sightings: readonly NewSighting[],
    now: number,
    claim: ClaimRequest,
  ): Promise<{ states: IncidentState[]; claims: Map<string, Claim> }>;
}

/** What to claim along with a record: these incidents, under one lease (one claimant holds them all). */
export interface ClaimRequest {
  tokenHashes: readonly string[];
  leaseId: string;
  leaseMs: number;
}

/**
 * How long a `not_found` stands before a new sighting verifies the token again. A key created moments before it leaked
 * may not yet have reached the Clerk replica that answered; a day bounds what a token that is really junk costs (one
 * verify a day at most, however often it is seen).
 */
export const NOT_FOUND_RECHECK_AFTER_MS = 86_400_000;

/**
 * When a sighting reopens an incident: it failed (another chance), or it is a `not_found` that can be verified again
 * (a secret or a key id to go on) and that was answered under another Clerk configuration (?4), a day or more ago
 * (?5), before the fingerprint existed, or an operator asks (?3). An operator's rotation of a machine's secret key
 * by its id is reopened whenever an operator asks again: unlike a revocation, a rotation can be done again (a new
 * secret may have leaked since). Evaluated on the row as it was before the upsert.
 */
function reopenCondition(): string {
  return `(incidents.status = 'failed' OR ${reclassified} OR (incidents.status = 'not_found'
    AND (incidents.sealed_secret IS NOT NULL OR excluded.sealed_secret IS NOT NULL OR incidents.key_id IS NOT NULL)
    AND (?3 OR incidents.verdict_config IS NOT ?4 OR incidents.checked_at IS NULL OR incidents.checked_at <= ?5))
    OR (?3 AND incidents.token_type = 'clerk_machine_id' AND incidents.status = 'revoked'))`;
}

/**
 * A token this code resolves that an older one ignored as not Clerk's (an `mt_` M2M token, before they were known):
 * reopened as what it is now, with its secret sealed and no label.
 */
const reclassified = `(incidents.status = 'ignored' AND incidents.token_type = 'other' AND excluded.status = 'pending')`;

/** What a final write owes beside itself: the team's event (NOTIFY_URL set), the owner's email (issue 26). */
export interface OutboxOptions {
  notificationsOn: boolean;
  ownerEmailsOn?: boolean;
}

/** Per-record choices. */
export interface RecordOptions {
  /** Verify a `not_found` again whatever its age and configuration: an operator asks. */
  recheck?: boolean;
}

/** The record's statements: incidents first (their `RETURNING` is the state), then sightings, then `revoked`. */
function recordStatements(
  db: D1Database,
  verdictConfig: string,
  sender: string,
  incidents: readonly NewIncident[],
  sightings: readonly NewSighting[],
  now: number,
  revoked: readonly { tokenHash: string; key: KeyFacts }[],
  options: RecordOptions,
  { notificationsOn, ownerEmailsOn }: OutboxOptions,
  claim?: ClaimRequest,
) {
  const claiming = new Set(claim?.tokenHashes);
  const sighted = new Set(sightings.map((r) => r.tokenHash));
  const incidentRows = incidents.map((r) => ({
    h: r.tokenHash,
    p: r.tokenPrefix,
    t: r.tokenType,
    s: r.status,
    l: r.label,
    x: r.sealedSecret,
    ...(claiming.has(r.tokenHash) ? { c: 1 } : {}),
    ...(sighted.has(r.tokenHash) ? { w: 1 } : {}),
  }));
  const reopen = reopenCondition();
  // The claim rides on the upsert (?6 the lease's end, ?7 its id), so it costs no statement of its own: a row marked
  // `c` is taken when it is, or becomes, pending and no lease is live on it. Evaluated on the row before the upsert.
  const claimable = `(excluded.lease_id IS NOT NULL AND (${reopen} OR incidents.status = 'pending')
    AND (incidents.claimed_until IS NULL OR incidents.claimed_until <= ?1))`;
  const incidentStatements = chunkJsonArrays(incidentRows, RECORD_PARAM_MAX_BYTES).map((json) =>
    db
      .prepare(
        `INSERT INTO incidents (token_hash, token_prefix, token_type, status, label, sealed_secret,
                                first_seen_at, last_seen_at, updated_at, claimed_until, lease_id, attempts, senders)
         SELECT j.value ->> '$.h', j.value ->> '$.p', j.value ->> '$.t', j.value ->> '$.s',
                j.value ->> '$.l', j.value ->> '$.x', ?1, ?1, ?1,
                CASE WHEN j.value ->> '$.c' THEN ?6 END, CASE WHEN j.value ->> '$.c' THEN ?7 END,
                CASE WHEN j.value ->> '$.c' THEN 1 ELSE 0 END,
                CASE WHEN j.value ->> '$.w' THEN json_array(?8) ELSE '[]' END
         FROM json_each(?2) AS j WHERE true
         ON CONFLICT (token_hash) DO UPDATE SET
           last_seen_at = excluded.last_seen_at,
           -- The senders that saw the token (the list's sender filter reads them here): this batch's sightings are
           -- this sender's (?8). Kept here rather than by a trigger on sightings, which read the incident again for
           -- every sighting (D1 counted 2 rows read a sighting); this is the one statement that writes sightings.
           senders = CASE WHEN excluded.senders <> '[]' AND instr(incidents.senders, json_quote(?8)) = 0
             THEN json_insert(incidents.senders, '$[#]', ?8) ELSE incidents.senders END,
           -- A new sighting of a failed incident gives it another chance, and one of a stale not_found checks it again.
           status = CASE WHEN ${reopen} THEN 'pending' ELSE incidents.status END,
           label = CASE WHEN ${reopen} THEN NULL ELSE incidents.label END,
           -- The fresh secret wins: it is sealed under the newest key, so it opens wherever the stored one
           -- does, and also where that one no longer can (its key removed, or a v1 value after a rotation of
           -- CLERK_SECRET_KEY). Both seal the same token: the row is keyed by the token's SHA-256, and each value is
           -- sealed with that hash as associated data, so a value sealed for another token would not open here.
           token_type = CASE WHEN ${reclassified} THEN excluded.token_type ELSE incidents.token_type END,
           sealed_secret = CASE
             WHEN incidents.status IN ('pending', 'failed', 'not_found', 'ignored')
               AND (incidents.key_id IS NULL OR incidents.token_type IN ('clerk_m2m_token', 'clerk_oauth_access_token'))
             THEN COALESCE(excluded.sealed_secret, incidents.sealed_secret)
             ELSE incidents.sealed_secret END,
           next_attempt_at = CASE WHEN ${reopen} THEN NULL ELSE incidents.next_attempt_at END,
           -- A reopened incident starts its give-up clock and counters afresh; a claim counts an attempt.
           attempts = CASE WHEN ${reopen} THEN 0 ELSE incidents.attempts END + CASE WHEN ${claimable} THEN 1 ELSE 0 END,
           failures = CASE WHEN ${reopen} THEN 0 ELSE incidents.failures END,
           failing_since = CASE WHEN ${reopen} THEN NULL ELSE incidents.failing_since END,
           claimed_until = CASE WHEN ${claimable} THEN excluded.claimed_until ELSE incidents.claimed_until END,
           lease_id = CASE WHEN ${claimable} THEN excluded.lease_id ELSE incidents.lease_id END,
           sweeps = CASE WHEN ${claimable} THEN 0 ELSE incidents.sweeps END,
           updated_at = CASE WHEN ${reopen} OR ${claimable} THEN excluded.updated_at ELSE incidents.updated_at END
         RETURNING token_hash, status, label, key_id, claimed_until, next_attempt_at,
           -- A claim's columns (state-row.ts's CLAIM_RETURNING); the sealed secret only of a claimed row, not of all
           -- of a big leak's.
           COALESCE(lease_id = ?7, 0) AS claimed, clerk_instance, key_subject, key_subject IS NOT NULL AS key_confirmed,
           CASE WHEN lease_id = ?7 THEN sealed_secret END AS sealed_secret, attempts, failures, failing_since,
           token_type, verdict_config, CASE WHEN lease_id = ?7 THEN ${MACHINE_OF_TOKEN} END AS machine`,
      )
      .bind(
        now,
        json,
        options.recheck ? 1 : 0,
        verdictConfig,
        now - NOT_FOUND_RECHECK_AFTER_MS,
        claim ? now + claim.leaseMs : null,
        claim?.leaseId ?? null,
        sender,
      ),
  );
  const sightingRows = sightings.map((r) => ({
    i: r.sightingId,
    h: r.tokenHash,
    u: r.url,
    s: r.source,
    t: r.type,
  }));
  const sightingStatements = chunkJsonArrays(sightingRows, RECORD_PARAM_MAX_BYTES).map((json) =>
    db
      .prepare(
        `INSERT INTO sightings (sighting_id, token_hash, sender, url, source, type, first_seen_at, last_seen_at)
         SELECT j.value ->> '$.i', j.value ->> '$.h', ?2, j.value ->> '$.u', j.value ->> '$.s',
                j.value ->> '$.t', ?1, ?1
         FROM json_each(?3) AS j WHERE true
         ON CONFLICT (sighting_id) DO UPDATE SET
           last_seen_at = excluded.last_seen_at, times_seen = sightings.times_seen + 1`,
      )
      .bind(now, sender, json),
  );
  // In the same batch (one transaction), so no resolver can see such an incident pending and verify it again.
  // A key revoked while D1 was down owes its owner an email as one revoked through the log does.
  const revokedStatements = revoked.flatMap((r) => [
    confirmRevokedStatement(db, r.tokenHash, now, r.key, notificationsOn),
    ...(ownerEmailsOn ? [oweOwnerEmail(db, r.tokenHash, now)] : []),
  ]);
  return { incidentStatements, rest: [...sightingStatements, ...revokedStatements] };
}

const ClaimedRow = v.object({ claimed: v.number() });

const statesOf = (results: readonly D1Result[]) =>
  results.flatMap((r) => r.results.map((row) => toState(v.parse(StateRow, row))));

/** Builds intake over a D1 database; `verdictConfig` fingerprints the Clerk configuration in force. */
export function createIncidentIntake(
  db: D1Database,
  verdictConfigOf: string | Promise<string>,
  outbox: OutboxOptions,
): IncidentIntake {
  return {
    async record(sender, incidents, sightings, now, revoked = [], options = {}) {
      const verdictConfig = await verdictConfigOf;
      const { incidentStatements, rest } = recordStatements(
        db,
        verdictConfig,
        sender,
        incidents,
        sightings,
        now,
        revoked,
        options,
        outbox,
      );
      if (incidentStatements.length === 0) return [];
      const results = await db.batch([...incidentStatements, ...rest]);
      return statesOf(results.slice(0, incidentStatements.length));
    },

    async recordAndClaim(sender, incidents, sightings, now, claim) {
      const verdictConfig = await verdictConfigOf;
      const { incidentStatements, rest } = recordStatements(
        db,
        verdictConfig,
        sender,
        incidents,
        sightings,
        now,
        [],
        {},
        outbox,
        claim,
      );
      if (incidentStatements.length === 0) return { states: [], claims: new Map() };
      const results = await db.batch([...incidentStatements, ...rest]);
      const rows = results.slice(0, incidentStatements.length).flatMap((r) => r.results);
      return {
        states: rows.map((row) => toState(v.parse(StateRow, row))),
        claims: new Map(
          rows
            .filter((row) => v.parse(ClaimedRow, row).claimed === 1)
            .map((row) => {
              const { tokenHash, ...taken } = parseClaim(claim.leaseId, row);
              return [tokenHash, taken];
            }),
        ),
      };
    },
  };
}
