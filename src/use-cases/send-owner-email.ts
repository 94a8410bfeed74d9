/**
 * @module
 * Tells a revoked key's owner (issue 26), from one queue message, at most once however many copies there are: claim
 * the owed email (owner-emails.ts), look the owner up in Clerk under the instance's pace (a background slot, like
 * the queue's), mark it `sending`, send one message per address, mark it `sent`. The revocation is long done by then:
 * nothing here can delay, undo or fail it. A Clerk or Email Service failure is retried with back-off; one that has
 * lasted `giveUpAfterMs` ends the email `not_sent` with its reason, as does an owner no email can reach. A key
 * revoked under an instance name the configuration no longer has (renamed: `CLERK_SECRET_KEY` moved to
 * `CLERK_SECRET_KEYS`) has its owner looked for on each instance in turn.
 */

import type { ClerkFailure } from "../domain/clerk-failure";
import { buildOwnerEmail, maskAddress } from "../domain/owner-email";
import { retryDelaySeconds } from "../domain/retry-policy";
import type { OwnerEmails } from "../incidents/owner-emails";
import type { Logger } from "../lib/log";
import type { OwnerMailer } from "../notify/owner-mailer";
import type { ClerkInstance } from "./clerk-instance";
import { BACKGROUND_MAX_WAIT_MS } from "./resolve-token";
import { waitForSlot } from "./wait-for-slot";

/** How long a delivery holds its email: a Clerk lookup and the sends at their timeouts, with room to spare. */
export const OWNER_EMAIL_HOLD_MS = 60_000;
/** Sightings' details are erased after this long (the partner agreement): an email owed longer says nothing true. */
export const OWNER_EMAIL_MAX_AGE_MS = 30 * 86_400_000;

/** What the delivery works with. */
export interface OwnerEmailDeps {
  ownerEmails: OwnerEmails;
  instances: readonly ClerkInstance[];
  mailer: OwnerMailer;
  /** `OWNER_EMAIL_REPLY_TO`: whom the email's readers ask. */
  replyTo?: string | undefined;
  log: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** How long real failures may last, from the first, before the email is given up (GIVE_UP_AFTER_HOURS). */
  giveUpAfterMs: number;
  retryBaseDelaySeconds?: number;
}

/** Done with the message, or put it back this much later. */
export type OwnerEmailVerdict = { done: true } | { done: false; retryAfterSeconds: number };

/** Sends the owner email of `tokenHash`, if one is still owed. */
export type SendOwnerEmail = (tokenHash: string, attempt: number) => Promise<OwnerEmailVerdict>;

const DONE = { done: true } as const;

