/**
 * @module
 * The dead-letter consumer: a revocation the queue gave up on ends as `failed`, with the last error
 * as its reason, and the key owner's team is told; a notification the queue gave up on is recorded on
 * its incident. Either way it shows in the incident log instead of vanishing.
 */
import * as v from "valibot";
import type { IncidentRepository } from "../incidents/repository";
import type { Logger } from "../lib/log";
import type { NotificationCollector } from "../notify/collector";
import { QueueMessageSchema } from "./queue-message";

/** What the dead-letter consumer works with. */
export interface DeadLetterDeps {
  repo: IncidentRepository;
  log: Logger;
  now: () => number;
  notifications: NotificationCollector;
}

/** Marks each dead-lettered incident failed, or its notification undeliverable. */
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
        await deps.repo.noteNotification(body.token_hash, deps.now(), "notify_retries_exhausted");
        deps.log.error("notification_failed", {
          token_hash: body.token_hash,
          event: body.event,
          reason: "retries_exhausted",
        });
      } else if (await deps.repo.failExhausted(body.token_hash, deps.now())) {
        deps.log.error("revocation_failed", { token_hash: body.token_hash, reason: "retries_exhausted" });
        deps.notifications.add(body.token_hash, "api_key.revocation_failed");
      }
      message.ack();
    } catch (error) {
      deps.log.error("dead_letter_write_failed", {
        token_hash: body.token_hash,
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry();
    }
  }
  await deps.notifications.flush();
}
