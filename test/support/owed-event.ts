/**
 * @module
 * The event an incident made the key owner's team owed: still in the outbox (`notify_due`), or already delivered, in
 * which case the NOTIFY_URL receiver (reset before every test) holds it. The suite's queue rounds are short
 * (test/support/queue-timing.ts), so a test cannot count on reading the outbox before the delivery empties it.
 */
import { incident } from "./db";
import { notifyDeliveries } from "./standins";

/** The type of the event owed or sent for `tokenHash`; `null` when there is neither. */
export async function eventFor(tokenHash: string): Promise<string | null> {
  const row = await incident(tokenHash);
  if (typeof row?.notify_due === "string") return row.notify_due;
  for (const delivery of await notifyDeliveries()) {
    const event = JSON.parse(delivery.body) as { type?: string; data?: { token_hash?: string } };
    if (event.data?.token_hash === tokenHash && delivery.status < 300) return event.type ?? null;
  }
  return null;
}
