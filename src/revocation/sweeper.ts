/**
 * @module
 * The cron job: re-enqueue incidents stranded as `pending` (the Worker may die between the D1 write
 * and the enqueue), erase sighting details older than the partner agreement allows, and re-seal secrets
 * sealed under older keys (./reseal.ts).
 */
import type { IncidentRepository } from "../incidents/repository";
import type { Logger } from "../lib/log";
import type { Sealer } from "../lib/seal";
import { enqueueRevocations } from "./enqueue";
import type { RevocationMessage } from "./queue-message";
import { resealOlderSecrets } from "./reseal";

/** How long past its due time a pending incident may sit before we assume its message was lost. */
export const STRANDED_GRACE_MS = 5 * 60_000;
/** Incidents re-enqueued per run; the next run takes the rest. */
export const SWEEP_BATCH_LIMIT = 1_000;
/** GitHub's partner agreement: delete url, source and type within 30 days. */
export const SIGHTING_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** What the sweeper works with. */
export interface SweeperDeps {
  repo: IncidentRepository;
  queue: Queue<RevocationMessage>;
  sealer: Sealer;
  log: Logger;
}

/** One sweep at `now` (the cron's scheduled time). */
export async function sweep(deps: SweeperDeps, now: number): Promise<{ requeued: number; erased: number }> {
  const stranded = await deps.repo.findStranded(now, STRANDED_GRACE_MS, SWEEP_BATCH_LIMIT);
  if (stranded.length > 0) {
    await enqueueRevocations(
      deps.queue,
      stranded.map((tokenHash) => ({ tokenHash, delaySeconds: 0 })),
    );
    // Due at once (the queue may claim them), and out of the next sweeps' sight for the grace period.
    await deps.repo.schedule(stranded, null, now);
  }
  const erased = await deps.repo.eraseSightingDetails(now - SIGHTING_RETENTION_MS, now);
  // Last, and on its own: re-sealing can wait for the next run, and its failure must not hide the sweep's log line.
  const sealed = await resealOlderSecrets(deps).catch((error: unknown) => {
    deps.log.error("reseal_failed", { error: error instanceof Error ? error.name : "unknown" });
    return { resealed: 0, unreadable: 0 };
  });
  deps.log.info("sweep", {
    requeued: stranded.length,
    erased,
    resealed: sealed.resealed,
    reseal_unreadable: sealed.unreadable,
  });
  return { requeued: stranded.length, erased };
}
