/**
 * @module
 * One verified alert, end to end: dedupe → record (one D1 batch) → resolve inline with bounded
 * concurrency until the deadline → queue whatever is unfinished → feedback labels. Raw tokens live
 * only in memory here; what is stored is their hash, prefix and sealed form.
 */

import type { Match } from "../domain/alert-body";
import { clerkCredentialTypeOf } from "../domain/clerk-ids";
import { ALERT_BUDGET_MS, INLINE_DEADLINE_MS, RECORD_BUDGET_MS } from "../domain/deadlines";
import type { LeakedToken } from "../domain/dedupe";
import { dedupeMatches } from "../domain/dedupe";
import type { Claim, IncidentState, Label, NewIncident, NewSighting } from "../domain/incident";
import { labelFor, type Outcome } from "../domain/outcome";
import type { MakeSighting } from "../domain/sighting-id";
import type { IncidentIntake } from "../incidents/intake";
import type { IncidentLeases } from "../incidents/leases";
import { runUntilDeadline } from "../lib/deadline-pool";
import { tokenPrefix } from "../lib/hash";
import type { Logger } from "../lib/log";
import type { Sealer } from "../lib/seal";
import { errorName, settleWithin } from "../lib/settle";
import { enqueueRevocations, type QueuedRevocation } from "../queue/enqueue";
import type { QueueMessageBody } from "../queue/messages";
import type { NotificationCollector } from "../queue/notification-collector";
import { processUnrecorded } from "./process-unrecorded";
import { CLAIM_LEASE_MS, outcomeFromState, type ResolveToken } from "./resolve-token";
import type { RevokeDirect } from "./revoke-direct";

/** The Workers limit on simultaneous open connections per invocation; more would only wait in line. */
export const INLINE_CONCURRENCY = 6;

/** One feedback entry, in GitHub's format. */
export interface Feedback {
  token_hash: string;
  token_type: string;
  label: Label;
}

/** What the route needs to answer and log. */
export interface AlertSummary {
  feedback: Feedback[];
  counts: Record<string, number>;
}

/** What processing an alert works with. */
export interface AlertDeps {
  intake: IncidentIntake;
  leases: Pick<IncidentLeases, "schedule">;
  resolve: ResolveToken;
  queue: Queue<QueueMessageBody>;
  sealer: Sealer;
  makeSighting: MakeSighting;
  log: Logger;
  now: () => number;
  /** Notifications the resolver owes; queued after the answer, never in its way. */
  notifications: NotificationCollector;
  /** Revokes without the log, for when D1 cannot take the record. */
  revokeDirect: RevokeDirect;
  /** Keeps background work (late inline results) alive after the response. */
  waitUntil: (promise: Promise<unknown>) => void;
  deadlineMs?: number;
  concurrency?: number;
}

/** The alert: who sent it, its valid matches, how many were skipped, and when it arrived. */
export interface AlertInput {
  sender: string;
  matches: readonly Match[];
  invalid: number;
  receivedAt: number;
  requestId: string;
}

async function toRecords(
  tokens: readonly LeakedToken[],
  sender: string,
  deps: Pick<AlertDeps, "sealer" | "makeSighting">,
): Promise<{ incidents: NewIncident[]; sightings: NewSighting[] }> {
  const { sealer, makeSighting } = deps;
  const incidents = await Promise.all(
    tokens.map(async (t): Promise<NewIncident> => {
      const credential = clerkCredentialTypeOf(t.token);
      const clerk = credential !== undefined;
      return {
        tokenHash: t.tokenHash,
        tokenPrefix: tokenPrefix(t.token),
        // The sender's type goes on the sighting only, where erasure finds it.
        tokenType: credential ?? "other",
        status: clerk ? "pending" : "ignored",
        label: clerk ? null : "false_positive",
        sealedSecret: clerk ? await sealer.seal(t.token, t.tokenHash) : null,
      };
    }),
  );
  const sightings = await Promise.all(
    tokens.flatMap((t) => t.sightings.map((s) => makeSighting(t.tokenHash, sender, s))),
  );
  return { incidents, sightings };
}

