/** The dead-letter path from a test: an incident whose Clerk failures outlast the give-up window, and its last message. */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src";

/** As if Clerk had been failing on the incident for a day and an hour (GIVE_UP_AFTER_HOURS is 24), and unleased. */
export async function failingForOverADay(tokenHash: string): Promise<void> {
  await env.DB.prepare("UPDATE incidents SET failing_since = ?1, claimed_until = NULL WHERE token_hash = ?2")
    .bind(Date.now() - 25 * 3_600_000, tokenHash)
    .run();
}

/** Delivers the incident's revoke message to the dead-letter consumer, as the queue does after its last retry. */
export async function deadLetter(tokenHash: string, id = "m1") {
  const batch = createMessageBatch("autorevoke-revocations-dlq", [
    { id, timestamp: new Date(), attempts: 21, body: { v: 1, token_hash: tokenHash } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}
