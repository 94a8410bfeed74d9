import { decodeJwt } from "@clerk/backend/jwt";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { OAuthAccessTokenSchema } from "../clerk-schemas.ts";
import {
  createClerkStandin,
  DEMO_M2M_TOKENS,
  DEMO_MACHINES,
  DEMO_OAUTH_GRANTS,
  DEMO_PREFIX_CHARS,
  PROD_DEMO_KEYS,
} from "../clerk-standin.ts";

// What `npm start` seeds beside the demo keys: one credential of every other kind, on the instance of the default
// demo keys only, reported without its value.
const SECRET_KEY = "sk_test_seed";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };
const BASE = "https://seed.clerk.test";

function call(standin: ReturnType<typeof createClerkStandin>, path: string, body?: unknown) {
  return standin.handle(
    new Request(`${BASE}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: AUTH,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

describe("Clerk stand-in demo credentials (seedDemo)", () => {
  it("seeds a machine secret key, an M2M token and JWT, an OAuth access token and JWT, all live", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, issuer: BASE });
    await standin.reset();
    const seeded = await standin.demoCredentials();
    expect(seeded.map((d) => [d.kind, d.state])).toEqual([
      ["machine_secret_key", "live"],
      ["m2m_token", "live"],
      ["m2m_jwt", "live"],
      ["oauth_access_token", "live"],
      ["oauth_jwt", "live"],
    ]);
    expect(seeded.every((d) => d.prefix.length === DEMO_PREFIX_CHARS)).toBe(true);
    expect(seeded.map((d) => d.id)).toEqual(
      expect.arrayContaining([DEMO_MACHINES[0]?.id, DEMO_M2M_TOKENS[0]?.id, DEMO_OAUTH_GRANTS[0]?.token.id]),
    );
  });

  it("serves them: the opaque OAuth token verifies, the JWTs are signed for the instance's origin", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, issuer: BASE });
    const grant = DEMO_OAUTH_GRANTS[0];
    if (!grant) throw new Error("no demo grant");
    const res = await call(standin, "/oauth_applications/access_tokens/verify", {
      access_token: grant.token.token,
    });
    expect(v.parse(OAuthAccessTokenSchema, await res.json())).toMatchObject({
      id: grant.token.id,
      client_id: grant.application.client_id,
    });
    const records = (await (await call(standin, "/__standin/jwts")).json()) as {
      kind: string;
      subject: string;
    }[];
    expect(records.map((r) => [r.kind, r.subject])).toEqual([
      ["m2m", DEMO_MACHINES[0]?.id],
      ["oauth", grant.token.subject],
    ]);
    const machines = (await (await call(standin, "/v1/machines")).json()) as { data: { id: string }[] };
    expect(machines.data.map((m) => m.id)).toEqual([DEMO_MACHINES[0]?.id]);
  });

  it("reports a revoked demo OAuth token as revoked, and seeds it live again after a reset", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, issuer: BASE });
    const grant = DEMO_OAUTH_GRANTS[0];
    if (!grant) throw new Error("no demo grant");
    const res = await call(standin, `/v1/oauth_applications/${grant.application.id}/revoke_token`, {
      token: grant.token.token,
    });
    expect(res.status).toBe(204);
    const state = async () =>
      (await standin.demoCredentials()).find((d) => d.kind === "oauth_access_token")?.state;
    expect(await state()).toBe("revoked");
    await standin.reset();
    expect(await state()).toBe("live");
  });

  it("seeds none of them on an instance with demo keys of its own (prod), nor without seedDemo", async () => {
    const prod = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, demoKeys: PROD_DEMO_KEYS });
    await prod.reset();
    expect(await prod.demoCredentials()).toEqual([]);
    const bare = createClerkStandin({ secretKey: SECRET_KEY });
    await bare.reset();
    expect(await bare.demoCredentials()).toEqual([]);
  });

  it("never hands out a whole value", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, issuer: BASE });
    await standin.reset();
    const shown = JSON.stringify(await standin.demoCredentials());
    for (const secret of [
      DEMO_MACHINES[0]?.secret,
      DEMO_M2M_TOKENS[0]?.token,
      DEMO_OAUTH_GRANTS[0]?.token.token,
    ]) {
      expect(shown).not.toContain(secret);
    }
    const jwt = (await (await call(standin, "/__standin/m2m_tokens", { token_format: "jwt" })).json()) as {
      token: string;
    };
    expect(decodeJwt(jwt.token).payload.iss).toBe(BASE);
  });
});
