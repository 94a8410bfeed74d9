/**
 * @module
 * The `REVOCATIONS` queue consumer: each message on its own, `ack` when the outcome is final. An unfinished one (a
 * retryable failure, a wait for Clerk's budget, another claimant) goes back on the queue as a fresh message with its
 * delay, and the old one is acked. So waiting never spends the queue's retries: `max_retries` and the dead-letter
 * queue are only a safety net for messages whose handling throws (D1 down, say), and the give-up policy lives in the
 * resolver (GIVE_UP_AFTER_HOURS). After a 429 or a refused slot, the rest of the batch is deferred behind it without
 * touching Clerk or D1 claims. Notification messages go to deliver-notification.ts, on their own retry schedule.
 */
import * as v from "valibot";
import type { Outcome } from "../domain/outcome";
import { retryDelaySeconds } from "../domain/retry-policy";
import type { AlertRef } from "../github/github-app-client";
import type { IncidentIntake } from "../incidents/intake";
import type { IncidentLeases } from "../incidents/leases";
import type { Logger } from "../lib/log";
import { enqueueRevocations, type QueuedRevocation } from "../queue/enqueue";
import { type QueueMessageBody, QueueMessageSchema } from "../queue/messages";
import type { NotificationCollector } from "../queue/notification-collector";
import type { DeliverNotification } from "./deliver-notification";
import { type GithubAlertStep, githubAlertFromMessage } from "./github-alert-message";
import { type RecheckDeps, recheckFromMessage } from "./recheck-not-found";
import { recordLater } from "./record-later";
import type { ResolveToken } from "./resolve-token";
import type { SendOwnerEmail } from "./send-owner-email";

/** Messages of one batch handled at once: the Workers connection limit. */
export const CONSUMER_CONCURRENCY = 6;

/** What the consumer works with. */
export interface ConsumerDeps {
  resolve: ResolveToken;
  leases: Pick<IncidentLeases, "schedule">;
  /** Records alerts D1 could not take when they arrived (record-later.ts). */
  intake: IncidentIntake;
  queue: Queue<QueueMessageBody>;
  log: Logger;
  random: () => number;
  now: () => number;
  /** Delivers one notification message's event (deliver-notification.ts). */
  deliverNotification: DeliverNotification;
  notifications: NotificationCollector;
  retryBaseDelaySeconds?: number;
  /** Reopens the next chunk of an operator's re-check (recheck-not-found.ts). */
  operatorWrites: RecheckDeps["operatorWrites"];
  /** Handles a GitHub App's alert (handle-github-alert.ts); absent while the App is not configured. */
  githubAlert?: (ref: AlertRef) => Promise<GithubAlertStep>;
  /** Tells a revoked key's owner (send-owner-email.ts); absent while owner emails are off. */
  sendOwnerEmail?: SendOwnerEmail;
}

/** A message to put back on the queue; `unclaimed` when it was deferred without being resolved. */
interface Deferred {
  message: Message<unknown>;
  item: QueuedRevocation;
  unclaimed: boolean;
}

