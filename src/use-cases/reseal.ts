/**
 * @module
 * Re-sealing, a batch per cron run: secrets sealed under an older key of SEALING_KEYS, or v1 ones sealed under
 * CLERK_SECRET_KEY before the keyring existed, are sealed again under the newest key. Once none is left under a key,
 * that key can leave the keyring; once no v1 value is left, rotating CLERK_SECRET_KEY touches no sealed secret. A
 * value that will not open is left as it is: the resolver decides what becomes of its incident.
 */
import type { IncidentRetention } from "../incidents/retention";
import type { Sealer } from "../lib/seal";

/**
 * Secrets re-sealed per run. Each costs two AES-GCM operations (well under a millisecond) and a few hundred bytes of
 * one UPDATE; at one run every five minutes this moves 57,600 a day, far more than are ever pending at once.
 */
export const RESEAL_BATCH_LIMIT = 200;

/** What re-sealing works with. */
export interface ResealDeps {
  retention: Pick<IncidentRetention, "sealedWithPrefix" | "replaceSealed">;
  sealer: Sealer;
}

/** Re-seals one batch under the newest key; answers how many were re-sealed and how many would not open. */
export async function resealOlderSecrets(
  deps: ResealDeps,
): Promise<{ resealed: number; unreadable: number }> {
  const { retention, sealer } = deps;
  if (sealer.olderPrefixes.length === 0) return { resealed: 0, unreadable: 0 };
  const rows = await retention.sealedWithPrefix(sealer.olderPrefixes, RESEAL_BATCH_LIMIT);
  const replacements = [];
  let unreadable = 0;
  for (const row of rows) {
    // The token hash is the associated data both ways: the value stays bound to its row.
    const secret = await sealer.open(row.sealedSecret, row.tokenHash);
    if (secret === undefined) {
      unreadable++;
      continue;
    }
    replacements.push({
      tokenHash: row.tokenHash,
      from: row.sealedSecret,
      to: await sealer.seal(secret, row.tokenHash),
    });
  }
  return { resealed: await retention.replaceSealed(replacements), unreadable };
}
