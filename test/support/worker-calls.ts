/**
 * @module
 * The two ways the credential-kind tests drive the Worker: a signed GitHub alert to its fetch handler, and one queue
 * message to its consumer, each under the env a test chooses and each waiting for the work it leaves running.
 */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { expect } from "vitest";
import type { SigningKey } from "../../dev/signer";
import worker from "../../src";
import type { QueueMessageBody } from "../../src/queue/messages";
import type { SecrecyWatch } from "./secrecy";
import { signedAlert } from "./standins";

/** One label of the Worker's answer to an alert. */
export interface AlertLabel {
  token_hash: string;
  token_type: string;
  label: string | null;
}

/** Sends `matches` as a GitHub alert signed with `signing`; the answer (shown to `secrecy`) must be 200. */
export async function alertWorker(
  signing: SigningKey,
  matches: readonly unknown[],
  workerEnv: Env,
  secrecy: SecrecyWatch,
): Promise<AlertLabel[]> {
  const request = await signedAlert(signing, JSON.stringify(matches));
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  secrecy.sawResponse(text);
  expect(res.status).toBe(200);
  return JSON.parse(text);
}

/** Hands the consumer one message, its first delivery; what the consumer did with it. */
export async function consumeOne(body: QueueMessageBody, workerEnv: Env) {
  const batch = createMessageBatch<QueueMessageBody>("autorevoke-revocations", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  return getQueueResult(batch, ctx);
}
