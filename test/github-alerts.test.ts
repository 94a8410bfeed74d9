import { exports } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SigningKey } from "../dev/signer";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import {
  callsOf,
  clerkKey,
  createLiveKey,
  match,
  publishedSigningKey,
  resetClerk,
  signedAlert,
} from "./support/standins";

let key: SigningKey;

beforeAll(async () => {
  await migrate();
  key = await publishedSigningKey();
});

beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

const send = async (body: unknown) =>
  exports.default.fetch(await signedAlert(key, typeof body === "string" ? body : JSON.stringify(body)));

describe("POST /v1/alerts/github: a verified alert", () => {
  it("revokes a live key and labels it true_positive", async () => {
    const live = await createLiveKey();
    const res = await send([match(live.secret)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { token_hash: await sha256Hex(live.secret), token_type: "clerk_api_key", label: "true_positive" },
    ]);
    expect((await clerkKey(live.id)).revoked).toBe(true);
    const revokes = await callsOf("revoke");
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.body).toEqual({ revocation_reason: "Key compromised" });
    expect(await incident(await sha256Hex(live.secret))).toMatchObject({ status: "revoked", key_id: live.id });
  });
});
