/**
 * @module
 * The `REVOCATIONS` queue message: the token's hash and nothing else. The secret itself stays in D1,
 * sealed, until the key id is known (see the trade-off in README "Secrets at rest"), so a queue
 * message is useless to anyone who reads it.
 */
import * as v from "valibot";

/** Message schema, validated on receipt like any other trust boundary. */
export const RevocationMessageSchema = v.object({
  v: v.literal(1),
  token_hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});

/** A revocation message. */
export type RevocationMessage = v.InferOutput<typeof RevocationMessageSchema>;

/** The message for one token. */
export const revocationMessage = (tokenHash: string): RevocationMessage => ({ v: 1, token_hash: tokenHash });