function count(counts: Record<string, number>, key: string) {
  counts[key] = (counts[key] ?? 0) + 1;
}

function countOutcome(counts: Record<string, number>, outcome: Outcome) {
  if (outcome.kind === "revoked") count(counts, outcome.byThisCall ? "revoked" : "already_revoked");
  else count(counts, outcome.kind);
}

/** Processes a verified, parsed alert. */
export async function processAlert(deps: AlertDeps, input: AlertInput): Promise<AlertSummary> {
  const tokens = await dedupeMatches(input.matches);
  const { incidents, sightings } = await toRecords(tokens, input.sender, deps);
  const deadlineAt = input.receivedAt + (deps.deadlineMs ?? INLINE_DEADLINE_MS);
  const answerAt = input.receivedAt + ALERT_BUDGET_MS;
  const recordStartedAt = deps.now();
  // The tokens that start inline at once are claimed with the record, in the same batch: their Clerk work needs no
  // round trip of its own first. Later ones claim as they start. Every token claimed here does start: the pool starts
  // its first `concurrency` pending tokens together, and these are them (a claim needs a pending incident).
  const concurrency = deps.concurrency ?? INLINE_CONCURRENCY;
  const claimNow = incidents.filter((i) => i.status === "pending").slice(0, concurrency);
  const recording =
    claimNow.length > 0
      ? deps.intake.recordAndClaim(input.sender, incidents, sightings, recordStartedAt, {
          tokenHashes: claimNow.map((i) => i.tokenHash),
          leaseId: crypto.randomUUID(),
          leaseMs: CLAIM_LEASE_MS,
        })
      : deps.intake
          .record(input.sender, incidents, sightings, recordStartedAt)
          .then((states) => ({ states, claims: new Map<string, Claim>() }));
  const recorded = await settleWithin(recording, input.receivedAt + RECORD_BUDGET_MS - deps.now());
  const recordedAt = deps.now();

  let outcomes: Map<string, Outcome>;
  let queued: number;
  if (recorded.ok) {
    const states = new Map(recorded.value.states.map((s) => [s.tokenHash, s]));
    ({ outcomes, queued } = await resolveRecorded(deps, input, tokens, states, recorded.value.claims, {
      deadlineAt,
      answerAt,
    }));
  } else {
    deps.log.error("record_failed", {
      request_id: input.requestId,
      reason: recorded.reason,
      ...(recorded.reason === "error" ? { error: errorName(recorded.error) } : {}),
    });
    if (recorded.reason === "timeout") deps.waitUntil(recording.catch(() => {}));
    outcomes = await processUnrecorded(deps, {
      sender: input.sender,
      requestId: input.requestId,
      receivedAt: input.receivedAt,
      deadlineAt,
      answerAt,
      concurrency,
      tokens,
      incidents,
      sightings,
    });
    queued = 0;
  }

  const counts: Record<string, number> = {
    matches: input.matches.length + input.invalid,
    invalid: input.invalid,
  };
  counts.tokens = tokens.length;
  if (!recorded.ok) counts.unrecorded = 1;
  const feedback: Feedback[] = [];
  for (const t of tokens) {
    const outcome = outcomes.get(t.tokenHash);
    if (!outcome) {
      count(counts, "in_flight");
      continue;
    }
    countOutcome(counts, outcome);
    const label = labelFor(outcome);
    if (label) feedback.push({ token_hash: t.tokenHash, token_type: t.type, label });
  }
  counts.queued = queued;
  // Phase timings, so an operator can see where a slow answer went.
  counts.prepare_ms = recordStartedAt - input.receivedAt;
  counts.record_ms = recordedAt - recordStartedAt;
  counts.inline_ms = deps.now() - recordedAt;
  return { feedback, counts };
}

