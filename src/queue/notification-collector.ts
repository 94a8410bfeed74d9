/**
 * @module
 * Collects the notifications one invocation owes and queues them in one go at its end, so sending them
 * never sits between two revocations; the queue then delivers each with retries. A revocation also owes its key's
 * owner an email when those are on (issue 26): its message rides the same send.
 */

import type { NotifyEventType } from "../domain/notify-event";
import { SEND_BATCH_MAX_MESSAGES } from "./enqueue";
import { notifyMessage, ownerEmailMessage, type QueueMessageBody } from "./messages";

/** Notifications owed by one invocation. */
export interface NotificationCollector {
  add(tokenHash: string, type: NotifyEventType): void;
  /** Queues everything added so far; never throws (a lost notification must not fail a revocation). */
  flush(): Promise<void>;
}

/** A collector that drops everything: notifications are off. */
export const noNotifications: NotificationCollector = { add: () => {}, flush: async () => {} };

/** What the collector tells its owner. */
export interface CollectorHooks {
  /** A send failed: those notifications stay owed in the incident log. */
  onError: (error: unknown) => void;
  /** These incidents' notifications are on the queue, so the sweeper need not queue them again. */
  onQueued?: (tokenHashes: string[]) => Promise<void>;
}

/** What the collector queues: the team's events (NOTIFY_URL set), the owners' emails (OWNER_EMAIL_FROM and EMAIL). */
export interface CollectorKinds {
  notify: boolean;
  ownerEmails?: boolean;
}

/** Builds a collector over the queue. */
export function createNotificationCollector(
  queue: Queue<QueueMessageBody>,
  hooks: CollectorHooks,
  kinds: CollectorKinds = { notify: true },
): NotificationCollector {
  let owed: { tokenHash: string; request: MessageSendRequest<QueueMessageBody> }[] = [];
  let emails: MessageSendRequest<QueueMessageBody>[] = [];
  return {
    add(tokenHash, type) {
      if (kinds.notify)
        owed.push({ tokenHash, request: { body: notifyMessage(tokenHash, type), contentType: "json" } });
      // Only a key this write revoked owes its owner an email; the outbox row says whether it still does.
      if (kinds.ownerEmails && type === "api_key.revoked")
        emails.push({ body: ownerEmailMessage(tokenHash), contentType: "json" });
    },
    async flush() {
      const batch = owed;
      const mail = emails;
      owed = [];
      emails = [];
      if (mail.length > 0) {
        try {
          for (let i = 0; i < mail.length; i += SEND_BATCH_MAX_MESSAGES)
            await queue.sendBatch(mail.slice(i, i + SEND_BATCH_MAX_MESSAGES));
        } catch (error) {
          // Still owed in owner_emails: the sweeper queues it after its grace period.
          hooks.onError(error);
        }
      }
      if (batch.length === 0) return;
      try {
        for (let i = 0; i < batch.length; i += SEND_BATCH_MAX_MESSAGES) {
          await queue.sendBatch(batch.slice(i, i + SEND_BATCH_MAX_MESSAGES).map((o) => o.request));
        }
        await hooks.onQueued?.(batch.map((o) => o.tokenHash));
      } catch (error) {
        hooks.onError(error);
      }
    },
  };
}
