/**
 * @module
 * Sends revocation work to the `REVOCATIONS` queue in batches of the size Queues allows.
 */
import { type QueueMessageBody, revocationMessage } from "./messages";

/** Queues' `sendBatch` limit. */
export const SEND_BATCH_MAX_MESSAGES = 100;

/** One token to (re)try, and how long to wait first. */
export interface QueuedRevocation {
  tokenHash: string;
  delaySeconds: number;
}

/** Sends every item; batches go out in parallel since each is one subrequest. */
export async function enqueueRevocations(
  queue: Queue<QueueMessageBody>,
  items: readonly QueuedRevocation[],
): Promise<void> {
  const batches: MessageSendRequest<QueueMessageBody>[][] = [];
  for (let i = 0; i < items.length; i += SEND_BATCH_MAX_MESSAGES) {
    batches.push(
      items.slice(i, i + SEND_BATCH_MAX_MESSAGES).map((item) => ({
        body: revocationMessage(item.tokenHash),
        contentType: "json",
        ...(item.delaySeconds > 0 ? { delaySeconds: item.delaySeconds } : {}),
      })),
    );
  }
  await Promise.all(batches.map((batch) => queue.sendBatch(batch)));
}
