/**
 * @module
 * What the incident log keeps, and for how long: sighting details are erased after the partner agreement's 30 days,
 * and sealed secrets are sealed again under the newest key when SEALING_KEYS rotates.
 */
import * as v from "valibot";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";
import { prefixEnd } from "./list-query";

/** A sealed secret and the row it belongs to. */
export interface SealedRow {
  tokenHash: string;
  sealedSecret: string;
}

/** A sealed secret sealed again: the value it replaces, and the new one. */
export interface Resealed {
  tokenHash: string;
  from: string;
  to: string;
}

/**
 * A random point inside a prefix's range: sealed values go on with a random IV in base64, so two characters of its
 * alphabet land anywhere among them. Values that will not open then cannot keep the rest from their turn.
 */
function randomStart(): string {
  const alphabet = "+-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint8Array(2));
  return (alphabet[a % alphabet.length] ?? "") + (alphabet[b % alphabet.length] ?? "");
}

const SealedRowSchema = v.object({ token_hash: v.string(), sealed_secret: v.string() });

/** Retention: erasure and resealing. */
export interface IncidentRetention {
  /**
   * Erases url, source and type of up to `limit` sightings first seen before `before`, oldest first, and swaps their
   * ids for random ones; answers how many. The incident never held them (its `token_type` is autorevoke's own
   * classification). A batch at a time: one statement over a backlog of millions would outrun D1's 30 s, roll back,
   * and never finish.
   */
  eraseSightingDetails(before: number, now: number, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` false positives (`ignored`, `not_found`) last seen before `before`, with their sightings and
   * attempts; answers how many incidents. They hold no secret and matter only for replays: a token seen again after
   * that is recorded afresh (an `ignored` one costs nothing, a `not_found` one a verify).
   */
  deleteFalsePositives(before: number, limit: number): Promise<number>;
  /**
   * Deletes attempts made before `before` among the oldest `limit` (attempt ids grow with time, so the oldest are
   * first and the walk reads `limit` rows at most); answers how many.
   */
  trimAttempts(before: number, limit: number): Promise<number>;
  /**
   * Up to `limit` sealed secrets whose value starts with one of `prefixes`, in random order, so that values which
   * will not open can never keep the rest from their turn.
   */
  sealedWithPrefix(prefixes: readonly string[], limit: number): Promise<SealedRow[]>;
  /**
   * Drops the sealed secret of up to `limit` `not_found` incidents last seen before `before`: kept so the verdict can be
   * checked again after a configuration change, but not forever. A later sighting brings the secret again.
   */
  dropStaleVerdictSecrets(before: number, limit: number): Promise<number>;
  /** Replaces each sealed secret that still holds `from` with `to`; answers how many did. */
  replaceSealed(rows: readonly Resealed[]): Promise<number>;
}

/** Builds it over a D1 database. */
export function createIncidentRetention(db: D1Database): IncidentRetention {
  return {
    async eraseSightingDetails(before, now, limit) {
      const [sightings, alerts] = await db.batch([
        db
          .prepare(
            // The id goes too: it is a keyed hash of the erased details, so whoever holds the keyring could still
            // match a candidate URL to it. A random one keeps the row (token, sender, times, count) and ties it to
            // nothing; the same details seen again start a new row. The rows come from the partial index
            // sightings_retention, oldest first: only those still to erase are read.
            `UPDATE sightings SET sighting_id = 'erased-' || lower(hex(randomblob(16))),
               url = NULL, source = NULL, type = NULL, erased_at = ?1
             WHERE rowid IN (SELECT rowid FROM sightings INDEXED BY sightings_retention
                             WHERE erased_at IS NULL AND first_seen_at < ?2 ORDER BY first_seen_at LIMIT ?3)`,
          )
          .bind(now, before, limit),
        // A GitHub App alert's claim row ties a repository and alert to a token's hash, which is a sighting's detail
        // too: it goes at the same age (through its index on created_at). A delivery of the alert after that reads
        // it resolved, and needs no claim.
        db
          .prepare(
            `DELETE FROM github_alerts WHERE rowid IN (SELECT rowid FROM github_alerts INDEXED BY github_alerts_created
             WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)`,
          )
          .bind(before, limit),
      ]);
      // The larger of the two, so that the sweep goes on while either still has a full batch due.
      return Math.max(sightings?.meta.changes ?? 0, alerts?.meta.changes ?? 0);
    },
    async deleteFalsePositives(before, limit) {
      // An incident still owing its team an event (reopened from failed, say) waits until it is delivered.
      // One transaction: the sightings and attempts first (sightings reference their incident), then the incidents.
      // Each statement picks the same incidents again through incidents_dismissed (migration 0013).
      const picked = `SELECT token_hash FROM incidents INDEXED BY incidents_dismissed
        WHERE status IN ('ignored', 'not_found') AND last_seen_at < ?1 AND notify_due IS NULL
        ORDER BY last_seen_at LIMIT ?2`;
      const results = await db.batch([
        db.prepare(`DELETE FROM sightings WHERE token_hash IN (${picked})`).bind(before, limit),
        db.prepare(`DELETE FROM incident_attempts WHERE token_hash IN (${picked})`).bind(before, limit),
        // RETURNING to count them: `meta.changes` counts the counters' triggers too (migration 0013).
        db.prepare(`DELETE FROM incidents WHERE token_hash IN (${picked}) RETURNING 1`).bind(before, limit),
      ]);
      return results.at(-1)?.results.length ?? 0;
    },
    async trimAttempts(before, limit) {
      const result = await db
        .prepare(
          `DELETE FROM incident_attempts WHERE attempt_id IN (
             SELECT attempt_id FROM (SELECT attempt_id, at FROM incident_attempts ORDER BY attempt_id LIMIT ?2)
             WHERE at < ?1)`,
        )
        .bind(before, limit)
        .run();
      return result.meta.changes;
    },
    async sealedWithPrefix(prefixes, limit) {
      // Each prefix is a range of the partial index incidents_sealed (migration 0005), read from a random point to
      // its end and then from its start: at most `limit` rows each way, and none at all for a prefix nothing holds
      // (as `v1.` is once its values are re-sealed), however many secrets other prefixes hold.
      const range = (from: string, to: string) =>
        db
          .prepare(
            `SELECT token_hash, sealed_secret FROM incidents INDEXED BY incidents_sealed
             WHERE sealed_secret IS NOT NULL AND sealed_secret >= ?1 AND sealed_secret < ?2
             ORDER BY sealed_secret LIMIT ?3`,
          )
          .bind(from, to, limit);
      const statements = prefixes.flatMap((prefix) => {
        const start = prefix + randomStart();
        return [range(start, prefixEnd(prefix)), range(prefix, start)];
      });
      if (statements.length === 0) return [];
      const results = await db.batch(statements);
      // Shuffled before the cut: a first prefix full of values that will not open must not take every slot, every run.
      const rows = results.flatMap((r) => r.results);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      return rows.slice(0, limit).map((row) => {
        const r = v.parse(SealedRowSchema, row);
        return { tokenHash: r.token_hash, sealedSecret: r.sealed_secret };
      });
    },
    async dropStaleVerdictSecrets(before, limit) {
      const result = await db
        .prepare(
          // Through the partial index incidents_not_found_sealed (migration 0013): only the secrets due are read.
          `UPDATE incidents SET sealed_secret = NULL
           WHERE token_hash IN (SELECT token_hash FROM incidents INDEXED BY incidents_not_found_sealed
             WHERE sealed_secret IS NOT NULL AND status = 'not_found' AND last_seen_at < ?1 LIMIT ?2)`,
        )
        .bind(before, limit)
        .run();
      return result.meta.changes;
    },
    async replaceSealed(rows) {
      const entries = rows.map((r) => ({ h: r.tokenHash, f: r.from, t: r.to }));
      // Conditional on the old value: a secret dropped (key id known), or replaced by a fresh sighting, since it was
      // read stays as it is now.
      const statements = chunkJsonArrays(entries, RECORD_PARAM_MAX_BYTES).map((json) =>
        db
          .prepare(
            `UPDATE incidents SET sealed_secret = j.value ->> '$.t'
             FROM json_each(?1) AS j
             WHERE incidents.token_hash = j.value ->> '$.h' AND incidents.sealed_secret = j.value ->> '$.f'`,
          )
          .bind(json),
      );
      if (statements.length === 0) return 0;
      const results = await db.batch(statements);
      return results.reduce((sum, r) => sum + r.meta.changes, 0);
    },
  };
}
