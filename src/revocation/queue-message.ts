/**
 * @module
 * Messages on the `REVOCATIONS` queue: revoke a token, or deliver a notification about one. Both
 * carry the token's hash and nothing else. The secret itself stays in D1, sealed, until the key id is
 * known (see README "Secrets at rest"), so a message is useless to anyone who reads it.
 */
import * as v from "valibot";

const TokenHash = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/** The event types sent to the key owner's team. */
export const NOTIFY_EVENT_TYPES = ["api_key.revoked", "api_key.revocation_failed"] as const;

/** A notification event type. */
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];

/** Revoke the token (`kind` may be absent: messages from before notifications existed). */
const RevokeMessageSchema = v.object({
  v: v.literal(1),
  kind: v.optional(v.literal("revoke"), "revoke"),
  token_hash: TokenHash,
});

/** Tell the key owner's team what happened to the token. */
const NotifyMessageSchema = v.object({
  v: v.literal(1),
  kind: v.literal("notify"),
  event: v.picklist(NOTIFY_EVENT_TYPES),
  token_hash: TokenHash,
});

/** Message schema, validated on receipt like any other trust boundary. */
export const QueueMessageSchema = v.union([NotifyMessageSchema, RevokeMessageSchema]);

/** Any message on the queue. */
export type QueueMessage = v.InferOutput<typeof QueueMessageSchema>;

/** A revocation message as sent. */
export type RevocationMessage = v.InferInput<typeof QueueMessageSchema>;

/** The message for one token. */
export const revocationMessage = (tokenHash: string): RevocationMessage => ({ v: 1, token_hash: tokenHash });

/** The message for one notification. */
export const notifyMessage = (tokenHash: string, event: NotifyEventType): RevocationMessage => ({
  v: 1,
  kind: "notify",
  event,
  token_hash: tokenHash,
});
