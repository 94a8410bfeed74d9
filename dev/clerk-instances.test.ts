import { describe, expect, it } from "vitest";
import { createClerkInstances } from "./clerk-instances.ts";

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
});
