import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ClerkErrorsSchema } from "../clerk-schemas.ts";
import { createClerkStandin } from "../clerk-standin.ts";

// The routing the Hono apps add: which requests reach the Clerk API, its fallback and the control API.
const SECRET_KEY = "sk_test_routing";
const AUTH = { authorization: `Bearer ${SECRET_KEY}` };

async function errorCode(res: Response): Promise<string | undefined> {
  return v.parse(ClerkErrorsSchema, await res.json()).errors[0]?.code;
}

describe("Clerk stand-in routing", () => {
  it("answers a path outside the spec 401 without a secret key and 404 with one, logged as unknown", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    const bare = await standin.handle(new Request("http://clerk.test/api_keys", { method: "GET" }));
    expect(bare.status).toBe(401);
    expect(await errorCode(bare)).toBe("authorization_header_missing");
    const authed = await standin.handle(
      new Request("http://clerk.test/v1/users", { method: "POST", headers: AUTH, body: "{}" }),
    );
    expect(authed.status).toBe(404);
    expect(authed.headers.get("content-type")).toBe("application/json");
    expect(await errorCode(authed)).toBe("resource_not_found");
    expect(standin.calls().map((c) => [c.operation, c.path, c.status])).toEqual([
      ["unknown", "/api_keys", 401],
      ["unknown", "/v1/users", 404],
    ]);
  });

  it("neither rate-limits nor faults a path outside the spec", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    standin.setRateLimit({ limit: 1, windowMs: 60_000 });
    standin.script([{ status: 503 }]);
    for (let i = 0; i < 2; i++) {
      const res = await standin.handle(
        new Request("http://clerk.test/api_keys/unknown/op", { headers: AUTH }),
      );
      expect(res.status).toBe(404);
    }
    expect(standin.pendingFaults()).toEqual([{ status: 503 }]);
  });

  it("keeps control requests out of the call log and answers an unknown control route 404", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    const res = await standin.handle(new Request("http://clerk.test/__standin/nothing", { method: "POST" }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no such control route" });
    await standin.handle(new Request("http://clerk.test/__standin/calls"));
    expect(standin.calls()).toEqual([]);
  });

  it("records the key id of get and revoke, and 400s a malformed one only after authentication", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    const unauthenticated = await standin.handle(
      new Request("http://clerk.test/api_keys/ak_bad/revoke", { method: "POST", body: "{}" }),
    );
    expect(unauthenticated.status).toBe(401);
    const malformed = await standin.handle(
      new Request("http://clerk.test/api_keys/ak_bad", { headers: AUTH }),
    );
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("bad_request");
    expect(standin.calls().map((c) => [c.operation, c.keyId, c.status])).toEqual([
      ["revoke", "ak_bad", 401],
      ["get", "ak_bad", 400],
    ]);
  });
});

describe("Clerk stand-in keys kept across runs (exportKeys, importKeys)", () => {
  it("gives a new stand-in the keys, their state and their counters, and never a raw secret", async () => {
    const first = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true });
    const key = await first.createKey();
    const revoke = () =>
      new Request(`http://clerk.test/api_keys/${key.id}/revoke`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ revocation_reason: "Key compromised" }),
      });
    expect((await first.handle(revoke())).status).toBe(200);
    const kept = JSON.parse(JSON.stringify(first.exportKeys()));
    expect(JSON.stringify(kept)).not.toContain(key.secret);

    // Seeded with live demo keys of its own, which the kept ones replace.
    const second = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true });
    await second.importKeys(kept);
    expect(second.getKey(key.id)).toEqual(first.getKey(key.id));
    expect(second.getKey(key.id)).toMatchObject({ revoked: true, revoke_count: 1 });
    const verify = await second.handle(
      new Request("http://clerk.test/api_keys/verify", {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ secret: key.secret }),
      }),
    );
    expect(verify.status).toBe(404);
  });

  it("refuses what exportKeys did not write", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    await expect(standin.importKeys([{ id: "ak_x" }])).rejects.toThrow();
  });
});
