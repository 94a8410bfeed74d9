/**
 * @module
 * `POST /v1/incidents/{token_hash}/retry`: a failed incident, or a `not_found` to be checked again, goes back to
 * `pending` and onto the queue. The D1 write comes first: should the send fail, the sweeper finds the pending incident
 * after its grace period and queues it then.
 */

import type { OperatorWrites, RequeueResult } from "../incidents/operator-writes";
import { enqueueRevocations } from "../queue/enqueue";
import type { QueueMessageBody } from "../queue/messages";

/** What a retry works with. */
export interface RetryDeps {
  operatorWrites: Pick<OperatorWrites, "requeue">;
  queue: Queue<QueueMessageBody>;
  now: () => number;
}

/** Re-enqueues a failed or not-found incident; answers why not when it cannot. */
export async function retryIncident(deps: RetryDeps, tokenHash: string): Promise<RequeueResult> {
  const result = await deps.operatorWrites.requeue(tokenHash, deps.now());
  if (result === "requeued") await enqueueRevocations(deps.queue, [{ tokenHash, delaySeconds: 0 }]);
  return result;
}
