import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createClerkInstances } from "./clerk-instances.ts";
import { ApiKeySchema } from "./clerk-schemas.ts";
import { DEFAULT_MODES } from "./clerk-standin.ts";

const PROD = "sk_live_instances_test_prod";
const STAGING = "sk_test_instances_test_staging";

function pair() {
  return createClerkInstances([
    { name: "prod", secretKey: PROD },
    { name: "staging", secretKey: STAGING },
  ]);
}

const verify = (clerk: ReturnType<typeof pair>, secretKey: string, secret: string) =>
  clerk.handle(
    new Request("https://api.clerk.test/api_keys/verify", {
      method: "POST",
      headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ secret }),
    }),
  );

describe("several Clerk stand-in instances behind one host", () => {
  it("routes each API call by its bearer secret key to that instance's keys", async () => {
    const clerk = pair();
    const key = await clerk.instance("staging")?.createKey();
    if (!key) throw new Error("no staging instance");
    expect((await verify(clerk, STAGING, key.secret)).status).toBe(200);
    expect((await verify(clerk, PROD, key.secret)).status).toBe(404);
  });

  it("answers 401 to a secret key no instance holds", async () => {
    expect((await verify(pair(), "sk_live_nobody", "ak_whatever0123456789")).status).toBe(401);
  });

  it("serves each instance's control API under /instances/<name>, and every instance's keys together", async () => {
    const clerk = pair();
    const created = await clerk.handle(
      new Request("https://api.clerk.test/instances/prod/__standin/keys", { method: "POST", body: "{}" }),
    );
    expect(created.status).toBe(200);
    const all = (await (await clerk.handle(new Request("https://api.clerk.test/__standin/keys"))).json()) as {
      instance: string;
    }[];
    expect(all.map((k) => k.instance)).toEqual(["prod"]);
    expect(
      (await clerk.handle(new Request("https://api.clerk.test/instances/qa/__standin/keys"))).status,
    ).toBe(404);
  });

  it("lists every instance's OAuth tokens together, and mints only in the instance named, each with its own JWKS", async () => {
    const clerk = pair();
    const mint = (name: string) =>
      clerk.handle(
        new Request(`https://api.clerk.test/instances/${name}/__standin/oauth_access_tokens`, {
          method: "POST",
          body: "{}",
        }),
      );
    expect((await mint("staging")).status).toBe(200);
    const all = (await (
      await clerk.handle(new Request("https://api.clerk.test/__standin/oauth_access_tokens"))
    ).json()) as { instance: string }[];
    expect(all.map((t) => t.instance)).toEqual(["staging"]);
    const unnamed = await clerk.handle(
      new Request("https://api.clerk.test/__standin/oauth_access_tokens", { method: "POST", body: "{}" }),
    );
    expect(unnamed.status).toBe(404);
    const kid = async (secretKey: string) =>
      (
        (await (
          await clerk.handle(
            new Request("https://api.clerk.test/v1/jwks", {
              headers: { authorization: `Bearer ${secretKey}` },
            }),
          )
        ).json()) as { keys: { kid: string }[] }
      ).keys[0]?.kid;
    expect(await kid(PROD)).not.toBe(await kid(STAGING));
  });

  it("sets one instance's modes under /instances/<name>/__standin/modes and leaves the others' alone", async () => {
    const clerk = pair();
    const modes = (name: string, init?: RequestInit) =>
      clerk.handle(new Request(`https://api.clerk.test/instances/${name}/__standin/modes`, init));
    const set = await modes("prod", { method: "POST", body: JSON.stringify({ dead_keys: "flagged" }) });
    expect(set.status).toBe(200);
    expect(await (await modes("prod")).json()).toEqual({ ...DEFAULT_MODES, dead_keys: "flagged" });
    expect(await (await modes("staging")).json()).toEqual(DEFAULT_MODES);

    const key = await clerk.instance("prod")?.createKey();
    if (!key) throw new Error("no prod instance");
    await clerk.handle(
      new Request(`https://api.clerk.test/api_keys/${key.id}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${PROD}` },
        body: "{}",
      }),
    );
    const flagged = await verify(clerk, PROD, key.secret);
    expect(flagged.status).toBe(200);
    expect(v.parse(ApiKeySchema, await flagged.json()).revoked).toBe(true);
  });

  it("answers 404 to /__standin/modes without an instance, and resets every instance's modes together", async () => {
    const clerk = pair();
    const bare = await clerk.handle(new Request("https://api.clerk.test/__standin/modes"));
    expect(bare.status).toBe(404);
    clerk.instance("prod")?.setModes({ second_revoke: "refused" });
    clerk.instance("staging")?.setModes({ unknown_routes: "bare" });
    await clerk.handle(new Request("https://api.clerk.test/__standin/reset", { method: "POST" }));
    expect(clerk.instance("prod")?.modes()).toEqual(DEFAULT_MODES);
    expect(clerk.instance("staging")?.modes()).toEqual(DEFAULT_MODES);
  });
});
