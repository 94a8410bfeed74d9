/**
 * @module
 * Records an alert that D1 could not take when it arrived, from its `record` queue message: the incidents and
 * sightings `intake.record` would have written, with the keys already revoked inline recorded revoked in the same
 * batch (and their notifications owed), and every incident still pending queued for the resolver.
 */

import type { NewIncident, NewSighting } from "../domain/incident";
import type { IncidentIntake } from "../incidents/intake";
import { enqueueRevocations } from "../queue/enqueue";
import type { QueueMessageBody, RecordMessage } from "../queue/messages";
import type { NotificationCollector } from "../queue/notification-collector";

/** What recording later works with. */
export interface RecordLaterDeps {
  intake: IncidentIntake;
  queue: Queue<QueueMessageBody>;
  notifications: NotificationCollector;
  now: () => number;
}

/** Writes the message's records; throws when D1 is still down, so the message is retried. */
export async function recordLater(message: RecordMessage, deps: RecordLaterDeps): Promise<void> {
  const incidents = message.incidents.map(
    (i): NewIncident => ({
      tokenHash: i.h,
      tokenPrefix: i.p,
      tokenType: i.t,
      status: i.s,
      label: i.s === "ignored" ? "false_positive" : null,
      sealedSecret: i.x,
    }),
  );
  const sightings = message.sightings.map(
    (s): NewSighting => ({ sightingId: s.i, tokenHash: s.h, url: s.u, source: s.s, type: s.t }),
  );
  const revoked = message.incidents.flatMap((i) => (i.revoked ? [{ tokenHash: i.h, key: i.revoked }] : []));
  const states = await deps.intake.record(message.sender, incidents, sightings, message.at, revoked);

  const revokedNow = new Set(revoked.map((r) => r.tokenHash));
  for (const tokenHash of revokedNow) deps.notifications.add(tokenHash, "api_key.revoked");
  const pending = states.filter((s) => s.status === "pending" && !revokedNow.has(s.tokenHash));
  await enqueueRevocations(
    deps.queue,
    pending.map((s) => ({ tokenHash: s.tokenHash, delaySeconds: 0 })),
  );
}
