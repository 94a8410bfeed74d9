/**
 * The OAuth access token calls against a scripted SDK client: verify reads Clerk's token object (owner: its client),
 * and the revoke finds the client's application by its client id, once per isolate, then revokes the grant by the
 * token's value.
 */
import type { createClerkClient } from "@clerk/backend";
import { describe, expect, it } from "vitest";
import { createOAuthTokenCalls } from "./oauth-tokens";

type Clerk = ReturnType<typeof createClerkClient>;

const TOKEN_ID = "oat_0ef5a7a33d87ed87ee7954c845d80450";
const CLIENT = "client_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const SECRET = "oat_test_value_0123456789abcdefABCDEF";

function scripted(apps: { id: string; clientId: string; name: string }[]) {
  const calls: { list: string[]; revoke: { oauthApplicationId: string; token: string }[] } = {
    list: [],
    revoke: [],
  };
  const clerk = {
    idPOAuthAccessToken: {
      verify: async () => ({
        id: TOKEN_ID,
        clientId: CLIENT,
        subject: "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        revoked: false,
        revocationReason: null,
        expired: false,
        expiration: 1_900_000_000,
      }),
    },
    oauthApplications: {
      list: async ({ nameQuery }: { nameQuery: string }) => {
        calls.list.push(nameQuery);
        return {
          data: apps.filter((a) => a.clientId === nameQuery || a.name.includes(nameQuery)),
          totalCount: 1,
        };
      },
      revokeToken: async (params: { oauthApplicationId: string; token: string }) => {
        calls.revoke.push(params);
        return undefined;
      },
    },
  } as unknown as Clerk;
  return { clerk, calls };
}

describe("createOAuthTokenCalls", () => {
  it("reads a verified token's id, its client as owner, and its expiry (seconds) in milliseconds", async () => {
    const { clerk } = scripted([]);
    expect(await createOAuthTokenCalls(clerk, 1000).verify(SECRET)).toEqual({
      ok: true,
      value: {
        id: TOKEN_ID,
        subject: CLIENT,
        name: null,
        revoked: false,
        expired: false,
        revocationReason: null,
        expiration: 1_900_000_000_000,
      },
    });
  });

  it("revokes the grant through the application of the token's client, by the token's value", async () => {
    const { clerk, calls } = scripted([
      { id: "oa_other", clientId: `${CLIENT}x`, name: `name with ${CLIENT}` },
      { id: "oa_right", clientId: CLIENT, name: "Partner sync" },
    ]);
    const revoked = await createOAuthTokenCalls(clerk, 1000).revoke(TOKEN_ID, "Key compromised", {
      secret: SECRET,
      subject: CLIENT,
    });
    expect(calls.revoke).toEqual([{ oauthApplicationId: "oa_right", token: SECRET }]);
    expect(revoked).toMatchObject({ ok: true, value: { id: TOKEN_ID, name: "Partner sync", revoked: true } });
  });

  it("finds an application once: the next token of the same client costs one call to revoke", async () => {
    const { clerk, calls } = scripted([{ id: "oa_right", clientId: CLIENT, name: "Partner sync" }]);
    const oauth = createOAuthTokenCalls(clerk, 1000);
    expect(oauth.revokeCalls?.({ subject: CLIENT })).toBe(2);
    await oauth.revoke(TOKEN_ID, "r", { secret: SECRET, subject: CLIENT });
    expect(oauth.revokeCalls?.({ subject: CLIENT })).toBe(1);
    await oauth.revoke(TOKEN_ID, "r", { secret: SECRET, subject: CLIENT });
    expect(calls.list).toEqual([CLIENT]);
    expect(calls.revoke).toHaveLength(2);
  });

  it("shares one application lookup among tokens of one client revoked side by side", async () => {
    const { clerk, calls } = scripted([{ id: "oa_right", clientId: CLIENT, name: "Partner sync" }]);
    const oauth = createOAuthTokenCalls(clerk, 1000);
    const revoked = await Promise.all(
      [1, 2, 3].map(() => oauth.revoke(TOKEN_ID, "r", { secret: SECRET, subject: CLIENT })),
    );
    expect(revoked.map((r) => r.ok)).toEqual([true, true, true]);
    expect(calls.list).toEqual([CLIENT]);
  });

  it("waits, rather than calls the token deleted, when no application of its client is found", async () => {
    const { clerk, calls } = scripted([]);
    expect(
      await createOAuthTokenCalls(clerk, 1000).revoke(TOKEN_ID, "r", { secret: SECRET, subject: CLIENT }),
    ).toEqual({ ok: false, error: { kind: "retryable", reason: "oauth_application_not_found" } });
    expect(calls.revoke).toHaveLength(0);
  });

  it("waits rather than guesses without the token's value, and refuses a client id unfit for a query", async () => {
    const { clerk, calls } = scripted([]);
    const oauth = createOAuthTokenCalls(clerk, 1000);
    expect(await oauth.revoke(TOKEN_ID, "r", { subject: CLIENT })).toMatchObject({
      ok: false,
      error: { kind: "retryable", reason: "secret_unavailable_for_revoke" },
    });
    expect(await oauth.revoke(TOKEN_ID, "r", { secret: SECRET, subject: "client/../x" })).toMatchObject({
      ok: false,
      error: { kind: "final", reason: "invalid_oauth_client_id" },
    });
    expect(calls.list).toHaveLength(0);
  });
});
