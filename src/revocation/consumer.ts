/**
 * @module
 * The `REVOCATIONS` queue consumer: each message on its own, `ack` when the outcome is final,
 * `retry({ delaySeconds })` when it is not. After one Clerk 429 the rest of the batch's revocations are
 * retried behind Clerk's `Retry-After` without calling Clerk: respecting the rate limit beats hammering
 * it. Notification messages are delivered here too, on their own retry schedule.
 */
import * as v from "valibot";
import type { IncidentRepository } from "../incidents/repository";
import type { Logger } from "../lib/log";
import type { NotificationCollector } from "../notify/collector";
import type { Deliver } from "../notify/deliver";
import { buildEvent } from "../notify/event";
import type { Outcome } from "./outcome";
import { type NotifyEventType, QueueMessageSchema } from "./queue-message";
import type { ResolveToken } from "./resolve-token";
import { retryDelaySeconds } from "./retry-policy";

/** Messages of one batch handled at once: the Workers connection limit. */
export const CONSUMER_CONCURRENCY = 6;

/** What the consumer works with. */
export interface ConsumerDeps {
  resolve: ResolveToken;
  repo: IncidentRepository;
  log: Logger;
  random: () => number;
  now: () => number;
  /** Absent when notifications are off. */
  deliver: Deliver | undefined;
  notifications: NotificationCollector;
  retryBaseDelaySeconds?: number;
}

/** Handles one batch of the revocation queue. */
export async function consumeRevocations(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  let rateLimitedFor: number | undefined;
  const backoff = (message: Message<unknown>) =>
    retryDelaySeconds({
      attempt: message.attempts,
      baseDelaySeconds: deps.retryBaseDelaySeconds,
      random: deps.random(),
    });

  async function revoke(message: Message<unknown>, tokenHash: string) {
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
      message.retry({ delaySeconds: backoff(message) });
      return;
    }
    deps.log.info("revocation_attempt", {
      token_hash: tokenHash,
      attempt: message.attempts,
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
        if (outcome.status === 429) rateLimitedFor = outcome.retryAfterSeconds;
        message.retry({ delaySeconds: outcome.retryAfterSeconds });
        return;
      case "busy":
        message.retry({ delaySeconds: outcome.retryAfterSeconds });
        return;
    }
  }

  async function notify(message: Message<unknown>, tokenHash: string, type: NotifyEventType) {
    const facts = await deps.repo.eventFacts(tokenHash);
    if (!deps.deliver || !facts) {
      deps.log.warn("notification_dropped", {
        token_hash: tokenHash,
        event: type,
        reason: facts ? "off" : "no_incident",
      });
      message.ack();
      return;
    }
    const delivered = await deps.deliver(buildEvent(type, facts, deps.now()));
    if (delivered.ok) {
      await deps.repo.noteNotification(tokenHash, deps.now(), null);
      message.ack();
      return;
    }
    deps.log.warn("notification_failed", { token_hash: tokenHash, event: type, ...delivered.error });
    if (delivered.error.kind === "retryable") {
      message.retry({ delaySeconds: backoff(message) });
      return;
    }
    await deps.repo.noteNotification(tokenHash, deps.now(), delivered.error.reason);
    message.ack();
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
      if (body.kind === "notify") await notify(message, body.token_hash, body.event);
      else await revoke(message, body.token_hash);
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
  await deps.notifications.flush();
}
