/**
 * @module
 * Clerk's opaque M2M tokens (`mt_…`) through `@clerk/backend`'s `m2m` API, authenticated with the instance's secret
 * key, which Clerk's published API lets verify and revoke any token of the instance:
 * - `POST /m2m_tokens/verify` (`m2m.verify`): the token's id (`mt_` + 32 hex), its machine (`subject`, `mch_…`),
 *   `revoked`, `revocation_reason`, `expired` and `expiration`; 200 for a dead token too.
 * - `POST /m2m_tokens/{id}/revoke` (`m2m.revokeToken`), with a `revocation_reason`.
 *
 * Clerk publishes no call that reads a token by id, so there is no `lookup`: after a refused revoke the resolver
 * verifies the secret again. JWT-format M2M tokens are stateless and cannot be revoked; they are not handled here.
 */
import type { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import { ClerkM2MTokenIdSchema } from "../domain/clerk-ids";
import { callClerk, invalidId } from "./call";
import type { ClerkKey, CredentialCalls } from "./credential";

/** Clerk's M2M token object as the SDK hands it over (camelCase); the same required fields as an API key's. */
const M2MTokenSchema = v.pipe(
  v.object({
    id: ClerkM2MTokenIdSchema,
    subject: v.string(),
    revoked: v.boolean(),
    expired: v.boolean(),
    revocationReason: v.optional(v.nullable(v.string()), null),
    expiration: v.optional(v.nullable(v.number()), null),
  }),
  v.transform((token): ClerkKey => ({ ...token, name: null })),
);

/** The M2M calls over one SDK client. */
export function createM2MTokenCalls(
  clerk: ReturnType<typeof createClerkClient>,
  timeoutMs: number,
): CredentialCalls {
  const call = (run: () => Promise<unknown>) => callClerk(M2MTokenSchema, timeoutMs, run);
  return {
    verify: (token) => call(() => clerk.m2m.verify({ token })),
    revoke: (id, reason) =>
      v.is(ClerkM2MTokenIdSchema, id)
        ? call(() => clerk.m2m.revokeToken({ m2mTokenId: id, revocationReason: reason }))
        : invalidId("invalid_m2m_token_id"),
  };
}
