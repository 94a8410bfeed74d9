/**
 * @module
 * The dead-letter consumer: the safety net under the queue. A message lands here only after its handling threw
 * `max_retries` times (D1 down, say): waiting for Clerk never spends retries (see consumer.ts). So a revocation here
 * is not a verdict on the key:
 * - an incident still pending, unleased and within GIVE_UP_AFTER_HOURS goes back on the queue, fresh;
 * - one past that window ends `failed` (with the last error as its reason) and the key owner's team is told;
 * - one that is leased (a resolver is at work on it) or final is left alone: a dead letter never overrides a claimant,
 *   and never a revocation.
 * A notification the queue gave up on is recorded on its incident. Either way it shows in the incident log instead of
 * vanishing.
 */
import * as v from "valibot";
import { RETRY_MAX_DELAY_SECONDS } from "../domain/retry-policy";
import type { IncidentLeases } from "../incidents/leases";
import type { NotificationOutbox } from "../incidents/outbox";
import type { Logger } from "../lib/log";
import { enqueueRevocations } from "../queue/enqueue";
import { type QueueMessageBody, QueueMessageSchema } from "../queue/messages";
import type { NotificationCollector } from "../queue/notification-collector";
import { comeBack } from "./github-alert-message";

/** What the dead-letter consumer works with. */
export interface DeadLetterDeps {
  leases: Pick<IncidentLeases, "failExhausted" | "get">;
  outbox: Pick<NotificationOutbox, "noteNotification">;
  queue: Queue<QueueMessageBody>;
  log: Logger;
  now: () => number;
  notifications: NotificationCollector;
  giveUpAfterMs: number;
}

/** Marks each dead-lettered incident failed or queues it again; records a dead-lettered notification. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, deps: DeadLetterDeps): Promise<void> {
  for (const message of batch.messages) {
    const parsed = v.safeParse(QueueMessageSchema, message.body);
    if (!parsed.success) {
      deps.log.error("queue_message_invalid", { message_id: message.id, queue: batch.queue });
      message.ack();
      continue;
    }
    const body = parsed.output;
    try {
      if (body.kind === "notify") {
        await deps.outbox.noteNotification(body.token_hash, deps.now(), "notify_retries_exhausted", {
          event: body.event,
        });
        deps.log.error("notification_failed", {
          token_hash: body.token_hash,
          notify_event: body.event,
          reason: "retries_exhausted",
        });
      } else if (body.kind === "record") {
        // An alert D1 could not take, still unrecorded: it holds sealed secrets of keys that may be live, so it is
        // never dropped. Back on the queue after the longest backoff.
        await deps.queue.send(body, { contentType: "json", delaySeconds: RETRY_MAX_DELAY_SECONDS });
        deps.log.warn("dead_letter_requeued", { kind: "record", tokens: body.incidents.length });
      } else if (body.kind === "github_alert") {
        // A GitHub alert whose handling kept throwing (D1 down, say): GitHub will not deliver it again, so it goes
        // back on the queue after the longest backoff, one round later (bounded like every other way back).
        await comeBack(body, RETRY_MAX_DELAY_SECONDS, deps);
        deps.log.warn("dead_letter_requeued", { kind: "github_alert" });
      } else if (body.kind === "recheck") {
        // A chunk of an operator's re-check that kept failing: the verdicts it would reopen stay as they are, and
        // asking for the re-check again resumes it (reopened incidents are no longer `not_found`).
        deps.log.error("recheck_abandoned", { since: body.since, until: body.until });
      } else if (body.kind === "owner_email") {
        // Still owed in owner_emails (or settled): the sweeper queues an owed one again after its grace period.
        deps.log.warn("dead_letter_dropped", { kind: "owner_email", token_hash: body.token_hash });
      } else {
        await revocation(body.token_hash, deps);
      }
      message.ack();
    } catch (error) {
      deps.log.error("dead_letter_write_failed", {
        ...(body.kind === "record" || body.kind === "recheck" || body.kind === "github_alert"
          ? { kind: body.kind }
          : { token_hash: body.token_hash }),
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry();
    }
  }
  await deps.notifications.flush();
}

async function revocation(tokenHash: string, deps: DeadLetterDeps): Promise<void> {
  const now = deps.now();
  if (await deps.leases.failExhausted(tokenHash, now, now - deps.giveUpAfterMs)) {
    deps.log.error("revocation_failed", { token_hash: tokenHash, reason: "retries_exhausted" });
    deps.notifications.add(tokenHash, "api_key.revocation_failed");
    return;
  }
  const state = await deps.leases.get(tokenHash);
  const unleased = state?.status === "pending" && (state.claimedUntil ?? 0) <= now;
  if (!unleased) return;
  // Too young to give up: back on the queue, after the longest backoff, since whatever threw may still be broken.
  await enqueueRevocations(deps.queue, [{ tokenHash, delaySeconds: RETRY_MAX_DELAY_SECONDS }]);
  deps.log.warn("dead_letter_requeued", { token_hash: tokenHash });
}
