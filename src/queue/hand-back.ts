/**
 * @module
 * Hands a whole batch back to the queue as fresh messages, unchanged and delayed, and acks the old ones. For a
 * consumer that cannot work at all (an invalid configuration after a bad deploy): throwing would spend one of each
 * message's retries per delivery, and after `max_retries` the queues delete what they could not deliver, `record`
 * messages (sealed secrets of keys that may be live) included. A fresh message starts with a clean count, so a bad
 * deploy can last as long as it takes to fix without costing anything queued. A message whose send fails is retried
 * instead (one retry spent, the safety net): nothing is acked that is not on the queue again.
 */
import type { Logger } from "../lib/log";

/**
 * How long handed-back work waits before it is delivered again. A fixed deploy picks it up within this; each round
 * costs three queue operations per message, so a shorter wait would cost more the longer the bad deploy lasts.
 */
export const CONFIG_INVALID_HANDBACK_SECONDS = 120;

/** Why the batch could not be worked on, for the log. */
export interface HandBack {
  reason: string;
  delaySeconds: number;
}

/** Sends every message of `batch` to `queue` again, then acks it; retries the ones whose send failed. */
export async function handBackBatch(
  batch: MessageBatch<unknown>,
  queue: Queue<unknown>,
  log: Logger,
  { reason, delaySeconds }: HandBack,
): Promise<void> {
  // One send per message, not sendBatch: a batch of record messages can pass sendBatch's total size limit, and
  // each message's own fate decides its own ack.
  const sent = await Promise.allSettled(
    // async: a send that throws at once (no binding, say) is a rejected promise here, not a throw past allSettled.
    batch.messages.map(async (message) => queue.send(message.body, { contentType: "json", delaySeconds })),
  );
  let failed = 0;
  let error: string | undefined;
  sent.forEach((result, i) => {
    const message = batch.messages[i] as Message<unknown>;
    if (result.status === "fulfilled") message.ack();
    else {
      failed++;
      error ??= result.reason instanceof Error ? result.reason.name : "unknown";
      message.retry({ delaySeconds });
    }
  });
  log.error("queue_handed_back", {
    reason,
    queue: batch.queue,
    messages: batch.messages.length - failed,
    delay_seconds: delaySeconds,
  });
  if (failed > 0)
    log.error("queue_hand_back_failed", { reason, queue: batch.queue, messages: failed, error });
}
