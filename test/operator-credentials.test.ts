/**
 * Operators act on each Clerk credential kind (issue 25) through `POST /v1/revocations` and the console's revoke
 * page: by secret (an OAuth access token, a JWT), by id (an M2M token's), and a machine's secret key rotated by the
 * machine's id. Each goes through the one resolver, so each leaves an incident with sender `manual`.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../src";
import { sha256Hex } from "../src/lib/hash";
import { clearTables, incident, migrate } from "./support/db";
import { watchSecrecy } from "./support/secrecy";
import {
  CLERK,
  clerkCalls,
  clerkM2MTokens,
  clerkMachines,
  clerkOAuthTokens,
  createM2MToken,
  createMachine,
  createOAuthToken,
  resetClerk,
  setClerkModes,
} from "./support/standins";

const ADMIN_TOKEN = "test-admin-token-kinds-0123456789abcdef0";
const secrecy = watchSecrecy({ clerk: CLERK });

beforeAll(migrate);
beforeEach(async () => {
  await clearTables();
  await resetClerk();
});

/** `POST /v1/revocations` with `body`; its status and parsed answer. */
async function revoke(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request("http://autorevoke.test/v1/revocations", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ADMIN_TOKEN } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  secrecy.sawResponse(text);
  return { status: res.status, json: JSON.parse(text) };
}

const keyIdHash = (id: string) => sha256Hex(`key_id:${id}`);

describe("POST /v1/revocations, for each kind", () => {
  it("revokes an OAuth access token's grant by its secret", async () => {
    const oauth = await createOAuthToken();

    const { status, json } = await revoke({ secret: oauth.token });

    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: "revoked", status: "revoked", key_id: oauth.id });
    expect((await clerkOAuthTokens()).find((t) => t.id === oauth.id)).toMatchObject({ revoked: true });
  });

  it("revokes an M2M token by its id, with the operator's reason", async () => {
    const m2m = await createM2MToken();

    const { status, json } = await revoke({ key_id: m2m.id, reason: "Found in a support ticket" });

    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: "revoked", key_id: m2m.id });
    expect((await clerkM2MTokens()).find((t) => t.id === m2m.id)).toMatchObject({
      revoked: true,
      revocation_reason: "Found in a support ticket",
    });
    expect(await incident(await keyIdHash(m2m.id))).toMatchObject({
      token_type: "clerk_m2m_token_id",
      status: "revoked",
    });
    expect((await clerkCalls()).map((c) => c.operation)).toEqual(["m2m_revoke"]);
  });

  it("fails an M2M token id Clerk refuses to revoke again, since no secret can say what Clerk holds", async () => {
    const m2m = await createM2MToken();
    await revoke({ key_id: m2m.id });
    await clearTables();
    await setClerkModes({ second_revoke: "refused" });

    const { status, json } = await revoke({ key_id: m2m.id });

    expect(status).toBe(502);
    expect(json).toMatchObject({ outcome: "failed" });
    expect(await incident(await keyIdHash(m2m.id))).toMatchObject({
      status: "failed",
      last_error: expect.stringContaining("unconfirmable_without_secret"),
    });
  });

  it("rotates a machine's secret key by the machine's id, with no grace for the old one", async () => {
    const machine = await createMachine();

    const { status, json } = await revoke({ machine_id: machine.id });

    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: "revoked", status: "revoked" });
    expect((await clerkMachines()).find((m) => m.id === machine.id)).toMatchObject({
      rotate_count: 1,
      previous_token_ttls: [0],
    });
    expect(await incident(await keyIdHash(machine.id))).toMatchObject({
      token_type: "clerk_machine_id",
      status: "revoked",
      key_id: machine.id,
    });
  });

  it("answers 409 cannot_be_revoked for a JWT the instance signed, and calls no revoke", async () => {
    const jwt = await createM2MToken({ token_format: "jwt" });

    const { status, json } = await revoke({ secret: jwt.token });

    expect(status).toBe(409);
    expect(json).toMatchObject({ outcome: "cannot_be_revoked", status: "revoked", label: "true_positive" });
    expect((await clerkCalls()).filter((c) => c.operation !== "jwks")).toEqual([]);
  });

  it("answers 409 again when asked again about the same JWT, never 'already revoked'", async () => {
    const jwt = await createM2MToken({ token_format: "jwt" });
    await revoke({ secret: jwt.token });

    const { status, json } = await revoke({ secret: jwt.token });

    expect(status).toBe(409);
    expect(json).toMatchObject({ outcome: "cannot_be_revoked" });
  });

  it("rotates a machine's secret key again each time an operator asks: a new secret may have leaked since", async () => {
    const machine = await createMachine();
    await revoke({ machine_id: machine.id });

    const { status, json } = await revoke({ machine_id: machine.id });

    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: "revoked" });
    expect((await clerkMachines()).find((m) => m.id === machine.id)).toMatchObject({
      rotate_count: 2,
      previous_token_ttls: [0, 0],
    });
  });

  it("refuses an id of no Clerk shape, and a machine id with a reason, before any call", async () => {
    for (const body of [
      { key_id: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk" },
      { machine_id: "mch_../../users" },
      { machine_id: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", reason: "rotations take none" },
      { key_id: "oat_0ef5a7a33d87ed87ee7954c845d80450" },
    ]) {
      const { status } = await revoke(body);
      expect(status).toBe(400);
    }
    expect(await clerkCalls()).toEqual([]);
  });
});
