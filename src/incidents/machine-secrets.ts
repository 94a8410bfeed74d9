/**
 * @module
 * The SHA-256 of each machine's current secret key, per Clerk instance (migration 0015), never the secret itself: how
 * a leaked `ak_` that `apiKeys.verify` does not know is recognised as a machine secret key (read with its claim:
 * incidents/state-row.ts's MACHINE_OF_TOKEN). Kept by the refresh (use-cases/refresh-machine-secrets.ts) and by every
 * rotation.
 */
import * as v from "valibot";
import { chunkJsonArrays } from "./chunk-by-bytes";
import { RECORD_PARAM_MAX_BYTES } from "./d1-limits";

/** The machine a secret key hash belongs to. */
export interface MachineOfSecret {
  instance: string;
  machineId: string;
  machineName: string;
}

/** The machine secret hashes. */
export interface MachineSecrets {
  /** When the instance's machines were last listed; `undefined`: never. */
  listedAt(instance: string): Promise<number | undefined>;
  /**
   * The instance's machines as a full listing read them at `now`: new ones added (their hash still to read), names
   * updated, and those no longer listed dropped with their hashes.
   */
  replaceList(
    instance: string,
    machines: readonly { id: string; name: string }[],
    now: number,
  ): Promise<void>;
  /** Up to `limit` machines of the instance whose hash was read before `before` (or never), oldest first. */
  stale(instance: string, before: number, limit: number): Promise<string[]>;
  /** The machine's current secret key hash, read (or rotated to) at `now`. */
  setHash(instance: string, machineId: string, secretSha256: string, now: number): Promise<void>;
}

/** Builds them over D1. */
export function createMachineSecrets(db: D1Database): MachineSecrets {
  return {
    async listedAt(instance) {
      const at = await db
        .prepare("SELECT listed_at FROM machine_lists WHERE instance = ?1")
        .bind(instance)
        .first();
      return at === null ? undefined : v.parse(v.object({ listed_at: v.number() }), at).listed_at;
    },
    async replaceList(instance, machines, now) {
      const chunks = chunkJsonArrays(
        machines.map((m) => ({ i: m.id, n: m.name })),
        RECORD_PARAM_MAX_BYTES,
      );
      // One transaction: the machines listed now are upserted under the listing's time, then every other machine of
      // the instance goes (the listing is the whole truth), then the time is noted.
      await db.batch([
        ...chunks.map((json) =>
          db
            .prepare(
              `INSERT INTO machine_secrets (instance, machine_id, machine_name, listed)
               SELECT ?1, j.value ->> '$.i', j.value ->> '$.n', ?3 FROM json_each(?2) AS j WHERE true
               ON CONFLICT (instance, machine_id) DO UPDATE SET machine_name = excluded.machine_name, listed = ?3`,
            )
            .bind(instance, json, now),
        ),
        db.prepare("DELETE FROM machine_secrets WHERE instance = ?1 AND listed < ?2").bind(instance, now),
        db
          .prepare(
            `INSERT INTO machine_lists (instance, listed_at) VALUES (?1, ?2)
             ON CONFLICT (instance) DO UPDATE SET listed_at = excluded.listed_at`,
          )
          .bind(instance, now),
      ]);
    },
    async stale(instance, before, limit) {
      const { results } = await db
        .prepare(
          `SELECT machine_id FROM machine_secrets INDEXED BY machine_secrets_stale
           WHERE instance = ?1 AND (refreshed_at IS NULL OR refreshed_at < ?2) ORDER BY refreshed_at LIMIT ?3`,
        )
        .bind(instance, before, limit)
        .all();
      return results.map((r) => v.parse(v.object({ machine_id: v.string() }), r).machine_id);
    },
    async setHash(instance, machineId, secretSha256, now) {
      await db
        .prepare(
          "UPDATE machine_secrets SET secret_sha256 = ?3, refreshed_at = ?4 WHERE instance = ?1 AND machine_id = ?2",
        )
        .bind(instance, machineId, secretSha256, now)
        .run();
    },
  };
}