/** Handles one batch of the revocation queue. */
export async function consumeRevocations(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  /** Set by the first wait for Clerk's budget: the rest of the batch is deferred this long without calling Clerk. */
  let pausedFor: number | undefined;
  const deferred: Deferred[] = [];
  const backoff = (message: Message<unknown>) =>
    retryDelaySeconds({
      attempt: message.attempts,
      baseDelaySeconds: deps.retryBaseDelaySeconds,
      random: deps.random(),
    });
  const defer = (message: Message<unknown>, tokenHash: string, delaySeconds: number, unclaimed = false) =>
    deferred.push({ message, item: { tokenHash, delaySeconds }, unclaimed });

  async function revoke(message: Message<unknown>, tokenHash: string) {
    if (pausedFor !== undefined) {
      defer(message, tokenHash, pausedFor, true);
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await deps.resolve(tokenHash, undefined, { priority: "background" });
    } catch (error) {
      deps.log.error("resolve_failed", {
        token_hash: tokenHash,
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry({ delaySeconds: backoff(message) });
      return;
    }
    deps.log.info("revocation_attempt", {
      token_hash: tokenHash,
      outcome: outcome.kind,
      ...(outcome.kind === "failed" || outcome.kind === "retry" ? { reason: outcome.reason } : {}),
    });
    switch (outcome.kind) {
      case "revoked":
      case "not_found":
      case "ignored":
      case "failed":
        message.ack();
        return;
      case "retry":
        if (outcome.waiting) pausedFor ??= outcome.retryAfterSeconds;
        defer(message, tokenHash, outcome.retryAfterSeconds ?? 1);
        return;
      case "busy":
        defer(message, tokenHash, outcome.retryAfterSeconds);
        return;
    }
  }

  const handle = async (message: Message<unknown>) => {
    const parsed = v.safeParse(QueueMessageSchema, message.body);
    if (!parsed.success) {
      // It can never succeed, so retrying would only delay the dead-letter queue; the log is its audit.
      deps.log.error("queue_message_invalid", { message_id: message.id });
      message.ack();
      return;
    }
    const body = parsed.output;
    try {
      if (body.kind === "notify") {
        const retryDelaySeconds = backoff(message);
        const delivered = await deps.deliverNotification(body.token_hash, body.event, { retryDelaySeconds });
        if (delivered === "retry") message.retry({ delaySeconds: retryDelaySeconds });
        else message.ack();
      } else if (body.kind === "record") {
        await recordLater(body, deps);
        message.ack();
      } else if (body.kind === "recheck") {
        await recheckFromMessage(deps, body);
        message.ack();
      } else if (body.kind === "owner_email") {
        if (!deps.sendOwnerEmail) {
          deps.log.warn("owner_email_dropped", { token_hash: body.token_hash, reason: "off" });
          message.ack();
          return;
        }
        const verdict = await deps.sendOwnerEmail(body.token_hash, message.attempts);
        if (verdict.done) message.ack();
        else message.retry({ delaySeconds: verdict.retryAfterSeconds });
      } else if (body.kind === "github_alert") {
        await githubAlertFromMessage(body, deps);
        message.ack();
      } else await revoke(message, body.token_hash);
    } catch (error) {
      // D1 unavailable, say: nothing final happened, so try the message again later.
      deps.log.error("queue_message_failed", {
        message_id: message.id,
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry({ delaySeconds: backoff(message) });
    }
  };

  const messages = [...batch.messages];
  const lanes = Array.from({ length: Math.min(CONSUMER_CONCURRENCY, messages.length) }, async () => {
    for (let message = messages.shift(); message; message = messages.shift()) await handle(message);
  });
  await Promise.all(lanes);
  await requeue(deferred, deps);
  await deps.notifications.flush();
}

/**
 * Puts deferred work back as fresh messages, then acks the old ones: a fresh message starts with a clean retry count,
 * so waiting never moves a message toward the dead-letter queue. Should the send fail, the old messages are retried
 * instead (spending a retry, the safety net), so nothing is dropped. Incidents deferred before being claimed get their
 * due time noted, so the sweeper does not queue them a second time.
 */
async function requeue(deferred: Deferred[], deps: ConsumerDeps) {
  if (deferred.length === 0) return;
  try {
    await enqueueRevocations(
      deps.queue,
      deferred.map((d) => d.item),
    );
  } catch (error) {
    deps.log.error("requeue_failed", { error: error instanceof Error ? error.name : "unknown" });
    for (const { message, item } of deferred) message.retry({ delaySeconds: item.delaySeconds });
    return;
  }
  for (const { message } of deferred) message.ack();
  // Every deferral before a claim shares the batch's one pause, hence one due time.
  const unclaimed = deferred.filter((d) => d.unclaimed).map((d) => d.item);
  const first = unclaimed[0];
  if (!first) return;
  try {
    const now = deps.now();
    await deps.leases.schedule(
      unclaimed.map((i) => i.tokenHash),
      now + first.delaySeconds * 1000,
      now,
    );
  } catch (error) {
    // Only the sweeper's view suffers: at worst it queues a duplicate, which the claim makes harmless.
    deps.log.warn("schedule_failed", { error: error instanceof Error ? error.name : "unknown" });
  }
}
