/**
 * @module
 * Clerk's opaque OAuth access tokens (`oat_…`, the instance acting as an OAuth provider) through `@clerk/backend`,
 * authenticated with the instance's secret key:
 * - `POST /oauth_applications/access_tokens/verify` (`idPOAuthAccessToken.verify`): the token's id (`oat_` + 32 hex),
 *   its OAuth client (`client_id`), the user who granted it (`subject`), `revoked`, `expired`, `expiration`; 200 for
 *   a dead token too;
 * - `GET /oauth_applications?name_query=<client_id>` (`oauthApplications.list`): the application of that client, which
 *   the revoke needs (Clerk's documented filter takes an exact client id);
 * - `POST /oauth_applications/{id}/revoke_token` (`oauthApplications.revokeToken`) with the token itself: revokes the
 *   whole grant, access and refresh tokens, and answers 204.
 *
 * The owner recorded is the OAuth client (`client_id`); the name, the application's. An application found is kept
 * for this isolate's life (a client id names one application for good), so a second token of the same client costs
 * one call to revoke, not two. Clerk answers `{active: false}` to an expired JWT access token; those never come here
 * (clerk/jwt-tokens.ts), and the answer is unreadable, retried rather than read as a verdict.
 */
import type { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import { CLERK_MISCONFIGURED, type ClerkFailure } from "../domain/clerk-failure";
import { ClerkOAuthTokenIdSchema } from "../domain/clerk-ids";
import { err, ok, type Result } from "../lib/result";
import { callClerk, invalidId } from "./call";
import type { ClerkKey, CredentialCalls, RevokeContext } from "./credential";

/** Clerk's client ids and application ids go into a query and a path: word characters only. */
const ClientIdSchema = v.pipe(v.string(), v.regex(/^\w{1,128}$/));

/**
 * Clerk's OAuth token `expiration` is in seconds by its published example and the SDK's own doc, where an API key's is
 * in milliseconds; a value past the year 5138 in seconds can only be milliseconds already.
 */
const inMilliseconds = (expiration: number) => (expiration < 1e11 ? expiration * 1000 : expiration);

/** Clerk's OAuth access token object as the SDK hands it over (camelCase). */
const OAuthTokenSchema = v.pipe(
  v.object({
    id: ClerkOAuthTokenIdSchema,
    clientId: ClientIdSchema,
    revoked: v.boolean(),
    expired: v.boolean(),
    revocationReason: v.optional(v.nullable(v.string()), null),
    expiration: v.optional(v.nullable(v.number()), null),
  }),
  v.transform(
    (token): ClerkKey => ({
      id: token.id,
      subject: token.clientId,
      name: null,
      revoked: token.revoked,
      expired: token.expired,
      revocationReason: token.revocationReason,
      expiration: token.expiration === null ? null : inMilliseconds(token.expiration),
    }),
  ),
);

const ApplicationListSchema = v.object({
  data: v.array(v.object({ id: ClientIdSchema, clientId: v.string(), name: v.string() })),
});

/** Applications asked for per lookup (Clerk's maximum is 500). */
const APPLICATION_PAGE = 100;

/** The revoke answers 204: nothing to read. */
const NoContentSchema = v.unknown();

/** The OAuth access token calls over one SDK client. */
export function createOAuthTokenCalls(
  clerk: ReturnType<typeof createClerkClient>,
  timeoutMs: number,
): CredentialCalls {
  /** Applications by client id, as found. */
  const applications = new Map<string, { id: string; name: string }>();

  type Application = Result<{ id: string; name: string }, ClerkFailure>;
  /** Lookups under way, by client id: the tokens of one client in one alert are revoked side by side, and share one. */
  const finding = new Map<string, Promise<Application>>();

  async function find(clientId: string): Promise<Application> {
    const page = await callClerk(ApplicationListSchema, timeoutMs, () =>
      // The filter also matches names holding the client id: a page wide enough that the exact one is on it.
      clerk.oauthApplications.list({ nameQuery: clientId, limit: APPLICATION_PAGE }),
    );
    // The list has no 404 among its published answers: one means the route is wrong, not that the token is gone (read
    // as the token's answer, it would record a live token deleted). Retried and logged like any misrouted call.
    if (!page.ok && page.error.kind === "not_found")
      return err({ kind: "retryable", reason: CLERK_MISCONFIGURED, status: 404 } as const);
    if (!page.ok) return page;
    const app = page.value.data.find((a) => a.clientId === clientId);
    // No application of this client on the page: ours to doubt, not Clerk's 404 (which would record the token as
    // deleted, unrevoked). Retried like an outage, and a person looks once that has lasted the give-up window.
    if (!app) return err({ kind: "retryable", reason: "oauth_application_not_found" } as const);
    const found = { id: app.id, name: app.name };
    applications.set(clientId, found);
    return ok(found);
  }

  function applicationOf(clientId: string): Promise<Application> {
    const known = applications.get(clientId);
    if (known) return Promise.resolve(ok(known));
    let lookup = finding.get(clientId);
    if (!lookup) {
      lookup = find(clientId).finally(() => finding.delete(clientId));
      finding.set(clientId, lookup);
    }
    return lookup;
  }

  async function revoke(id: string, reason: string, context: RevokeContext = {}) {
    if (!v.is(ClerkOAuthTokenIdSchema, id)) return invalidId("invalid_oauth_token_id");
    const { secret, subject } = context;
    if (secret === undefined)
      return err({ kind: "retryable", reason: "secret_unavailable_for_revoke" } as const);
    if (!subject || !v.is(ClientIdSchema, subject)) return invalidId("invalid_oauth_client_id");
    const app = await applicationOf(subject);
    if (!app.ok) return app;
    const revoked = await callClerk(NoContentSchema, timeoutMs, () =>
      clerk.oauthApplications.revokeToken({ oauthApplicationId: app.value.id, token: secret }),
    );
    if (!revoked.ok) return revoked;
    return ok({
      id,
      subject,
      name: app.value.name,
      revoked: true,
      expired: false,
      revocationReason: reason,
      expiration: null,
    } satisfies ClerkKey);
  }

  return {
    verify: (token) => callClerk(OAuthTokenSchema, timeoutMs, () => clerk.idPOAuthAccessToken.verify(token)),
    revoke,
    revokesBySecret: true,
    // 2 until the application is known, even when joining a lookup under way: should that one fail, this revoke
    // starts its own.
    revokeCalls: ({ subject }) => (subject && applications.has(subject) ? 1 : 2),
  };
}
