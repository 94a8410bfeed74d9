/**
 * @module
 * The `REVOCATIONS` queue consumer: each message on its own, `ack` when the outcome is final,
 * `retry({ delaySeconds })` when it is not. After one 429 the rest of the batch is retried behind
 * Clerk's `Retry-After` without calling Clerk: respecting the rate limit beats hammering it.
 */
import * as v from "valibot";
import type { Logger } from "../lib/log";
import type { Outcome } from "./outcome";
import { RevocationMessageSchema } from "./queue-message";
import type { ResolveToken } from "./resolve-token";
import { retryDelaySeconds } from "./retry-policy";

/** Messages of one batch resolved at once: the Workers connection limit. */
export const CONSUMER_CONCURRENCY = 6;

/** What the consumer works with. */
export interface ConsumerDeps {
  resolve: ResolveToken;
  log: Logger;
  random: () => number;
}

/** Handles one batch of the revocation queue. */
export async function consumeRevocations(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  let rateLimitedFor: number | undefined;
  const messages = [...batch.messages];

  const handle = async (message: Message<unknown>) => {
    const parsed = v.safeParse(RevocationMessageSchema, message.body);
    if (!parsed.success) {
      // It can never succeed, so retrying would only delay the dead-letter queue; the log is its audit.
      deps.log.error("queue_message_invalid", { message_id: message.id });
      message.ack();
      return;
    }
    const tokenHash = parsed.output.token_hash;
    if (rateLimitedFor !== undefined) {
      message.retry({ delaySeconds: rateLimitedFor });
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await deps.resolve(tokenHash);
    } catch (error) {
      deps.log.error("resolve_failed", {
        token_hash: tokenHash,
        error: error instanceof Error ? error.name : "unknown",
      });
      message.retry({
        delaySeconds: retryDelaySeconds({ attempt: message.attempts, random: deps.random() }),
      });
      return;
    }
    deps.log.info("revocation_attempt", {
      token_hash: tokenHash,
      attempt: message.attempts,
      outcome: outcome.kind,
    });
    switch (outcome.kind) {
      case "revoked":
      case "not_found":
      case "ignored":
      case "failed":
        message.ack();
        return;
      case "retry":
        if (outcome.status === 429) rateLimitedFor = outcome.retryAfterSeconds;
        message.retry({ delaySeconds: outcome.retryAfterSeconds });
        return;
      case "busy":
        message.retry({ delaySeconds: outcome.retryAfterSeconds });
        return;
    }
  };

  const lanes = Array.from({ length: Math.min(CONSUMER_CONCURRENCY, messages.length) }, async () => {
    for (let message = messages.shift(); message; message = messages.shift()) await handle(message);
  });
  await Promise.all(lanes);
}
