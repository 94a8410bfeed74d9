/**
 * @module
 * Messages on the `REVOCATIONS` queue: revoke a token, deliver a notification about one, record an alert D1
 * could not take, or check a period's `not_found` verdicts again. The first two carry the token's hash and nothing else; a record message carries secrets only
 * sealed. The secret itself stays in D1, sealed, until the key id is
 * known (see README "Secrets at rest"), so a message is useless to anyone who reads it.
 */
import * as v from "valibot";
import { TokenHashSchema, TokenTypeSchema } from "../domain/incident";
import { type NotifyEventType, NotifyEventTypeSchema } from "../domain/notify-event";

/** Revoke the token (`kind` may be absent: messages from before notifications existed). */
const RevokeMessageSchema = v.object({
  v: v.literal(1),
  kind: v.optional(v.literal("revoke"), "revoke"),
  token_hash: TokenHashSchema,
});

/** Tell the key owner's team what happened to the token. */
const NotifyMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("notify"),
  event: NotifyEventTypeSchema,
  token_hash: TokenHashSchema,
});

/** What Clerk said of a key that was revoked while D1 was down. */
const RevokedKeySchema = v.object({
  id: v.string(),
  subject: v.string(),
  /** `null` for an M2M token, which has no name. */
  name: v.nullable(v.string()),
  /** The Clerk instance that revoked it; absent in messages queued before there were several. */
  instance: v.optional(v.string()),
});

/**
 * Record an alert that D1 could not take when it arrived (see record-later.ts). It carries what `repo.record` would
 * have written: hashes, prefixes, sealed secrets (never a raw one) and sightings, plus what the inline revocation
 * already did, so the incident is recorded as revoked instead of verified again (Clerk would now say 404).
 */
const RecordMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("record"),
  sender: v.string(),
  /** When the alert arrived (ms since the epoch). */
  at: v.number(),
  incidents: v.array(
    v.object({
      h: TokenHashSchema,
      p: v.string(),
      t: TokenTypeSchema,
      s: v.picklist(["pending", "ignored"]),
      /** The sealed secret; `null` for tokens that cannot be Clerk's. */
      x: v.nullable(v.string()),
      revoked: v.optional(RevokedKeySchema),
    }),
  ),
  sightings: v.array(
    v.object({ i: v.string(), h: TokenHashSchema, u: v.string(), s: v.string(), t: v.string() }),
  ),
});

/**
 * Check again, with Clerk, every `not_found` verdict written in `[since, until]` after the cursor: one chunk per message
 * (use-cases/recheck-not-found.ts), each sending the next. Carries times and a token hash only.
 */
const RecheckMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("recheck"),
  since: v.number(),
  until: v.number(),
  after: v.optional(v.object({ updated_at: v.number(), token_hash: TokenHashSchema })),
});

/** A recheck message's body. */
export type RecheckMessage = v.InferOutput<typeof RecheckMessageSchema>;

/** A record message's body. */
export type RecordMessage = v.InferOutput<typeof RecordMessageSchema>;

/**
 * Read a GitHub App's alert and act on it (use-cases/handle-github-alert.ts). Coordinates only: GitHub's delivery
 * carries no secret, and the message carries nothing more. `round` counts the times it came back for GitHub or for
 * the key's revocation; the back-off grows with it, and it gives up past `GITHUB_ALERT_MAX_ROUNDS`.
 */
const GithubAlertMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("github_alert"),
  installation_id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  repository_id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  owner: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  repo: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  number: v.pipe(v.number(), v.integer(), v.minValue(1)),
  round: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
});

/** A GitHub alert message's body. */
export type GithubAlertMessage = v.InferOutput<typeof GithubAlertMessageSchema>;

/** Tell a revoked key's owner (owner-emails.ts holds whether it is still owed). */
const OwnerEmailMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("owner_email"),
  token_hash: TokenHashSchema,
});

/** Message schema, validated on receipt like any other trust boundary. */
export const QueueMessageSchema = v.union([
  GithubAlertMessageSchema,
  NotifyMessageSchema,
  OwnerEmailMessageSchema,
  RecordMessageSchema,
  RecheckMessageSchema,
  RevokeMessageSchema,
]);

/** Any message on the queue, as sent (revoke, notify or record). */
export type QueueMessageBody = v.InferInput<typeof QueueMessageSchema>;

/** The message for one token. */
export const revocationMessage = (tokenHash: string): QueueMessageBody => ({ v: 1, token_hash: tokenHash });

/** The message for one notification. */
export const notifyMessage = (tokenHash: string, event: NotifyEventType): QueueMessageBody => ({
  v: 1,
  kind: "notify",
  event,
  token_hash: tokenHash,
});

/** The message that sends (or settles) a revoked key's owner email. */
export const ownerEmailMessage = (tokenHash: string): QueueMessageBody => ({
  v: 1,
  kind: "owner_email",
  token_hash: tokenHash,
});
