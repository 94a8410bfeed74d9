/**
 * @module
 * The cron job: re-enqueue incidents stranded as `pending` (the Worker may die between the D1 write
 * and the enqueue, or the queue was down), queue notifications still owed, erase sighting details
 * older than the partner agreement allows, and re-seal secrets sealed under older keys (./reseal.ts).
 */

import { isNotifyEventType } from "../domain/notify-event";
import type { NotificationOutbox } from "../incidents/outbox";
import type { OwnerEmails } from "../incidents/owner-emails";
import type { IncidentRetention } from "../incidents/retention";
import type { IncidentSweeping } from "../incidents/sweeping";
import type { Logger } from "../lib/log";
import type { Sealer } from "../lib/seal";
import { errorName } from "../lib/settle";
import { enqueueRevocations, SEND_BATCH_MAX_MESSAGES } from "../queue/enqueue";
import { notifyMessage, ownerEmailMessage, type QueueMessageBody } from "../queue/messages";
import { resealOlderSecrets } from "./reseal";

/**
 * How long past its due time a pending incident may sit before we assume its message was lost, unless
 * SWEEP_GRACE_SECONDS says otherwise (the default of config.ts is this). One cron interval.
 */
export const STRANDED_GRACE_MS = 5 * 60_000;
/** Incidents re-enqueued per run; the next run takes the rest. */
export const SWEEP_BATCH_LIMIT = 1_000;
/** GitHub's partner agreement: delete url, source and type within 30 days. */
export const SIGHTING_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** Sealed secrets of old `not_found` verdicts dropped per sweep: a bounded write, well inside D1's limits. */
export const VERDICT_SECRETS_PER_SWEEP = 1_000;

/**
 * Retention works in batches, each statement well under D1's 30 s and its 5 s budget here, and stops for the sweep
 * once a batch comes back short (nothing more is due) or after `RETENTION_BATCHES_PER_SWEEP` of them. At one sweep
 * every 5 minutes, 10 batches of 2,000 erase up to 5.76 million sightings a day: a backlog of over a million is gone
 * within the day, and the steady inflow (a few thousand a day) in one short batch per sweep. Batches count against
 * the free plan's 50 D1 queries per invocation, with room left for the rest of the sweep.
 */
export const ERASE_BATCH = 2_000;
export const DELETE_BATCH = 500;
export const RETENTION_BATCHES_PER_SWEEP = 10;
/**
 * The D1 statements retention may run in one sweep, all its steps together: the free plan allows 50 queries per
 * invocation, and the rest of the cron (requeue, notifications, re-sealing, the health check) takes about a dozen.
 * Erasure draws on it first, since it is the partner agreement's promise; what is left waits for the next sweep.
 */
export const RETENTION_STATEMENTS_PER_SWEEP = 30;
/** Statements per batch of each retention step (src/incidents/retention.ts). */
const ERASE_STATEMENTS = 2;
const DELETE_STATEMENTS = 3;
const TRIM_STATEMENTS = 1;
/**
 * Attempts read per trimming walk: the oldest rows, deleted when due. A small first walk costs a steady sweep little
 * when nothing is due; a full one is followed by larger walks.
 */
export const TRIM_FIRST_WALK = 100;

const DAY_MS = 86_400_000;

/** What the sweeper works with. */
export interface SweeperDeps {
  sweeping: IncidentSweeping;
  retention: IncidentRetention;
  outbox: Pick<NotificationOutbox, "findOwedNotifications" | "noteNotificationsQueued">;
  queue: Queue<QueueMessageBody>;
  sealer: Sealer;
  log: Logger;
  /** Whether NOTIFY_URL is set: owed notifications are queued only then. */
  notificationsOn: boolean;
  /** The owner emails' outbox, while they are on: owed ones whose message was lost are queued again. */
  ownerEmails?: Pick<OwnerEmails, "findOwed" | "noteQueued">;
  /** SWEEP_GRACE_SECONDS in ms; `STRANDED_GRACE_MS` when absent. */
  strandedGraceMs?: number;
  /** FALSE_POSITIVE_RETENTION_DAYS and ATTEMPT_RETENTION_DAYS (config.ts); 90 each when absent. */
  retentionDays?: { falsePositives: number; attempts: number };
}

/** What one sweep did; a step that failed counts 0 and is logged. */
export interface SweepResult {
  requeued: number;
  notified: number;
  erased: number;
  resealed: number;
  /** False positives deleted past their retention, and attempts trimmed. */
  deleted: number;
  trimmed: number;
}

/**
 * One sweep at `now` (the cron's scheduled time). Its jobs are independent: a queue that is down must not
 * keep the partner agreement's erasure from running, so each is tried on its own. It throws only if every job failed,
 * so the cron's failure shows up in Cloudflare's dashboard.
 */
