/**
 * @module
 * The D1 adapter for GitHub App alerts autorevoke resolves (migrations/0012_github_app_alerts.sql): a claim before a
 * PATCH, so two deliveries of one alert PATCH it once, and the note that it was PATCHed. One row per alert, read and
 * written by its primary key only.
 */
import * as v from "valibot";

/** How long a claim fences a PATCH in flight; a claimant that died lets the next delivery (or retry) take over. */
export const GITHUB_PATCH_CLAIM_MS = 30_000;

/** The store. */
export interface GithubAlertStore {
  /** Claims the PATCH of `alertKey`: `patched` when it is done already, `held` while another claim is live. */
  claimPatch(
    alertKey: string,
    installationId: number,
    tokenHash: string,
    now: number,
  ): Promise<"claimed" | "held" | "patched">;
  /** The PATCH went through. */
  notePatched(alertKey: string, now: number): Promise<void>;
  /** The PATCH failed and will be tried again: the claim is let go. */
  releaseClaim(alertKey: string): Promise<void>;
}

const Row = v.object({ patched_at: v.nullable(v.number()), claimed_until: v.nullable(v.number()) });

/** Builds the store over the `DB` binding. */
export function createGithubAlertStore(db: D1Database): GithubAlertStore {
  return {
    async claimPatch(alertKey, installationId, tokenHash, now) {
      // The claim and what stopped it, in one statement: an insert, or an update only where no PATCH is done and no
      // claim is live; RETURNING says which.
      const claimed = await db
        .prepare(
          `INSERT INTO github_alerts (alert_key, installation_id, token_hash, claimed_until, created_at)
           VALUES (?1, ?2, ?3, ?4 + ?5, ?4)
           ON CONFLICT (alert_key) DO UPDATE SET claimed_until = ?4 + ?5, token_hash = ?3
             WHERE patched_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?4)
           RETURNING alert_key`,
        )
        .bind(alertKey, installationId, tokenHash, now, GITHUB_PATCH_CLAIM_MS)
        .first();
      if (claimed) return "claimed";
      const row = v.parse(
        Row,
        await db
          .prepare("SELECT patched_at, claimed_until FROM github_alerts WHERE alert_key = ?1")
          .bind(alertKey)
          .first(),
      );
      return row.patched_at === null ? "held" : "patched";
    },
    async notePatched(alertKey, now) {
      await db
        .prepare("UPDATE github_alerts SET patched_at = ?2, claimed_until = NULL WHERE alert_key = ?1")
        .bind(alertKey, now)
        .run();
    },
    async releaseClaim(alertKey) {
      await db
        .prepare("UPDATE github_alerts SET claimed_until = NULL WHERE alert_key = ?1 AND patched_at IS NULL")
        .bind(alertKey)
        .run();
    },
  };
}
