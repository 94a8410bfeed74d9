/**
 * @module
 * The dead-letter consumer: a revocation the queue gave up on ends as `failed`, with the last error
 * as its reason, so it shows in the incident log instead of vanishing.
 */
import * as v from "valibot";
import type { IncidentRepository } from "../incidents/repository";
import type { Logger } from "../lib/log";
import { RevocationMessageSchema } from "./queue-message";

/** What the dead-letter consumer works with. */
export interface DeadLetterDeps {
  repo: IncidentRepository;
  log: Logger;
  now: () => number;
}

/** Marks each dead-lettered incident failed. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, deps: DeadLetterDeps): Promise<void> {
  for (const message of batch.messages) {
    const parsed = v.safeParse(RevocationMessageSchema, message.body);
    if (!parsed.success) {
      deps.log.error("queue_message_invalid", { message_id: message.id, queue: batch.queue });
      message.ack();
      continue;
    }
    const tokenHash = parsed.output.token_hash;
    try {
      const failed = await deps.repo.failExhausted(tokenHash, deps.now());
      deps.log.error("revocation_failed", {
        token_hash: tokenHash,
        reason: "retries_exhausted",
        changed: failed,
      });
      message.ack();
    } catch (error) {
      deps.log.error("dead_letter_write_failed", {
        token_hash: tokenHash,
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry();
    }
  }
}