/** The recorded path: resolve inline through the log until the deadline, queue the rest within the budget. */
async function resolveRecorded(
  deps: AlertDeps,
  input: AlertInput,
  tokens: readonly LeakedToken[],
  states: Map<string, IncidentState>,
  claims: Map<string, Claim>,
  { deadlineAt, answerAt }: { deadlineAt: number; answerAt: number },
): Promise<{ outcomes: Map<string, Outcome>; queued: number }> {
  const outcomes = new Map<string, Outcome>();
  const toResolve: LeakedToken[] = [];
  for (const t of tokens) {
    const state = states.get(t.tokenHash);
    if (state?.status === "pending") toResolve.push(t);
    else outcomes.set(t.tokenHash, outcomeFromState(state, deps.now()));
  }

  // A 429 or a refused slot means Clerk's budget is spent for now: stop starting inline work and queue the rest
  // behind the wait.
  let waitFor: number | undefined;
  const resolveSafely = async (t: LeakedToken): Promise<Outcome> => {
    try {
      const claim = claims.get(t.tokenHash);
      const outcome = await deps.resolve(t.tokenHash, t.token, {
        priority: "inline",
        deadlineAt,
        ...(claim ? { claim } : {}),
      });
      if (outcome.kind === "retry" && outcome.waiting) waitFor ??= outcome.retryAfterSeconds ?? 1;
      return outcome;
    } catch (error) {
      // A bug or a D1 hiccup: the incident is recorded, so the queue will get another go at it.
      deps.log.error("resolve_failed", {
        request_id: input.requestId,
        token_hash: t.tokenHash,
        error: errorName(error),
      });
      return { kind: "retry", reason: "internal_error" };
    }
  };

  const run = await runUntilDeadline(toResolve, resolveSafely, {
    concurrency: deps.concurrency ?? INLINE_CONCURRENCY,
    deadlineAt,
    now: deps.now,
    shouldStart: () => waitFor === undefined,
  });

  const queued: QueuedRevocation[] = [];
  for (const [index, outcome] of run.done) {
    const t = toResolve[index] as LeakedToken;
    outcomes.set(t.tokenHash, outcome);
    if (outcome.kind === "retry")
      queued.push({ tokenHash: t.tokenHash, delaySeconds: outcome.retryAfterSeconds ?? 0 });
  }
  const unstarted = run.unstarted.map((i) => (toResolve[i] as LeakedToken).tokenHash);
  const unstartedDelay = waitFor ?? 0;
  for (const tokenHash of unstarted) queued.push({ tokenHash, delaySeconds: unstartedDelay });

  // Queueing must not hold up the answer, nor fail it: the incidents are in D1, pending, and the sweeper queues any
  // that no message reached after its grace period.
  const queueing = (async () => {
    await enqueueRevocations(deps.queue, queued);
    if (unstartedDelay > 0)
      await deps.leases.schedule(unstarted, deps.now() + unstartedDelay * 1000, deps.now());
  })();
  const sent = await settleWithin(queueing, answerAt - deps.now());
  if (!sent.ok) {
    deps.log.error("enqueue_failed", {
      request_id: input.requestId,
      reason: sent.reason,
      queued: queued.length,
      ...(sent.reason === "error" ? { error: errorName(sent.error) } : {}),
    });
    if (sent.reason === "timeout") deps.waitUntil(queueing.catch(() => {}));
  }

  // After the answer: queue what was still in flight at the deadline and ended retryable, then the notifications.
  // A failure here loses nothing: those incidents stay pending for the sweeper, and the notifications stay owed in D1
  // (`notify_due`) for it too.
  deps.waitUntil(
    (async () => {
      try {
        const late = await run.late;
        const retries: QueuedRevocation[] = [];
        for (const [index, outcome] of late) {
          const t = toResolve[index] as LeakedToken;
          if (outcome.kind === "retry")
            retries.push({ tokenHash: t.tokenHash, delaySeconds: outcome.retryAfterSeconds ?? 0 });
        }
        await enqueueRevocations(deps.queue, retries);
      } catch (error) {
        deps.log.error("late_enqueue_failed", { request_id: input.requestId, error: errorName(error) });
      } finally {
        await deps.notifications.flush();
      }
    })(),
  );
  return { outcomes, queued: queued.length };
}
