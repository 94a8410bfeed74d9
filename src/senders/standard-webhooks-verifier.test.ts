import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyAlert } from "./alert-verifier";
import { createStandardWebhooksVerifier } from "./standard-webhooks-verifier";

const SECRET = "whsec_dW5pdC10ZXN0LWluYm91bmQtc2VjcmV0LTAxMjM=";
const verifier = createStandardWebhooksVerifier(SECRET);
const verify = (h: Headers, b: ArrayBuffer) => verifyAlert(verifier, h, b);
const body = '[{"token":"ak_x","type":"clerk_api_key"}]';
const bytes = new TextEncoder().encode(body).buffer as ArrayBuffer;

function headers(options: { id?: string; at?: Date; secret?: string; signature?: string } = {}): Headers {
  const id = options.id ?? "msg_1";
  const at = options.at ?? new Date();
  return new Headers({
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": options.signature ?? new Webhook(options.secret ?? SECRET).sign(id, at, body),
  });
}

describe("createStandardWebhooksVerifier", () => {
  it("accepts a body signed with the secret", async () => {
    expect(await verify(headers(), bytes)).toEqual({ ok: true, value: undefined });
  });

  it("rejects a signature made with another secret", async () => {
    const other = "whsec_b3RoZXItc2VjcmV0LW5vdC1vdXJzLTAxMjM0NQ==";
    expect(await verify(headers({ secret: other }), bytes)).toEqual({
      ok: false,
      error: { kind: "bad_signature" },
    });
  });

  it("rejects a tampered body", async () => {
    const tampered = new TextEncoder().encode(`${body} `).buffer as ArrayBuffer;
    expect(await verify(headers(), tampered)).toEqual({ ok: false, error: { kind: "bad_signature" } });
  });

  it.each([
    ["six minutes old", -6 * 60_000],
    ["six minutes ahead", 6 * 60_000],
  ])("rejects a timestamp %s", async (_name, offset) => {
    const result = await verify(headers({ at: new Date(Date.now() + offset) }), bytes);
    expect(result).toEqual({ ok: false, error: { kind: "stale_timestamp" } });
  });

  it("accepts a timestamp four minutes old", async () => {
    expect((await verify(headers({ at: new Date(Date.now() - 4 * 60_000) }), bytes)).ok).toBe(true);
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])(
    "rejects a request without %s",
    async (name) => {
      const h = headers();
      h.delete(name);
      expect(await verify(h, bytes)).toEqual({ ok: false, error: { kind: "missing_headers" } });
    },
  );

  it("refuses missing headers in the header stage, before there is a body to read", () => {
    expect(verifier(new Headers())).toEqual({ ok: false, error: { kind: "missing_headers" } });
  });

  it("rejects an oversized signature header before any HMAC", async () => {
    expect(await verify(headers({ signature: `v1,${"A".repeat(2000)}` }), bytes)).toEqual({
      ok: false,
      error: { kind: "malformed_signature" },
    });
  });

  it("rejects a body that is not UTF-8", async () => {
    const invalid = new Uint8Array([0x5b, 0xff, 0x5d]).buffer as ArrayBuffer;
    expect(await verify(headers(), invalid)).toEqual({ ok: false, error: { kind: "bad_signature" } });
  });

  it("accepts one valid signature among several (secret rotation)", async () => {
    const h = headers();
    h.set("webhook-signature", `v1,bm90LXRoaXMtb25l ${h.get("webhook-signature")}`);
    expect((await verify(h, bytes)).ok).toBe(true);
  });
});