/** Builds the delivery. */
export function createOwnerEmailDelivery(deps: OwnerEmailDeps): SendOwnerEmail {
  const { ownerEmails, log } = deps;
  const backoff = (attempt: number) => ({
    done: false as const,
    retryAfterSeconds: retryDelaySeconds({
      attempt,
      baseDelaySeconds: deps.retryBaseDelaySeconds,
      random: deps.random(),
    }),
  });
  const notSent = async (tokenHash: string, reason: string) => {
    await ownerEmails.markNotSent(tokenHash, deps.now(), reason);
    log.info("owner_email_not_sent", { token_hash: tokenHash, reason });
    return DONE;
  };

  return async (tokenHash, attempt) => {
    const claim = await ownerEmails.claim(tokenHash, deps.now(), OWNER_EMAIL_HOLD_MS);
    if (claim.kind === "interrupted") {
      log.warn("owner_email_not_sent", { token_hash: tokenHash, reason: "send_interrupted" });
      return DONE;
    }
    if (claim.kind === "not_owed") return DONE;
    // Another delivery holds it: come back when its hold ends, in case that one died (it is then `send_interrupted`,
    // or owed again).
    if (claim.kind === "held")
      return {
        done: false,
        retryAfterSeconds: Math.max(1, Math.ceil((claim.until - deps.now()) / 1000) + 1),
      };
    const { job } = claim;
    const now = deps.now();
    if (now - job.facts.revokedAt > OWNER_EMAIL_MAX_AGE_MS) return notSent(tokenHash, "erased");
    /** A real failure: retried until it has lasted the give-up window. */
    const failing = async (reason: string) => {
      if (job.failingSince !== null && now - job.failingSince >= deps.giveUpAfterMs)
        return notSent(tokenHash, reason);
      const next = backoff(attempt + 1);
      await ownerEmails.release(tokenHash, job.hold, deps.now(), true, retryAt(next.retryAfterSeconds));
      log.warn("owner_email_retry", { token_hash: tokenHash, reason });
      return next;
    };
    /** When a message put back now comes again: the sweeper leaves the row alone until then. */
    const retryAt = (seconds: number) => deps.now() + seconds * 1000;

    const candidates = ownerInstances(job.instance, deps.instances);
    const found = await lookUpOwner(job.owner, candidates, deps);
    if (found.kind === "no_instance") return failing("clerk_instance_unknown");
    if (found.kind === "paced") {
      const seconds = Math.max(1, Math.ceil(found.retryAfterMs / 1000));
      await ownerEmails.release(tokenHash, job.hold, deps.now(), false, retryAt(seconds));
      return { done: false, retryAfterSeconds: seconds };
    }
    if (found.kind === "failed") {
      const { failure, instance } = found;
      if (failure.kind === "retryable") {
        if (failure.status === 429) await instance.pacer.slowDown((failure.retryAfterSeconds ?? 1) * 1000);
        return failing(`owner_lookup_${failure.reason}`);
      }
      // What the decision rests on, when it was not the instance on record that answered.
      if (candidates.length > 1)
        log.info("owner_lookup_searched", {
          token_hash: tokenHash,
          instance: job.instance,
          searched: candidates.map((i) => i.name),
        });
      // The user or organisation is gone from Clerk (from every instance that might hold it), or its id is not one:
      // nobody to tell.
      return notSent(
        tokenHash,
        `owner_lookup_${failure.kind === "not_found" ? "not_found" : failure.reason}`,
      );
    }
    if (found.addresses.length === 0) return notSent(tokenHash, "owner_has_no_email_address");

    // From here a crash may have sent it: a copy that finds `sending` sends nothing (owner-emails.ts).
    if (!(await ownerEmails.markSending(tokenHash, job.hold, deps.now()))) return DONE;
    const email = buildOwnerEmail(job.facts, deps.replyTo);
    const told: string[] = [];
    let retryable = false;
    let uncertain = false;
    for (const address of found.addresses) {
      const sent = await deps.mailer.send(address, email);
      if (sent.ok) told.push(address);
      else {
        retryable ||= sent.error.kind === "retryable";
        // An error that does not say the message was not taken (a timeout, a dropped connection): it may have gone.
        uncertain ||= sent.error.kind === "uncertain";
        log.warn("owner_email_refused", {
          token_hash: tokenHash,
          to: maskAddress(address),
          reason: sent.error.reason,
        });
      }
    }
    if (told.length === 0) {
      // Maybe sent: never again, so as never to double it.
      if (uncertain) return notSent(tokenHash, "send_interrupted");
      // Surely not sent: an Email Service outage delays the email, as a Clerk one does; a refusal ends it.
      const next = backoff(attempt + 1);
      if (retryable && !(job.failingSince !== null && now - job.failingSince >= deps.giveUpAfterMs)) {
        if (await ownerEmails.unsend(tokenHash, job.hold, deps.now(), retryAt(next.retryAfterSeconds)))
          return next;
      }
      return notSent(tokenHash, retryable ? "email_send_failed" : "email_refused");
    }
    await ownerEmails.markSent(tokenHash, deps.now(), told);
    log.info("owner_email_sent", { token_hash: tokenHash, to: told.map(maskAddress) });
    return DONE;
  };
}

/**
 * Where the owner is looked for. The instance on record; a key recorded with none (one instance configured) goes to
 * the first. One recorded under a name the configuration no longer has (renamed) is looked for on every instance, in
 * order: unlike the resolver, which waits for a lost instance to come back because its keys may still be live, this
 * key is revoked already, and its owner is whoever an instance configured now knows.
 */
function ownerInstances(
  onRecord: string | null,
  instances: readonly ClerkInstance[],
): readonly ClerkInstance[] {
  if (onRecord === null) return instances.slice(0, 1);
  const named = instances.find((i) => i.name === onRecord);
  return named ? [named] : instances;
}

/** What looking the owner up came to. */
type OwnerLookup =
  | { kind: "found"; addresses: string[] }
  | { kind: "paced"; retryAfterMs: number }
  | { kind: "failed"; failure: ClerkFailure; instance: ClerkInstance }
  | { kind: "no_instance" };

/**
 * Looks `owner` up on each candidate in turn, one background slot per call, as the queue paces its own: Clerk's 404
 * from one of several means "not this instance", and the next is asked; the first other answer ends the search (a
 * retryable failure is retried from the start, an owner found is the one told). `failed` with `not_found` only once
 * every candidate said so; `no_instance` when there is none to ask.
 */
async function lookUpOwner(
  owner: string,
  candidates: readonly ClerkInstance[],
  deps: Pick<OwnerEmailDeps, "sleep">,
): Promise<OwnerLookup> {
  let last: OwnerLookup = { kind: "no_instance" };
  for (const instance of candidates) {
    const slot = await waitForSlot(instance.pacer, deps.sleep, "background", BACKGROUND_MAX_WAIT_MS);
    if (!slot.ok) return { kind: "paced", retryAfterMs: slot.retryAfterMs };
    const found = await instance.clerk.owners.addressesOf(owner);
    if (found.ok) return { kind: "found", addresses: found.value };
    last = { kind: "failed", failure: found.error, instance };
    if (found.error.kind !== "not_found") return last;
  }
  return last;
}
