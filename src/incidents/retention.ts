/**
 * @module
 * What the incident log keeps, and for how long: sighting details are erased after the partner agreement's 30 days,
 * and sealed secrets are sealed again under the newest key when SEALING_KEYS rotates.
 */
import * as v from "valibot";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";

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

const SealedRowSchema = v.object({ token_hash: v.string(), sealed_secret: v.string() });

/** Retention: erasure and resealing. */
export interface IncidentRetention {
  /**
   * Erases url, source and type of sightings first seen before `before`, and swaps their ids for random ones;
   * answers how many. The incident never held them (its `token_type` is autorevoke's own classification).
   */
  eraseSightingDetails(before: number, now: number): Promise<number>;
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
    async eraseSightingDetails(before, now) {
      const [result] = await db.batch([
        db
          .prepare(
            // The id goes too: it is a keyed hash of the erased details, so whoever holds the keyring could still
            // match a candidate URL to it. A random one keeps the row (token, sender, times, count) and ties it to
            // nothing; the same details seen again start a new row.
            `UPDATE sightings SET sighting_id = 'erased-' || lower(hex(randomblob(16))),
               url = NULL, source = NULL, type = NULL, erased_at = ?1
             WHERE erased_at IS NULL AND first_seen_at < ?2`,
          )
          .bind(now, before),
        // A GitHub App alert's claim row ties a repository and alert to a token's hash, which is a sighting's detail
        // too: it goes at the same age (through its index on created_at). A delivery of the alert after that reads
        // it resolved, and needs no claim.
        db.prepare("DELETE FROM github_alerts WHERE created_at < ?1").bind(before),
      ]);
      return result?.meta.changes ?? 0;
    },
    async sealedWithPrefix(prefixes, limit) {
      // `sealed_secret IS NOT NULL` lets SQLite read the partial index incidents_sealed (migration 0005) instead of
      // every incident ever recorded.
      const { results } = await db
        .prepare(
          `SELECT token_hash, sealed_secret FROM incidents
           WHERE sealed_secret IS NOT NULL
             AND EXISTS (SELECT 1 FROM json_each(?1) AS p WHERE substr(sealed_secret, 1, length(p.value)) = p.value)
           ORDER BY random() LIMIT ?2`,
        )
        .bind(JSON.stringify(prefixes), limit)
        .all();
      return results.map((row) => {
        const r = v.parse(SealedRowSchema, row);
        return { tokenHash: r.token_hash, sealedSecret: r.sealed_secret };
      });
    },
    async dropStaleVerdictSecrets(before, limit) {
      const result = await db
        .prepare(
          `UPDATE incidents SET sealed_secret = NULL
           WHERE token_hash IN (SELECT token_hash FROM incidents
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
