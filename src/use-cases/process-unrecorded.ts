/**
 * @module
 * An alert whose record D1 refused (or did not finish in time): its keys are still revoked inline, straight through
 * Clerk (revoke-direct.ts), and the record is written later from `record` queue messages that carry only hashes,
 * prefixes and sealed secrets, plus what the inline revocations did. So nothing is lost and nothing is stored in the
 * clear. Keys still in flight at the deadline follow in a second message once they finish.
 *
 * Should the queue be down too, nothing can be kept: the keys revoked inline are revoked, the answer says so, and the
 * rest is logged (`alert_unrecorded`) for an operator, since the sender may never send the alert again.
 */
import type { LeakedToken } from "../domain/dedupe";
import type { NewIncident, NewSighting } from "../domain/incident";
import type { Outcome } from "../domain/outcome";
import { runUntilDeadline } from "../lib/deadline-pool";
import type { Logger } from "../lib/log";
import { errorName, settleWithin } from "../lib/settle";
import type { QueueMessageBody, RecordMessage } from "../queue/messages";
import type { DirectOutcome, RevokeDirect } from "./revoke-direct";

/** Largest record message, in bytes of JSON: Queues takes messages up to 128 KB. */
export const RECORD_MESSAGE_MAX_BYTES = 100_000;