export async function sweep(deps: SweeperDeps, now: number): Promise<SweepResult> {
  const failed: string[] = [];
  const attempt = async (job: string, run: () => Promise<number>) => {
    try {
      return await run();
    } catch (error) {
      failed.push(job);
      deps.log.error("sweep_step_failed", { step: job, error: errorName(error) });
      return 0;
    }
  };
  const requeued = await attempt("requeue", () => requeueStranded(deps, now));
  const notified =
    (deps.notificationsOn ? await attempt("notify", () => queueOwedNotifications(deps, now)) : 0) +
    (await attempt("owner_email", () => queueOwedOwnerEmails(deps, now)));
  const budget = { statements: RETENTION_STATEMENTS_PER_SWEEP };
  const erased = await attempt("erase", () =>
    inBatches(budget, { limit: ERASE_BATCH, statements: ERASE_STATEMENTS }, (limit) =>
      deps.retention.eraseSightingDetails(now - SIGHTING_RETENTION_MS, now, limit),
    ),
  );
  const days = deps.retentionDays ?? { falsePositives: 90, attempts: 90 };
  const deleted = await attempt("delete_false_positives", () =>
    inBatches(budget, { limit: DELETE_BATCH, statements: DELETE_STATEMENTS }, (limit) =>
      deps.retention.deleteFalsePositives(now - days.falsePositives * DAY_MS, limit),
    ),
  );
  const trimmed = await attempt("trim_attempts", () =>
    inBatches(budget, { limit: ERASE_BATCH, statements: TRIM_STATEMENTS, first: TRIM_FIRST_WALK }, (limit) =>
      deps.retention.trimAttempts(now - days.attempts * DAY_MS, limit),
    ),
  );
  // A not_found keeps its sealed secret as long as the token's sightings keep their details, then lets it go.
  const dropped = await attempt("drop_verdict_secrets", () =>
    deps.retention.dropStaleVerdictSecrets(now - SIGHTING_RETENTION_MS, VERDICT_SECRETS_PER_SWEEP),
  );
  // Re-sealing can always wait for the next run.
  let unreadable = 0;
  const resealed = await attempt("reseal", async () => {
    const sealed = await resealOlderSecrets(deps);
    unreadable = sealed.unreadable;
    return sealed.resealed;
  });
  deps.log.info("sweep", {
    requeued,
    notified,
    erased,
    resealed,
    deleted,
    trimmed,
    verdict_secrets_dropped: dropped,
    reseal_unreadable: unreadable,
    ...(failed.length > 0 ? { failed } : {}),
  });
  if (failed.length === (deps.notificationsOn ? 7 : 6)) throw new Error(`sweep failed: ${failed.join(", ")}`);
  return { requeued, notified, erased, resealed, deleted, trimmed };
}

/**
 * Runs `step` with `limit` (the first time `first`) until it does less than that, has run RETENTION_BATCHES_PER_SWEEP
 * times, or the sweep's retention `budget` has no room for another batch of its `statements`; answers the total. What
 * is left waits for the next sweep.
 */
async function inBatches(
  budget: { statements: number },
  batch: { limit: number; statements: number; first?: number },
  step: (limit: number) => Promise<number>,
): Promise<number> {
  let total = 0;
  let size = batch.first ?? batch.limit;
  for (let i = 0; i < RETENTION_BATCHES_PER_SWEEP && budget.statements >= batch.statements; i++) {
    budget.statements -= batch.statements;
    const done = await step(size);
    total += done;
    if (done < size) break;
    size = batch.limit;
  }
  return total;
}

async function requeueStranded(deps: SweeperDeps, now: number): Promise<number> {
  const grace = deps.strandedGraceMs ?? STRANDED_GRACE_MS;
  const stranded = await deps.sweeping.findStranded(now, grace, SWEEP_BATCH_LIMIT);
  if (stranded.length === 0) return 0;
  await enqueueRevocations(
    deps.queue,
    stranded.map((tokenHash) => ({ tokenHash, delaySeconds: 0 })),
  );
  // Due at once (the queue may claim them), and out of the next sweeps' sight for twice as long.
  await deps.sweeping.markSwept(stranded, now);
  return stranded.length;
}

/** Queues the owner emails still owed past the grace period (their message lost), each at most once a grace period. */
async function queueOwedOwnerEmails(deps: SweeperDeps, now: number): Promise<number> {
  if (!deps.ownerEmails) return 0;
  const grace = deps.strandedGraceMs ?? STRANDED_GRACE_MS;
  const owed = await deps.ownerEmails.findOwed(now, grace, SWEEP_BATCH_LIMIT);
  const messages = owed.map((tokenHash) => ({
    body: ownerEmailMessage(tokenHash),
    contentType: "json" as const,
  }));
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX_MESSAGES) {
    await deps.queue.sendBatch(messages.slice(i, i + SEND_BATCH_MAX_MESSAGES));
  }
  if (owed.length > 0) await deps.ownerEmails.noteQueued(owed, now);
  return owed.length;
}

/** Queues the notifications still owed past the grace period: their send failed, or the Worker died first. */
async function queueOwedNotifications(deps: SweeperDeps, now: number): Promise<number> {
  const grace = deps.strandedGraceMs ?? STRANDED_GRACE_MS;
  const owed = await deps.outbox.findOwedNotifications(now, grace, SWEEP_BATCH_LIMIT);
  const messages = owed.flatMap(({ tokenHash, event }) =>
    isNotifyEventType(event) ? [{ body: notifyMessage(tokenHash, event), contentType: "json" as const }] : [],
  );
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX_MESSAGES) {
    await deps.queue.sendBatch(messages.slice(i, i + SEND_BATCH_MAX_MESSAGES));
  }
  if (owed.length > 0)
    await deps.outbox.noteNotificationsQueued(
      owed.map((o) => o.tokenHash),
      now,
      grace,
    );
  return messages.length;
}
