/**
 * @module
 * `POST /v1/rechecks`: every `not_found` verdict given since a time is checked with Clerk again, for when a
 * misconfiguration (another instance's secret key, a wrong CLERK_API_URL) may have produced them. Background work, in
 * bounded chunks: each chunk reopens up to `RECHECK_CHUNK` incidents (pending again, label cleared) and queues them,
 * and the queue's consumer resolves them at background priority, under the instances' pace like any other work. The
 * first chunk runs in the request; each later one is a `recheck` message sent by the chunk before it.
 *
 * A crash between a chunk's reopen and its queue send loses nothing: reopened incidents are pending, and the sweeper
 * queues pending work it finds unclaimed. A lost continuation stops the walk early; asking again resumes it, since
 * what was reopened is no longer `not_found`.
 */
import { RECHECK_CHUNK, RECHECK_CHUNK_INTERVAL_SECONDS } from "../domain/recheck-pace";
import type { OperatorWrites, RecheckCursor } from "../incidents/operator-writes";
import { enqueueRevocations } from "../queue/enqueue";
import type { QueueMessageBody, RecheckMessage } from "../queue/messages";

/** What a re-check works with. */
export interface RecheckDeps {
  operatorWrites: Pick<OperatorWrites, "reopenNotFound">;
  queue: Queue<QueueMessageBody>;
  now: () => number;
}

/** One chunk's result. */
export interface RecheckProgress {
  reopened: number;
  /** Whether more chunks follow, on the queue. */
  more: boolean;
}

/** Runs one chunk of the re-check `[since, until]` after `after`, and queues the next when there is one. */
export async function recheckNotFound(
  deps: RecheckDeps,
  since: number,
  until: number,
  after?: RecheckCursor,
): Promise<RecheckProgress> {
  const chunk = await deps.operatorWrites.reopenNotFound(since, until, after, RECHECK_CHUNK, deps.now());
  await enqueueRevocations(
    deps.queue,
    chunk.reopened.map((tokenHash) => ({ tokenHash, delaySeconds: 0 })),
  );
  if (chunk.next) {
    const next: RecheckMessage = {
      v: 1,
      kind: "recheck",
      since,
      until,
      after: { updated_at: chunk.next.updatedAt, token_hash: chunk.next.tokenHash },
    };
    await deps.queue.send(next, { contentType: "json", delaySeconds: RECHECK_CHUNK_INTERVAL_SECONDS });
  }
  return { reopened: chunk.reopened.length, more: chunk.next !== undefined };
}

/** The chunk a `recheck` message asks for. */
export const recheckFromMessage = (deps: RecheckDeps, message: RecheckMessage) =>
  recheckNotFound(
    deps,
    message.since,
    message.until,
    message.after && { updatedAt: message.after.updated_at, tokenHash: message.after.token_hash },
  );