/** What it works with. */
export interface UnrecordedDeps {
  revokeDirect: RevokeDirect;
  queue: Queue<QueueMessageBody>;
  log: Logger;
  now: () => number;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** The alert, as the caller prepared it. */
export interface UnrecordedAlert {
  sender: string;
  requestId: string;
  receivedAt: number;
  /** Inline work stops starting here. */
  deadlineAt: number;
  /** The answer goes out here, sent or not. */
  answerAt: number;
  concurrency: number;
  tokens: readonly LeakedToken[];
  incidents: readonly NewIncident[];
  sightings: readonly NewSighting[];
}

type Entry = RecordMessage["incidents"][number];
type SightingEntry = RecordMessage["sightings"][number];

const encoder = new TextEncoder();
const bytes = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

/**
 * Packs incidents with their sightings into messages under RECORD_MESSAGE_MAX_BYTES. An incident whose sightings do
 * not fit in one message is repeated in the next (recording it again is harmless); what it says of a revocation goes
 * only in the first, so its notification is owed once.
 */
export function recordMessages(
  base: { sender: string; at: number },
  entries: readonly { incident: Entry; sightings: readonly SightingEntry[] }[],
): RecordMessage[] {
  const messages: RecordMessage[] = [];
  const empty = (): RecordMessage => ({ v: 1, kind: "record", ...base, incidents: [], sightings: [] });
  let current = empty();
  let size = bytes(current);
  const flush = () => {
    if (current.incidents.length > 0) messages.push(current);
    current = empty();
    size = bytes(current);
  };
  for (const { incident, sightings } of entries) {
    let head: Entry = incident;
    const add = (entry: Entry) => {
      current.incidents.push(entry);
      size += bytes(entry) + 1;
    };
    if (size + bytes(head) + 1 > RECORD_MESSAGE_MAX_BYTES) flush();
    add(head);
    for (const sighting of sightings) {
      const cost = bytes(sighting) + 1;
      if (size + cost > RECORD_MESSAGE_MAX_BYTES) {
        flush();
        const { revoked: _said, ...again } = head;
        head = again;
        add(head);
      }
      current.sightings.push(sighting);
      size += cost;
    }
  }
  flush();
  return messages;
}

const toEntry = (incident: NewIncident, outcome: DirectOutcome | undefined): Entry => ({
  h: incident.tokenHash,
  p: incident.tokenPrefix,
  t: incident.tokenType,
  s: incident.status,
  x: incident.sealedSecret,
  ...(outcome?.kind === "revoked"
    ? {
        revoked: {
          id: outcome.key.id,
          subject: outcome.key.subject,
          name: outcome.key.name,
          instance: outcome.instance,
        },
      }
    : {}),
});

async function send(queue: Queue<QueueMessageBody>, messages: readonly RecordMessage[]) {
  await Promise.all(messages.map((body) => queue.send(body, { contentType: "json" })));
}

/** Revokes what it can inline and queues the record; answers each token's outcome so far. */
export async function processUnrecorded(
  deps: UnrecordedDeps,
  alert: UnrecordedAlert,
): Promise<Map<string, Outcome>> {
  const incidentByHash = new Map(alert.incidents.map((i) => [i.tokenHash, i]));
  const sightingsByHash = new Map<string, SightingEntry[]>();
  for (const s of alert.sightings) {
    const list = sightingsByHash.get(s.tokenHash) ?? [];
    list.push({ i: s.sightingId, h: s.tokenHash, u: s.url, s: s.source, t: s.type });
    sightingsByHash.set(s.tokenHash, list);
  }
  const clerkTokens = alert.tokens.filter((t) => incidentByHash.get(t.tokenHash)?.status === "pending");
  const revoke = (t: LeakedToken) =>
    deps
      .revokeDirect(t.token, alert.deadlineAt)
      .catch((error: unknown): DirectOutcome => ({ kind: "unknown", reason: errorName(error) }));
  const run = await runUntilDeadline(clerkTokens, revoke, {
    concurrency: alert.concurrency,
    deadlineAt: alert.deadlineAt,
    now: deps.now,
  });

  const direct = new Map<string, DirectOutcome>();
  for (const [index, outcome] of run.done) direct.set((clerkTokens[index] as LeakedToken).tokenHash, outcome);
  const base = { sender: alert.sender, at: alert.receivedAt };
  const messages = recordMessages(
    base,
    alert.incidents.map((incident) => ({
      incident: toEntry(incident, direct.get(incident.tokenHash)),
      sightings: sightingsByHash.get(incident.tokenHash) ?? [],
    })),
  );
  const sending = send(deps.queue, messages);
  const sent = await settleWithin(sending, alert.answerAt - deps.now());
  if (!sent.ok) {
    deps.log.error(sent.reason === "timeout" ? "record_message_slow" : "alert_unrecorded", {
      request_id: alert.requestId,
      tokens: alert.incidents.length,
      revoked_inline: [...direct.values()].filter((o) => o.kind === "revoked").length,
      ...(sent.reason === "error" ? { error: errorName(sent.error) } : {}),
    });
    if (sent.reason === "timeout") deps.waitUntil(sending.catch(() => {}));
  }

  // Keys still in flight at the deadline: once they finish, a second message says which were revoked.
  deps.waitUntil(
    run.late
      .then(async (late) => {
        const revokedLate = [...late]
          .map(([index, outcome]) => ({ token: clerkTokens[index] as LeakedToken, outcome }))
          .filter(({ outcome }) => outcome.kind === "revoked");
        const entries = revokedLate.flatMap(({ token, outcome }) => {
          const incident = incidentByHash.get(token.tokenHash);
          return incident ? [{ incident: toEntry(incident, outcome), sightings: [] }] : [];
        });
        if (entries.length > 0) await send(deps.queue, recordMessages(base, entries));
      })
      .catch((error: unknown) =>
        deps.log.error("alert_unrecorded", { request_id: alert.requestId, error: errorName(error) }),
      ),
  );

  const outcomes = new Map<string, Outcome>();
  for (const incident of alert.incidents) {
    const outcome = direct.get(incident.tokenHash);
    if (incident.status === "ignored") outcomes.set(incident.tokenHash, { kind: "ignored" });
    else if (outcome?.kind === "revoked")
      outcomes.set(incident.tokenHash, { kind: "revoked", keyId: outcome.key.id, byThisCall: true });
    else if (outcome) outcomes.set(incident.tokenHash, { kind: "retry", reason: outcome.reason });
  }
  return outcomes;
}
