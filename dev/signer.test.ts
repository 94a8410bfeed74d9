import { describe, expect, it } from "vitest";
import {
  createAlertRequest,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  p1363ToDer,
  signAlertBody,
} from "./signer.ts";

// An independent DER reader, so the signer is checked against a second implementation, strictly: minimal,
// positive integers and exact lengths, as a verifier must accept them.
function derToP1363(der: Uint8Array): Uint8Array {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  const out = new Uint8Array(64);
  let at = 2;
  for (const half of [0, 1]) {
    expect(der[at]).toBe(0x02);
    const length = der[at + 1] ?? 0;
    let int = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    expect(int.length).toBeGreaterThan(0);
    expect((int[0] ?? 0) & 0x80).toBe(0);
    if (int.length > 1) expect(int[0] === 0 && ((int[1] ?? 0) & 0x80) === 0).toBe(false);
    if (int[0] === 0) int = int.subarray(1);
    expect(int.length).toBeLessThanOrEqual(32);
    out.set(int, half * 32 + 32 - int.length);
  }
  expect(at).toBe(der.length);
  return out;
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Verifies the way a receiver does: from the PEM text and the base64 header only.
async function verifyAsReceiver(
  pem: string,
  signatureB64: string,
  body: string | Uint8Array,
): Promise<boolean> {
  const spki = fromBase64(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s/g, ""));
  const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, [
    "verify",
  ]);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const signature = derToP1363(fromBase64(signatureB64));
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, bytes);
}

describe("signing keys", () => {
  it("identifies a key by the SHA-256 of its PEM text, trailing newline included", async () => {
    const key = await generateSigningKey();
    expect(key.publicKeyPem.endsWith("-----END PUBLIC KEY-----\n")).toBe(true);
    expect(key.publicKeyPem.startsWith("-----BEGIN PUBLIC KEY-----\n")).toBe(true);
    for (const line of key.publicKeyPem.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(64);
    expect(key.keyIdentifier).toBe(await sha256Hex(key.publicKeyPem));
    expect(key.keyIdentifier).toMatch(/^[0-9a-f]{64}$/);
  });

  it("survives a JWK export and import with the same identifier and a working private key", async () => {
    const key = await generateSigningKey();
    const restored = await importSigningKey(JSON.parse(JSON.stringify(await exportSigningKey(key))));
    expect(restored.keyIdentifier).toBe(key.keyIdentifier);
    expect(restored.publicKeyPem).toBe(key.publicKeyPem);
    const signature = await signAlertBody(restored.privateKey, "[]");
    expect(await verifyAsReceiver(key.publicKeyPem, signature, "[]")).toBe(true);
  });
});

describe("alert signatures", () => {
  it("verify with WebCrypto over the exact body bytes", async () => {
    const key = await generateSigningKey();
    const body =
      '[{"token":"ak_x","type":"clerk_api_key","url":" https://github.com/o/r","source":"content"}]';
    expect(await verifyAsReceiver(key.publicKeyPem, await signAlertBody(key.privateKey, body), body)).toBe(
      true,
    );
  });

  it("do not verify for a body changed by one byte, or re-serialised", async () => {
    const key = await generateSigningKey();
    const body = '[ {"token": "ak_x"} ]';
    const signature = await signAlertBody(key.privateKey, body);
    expect(await verifyAsReceiver(key.publicKeyPem, signature, body.replace("x", "y"))).toBe(false);
    expect(await verifyAsReceiver(key.publicKeyPem, signature, JSON.stringify(JSON.parse(body)))).toBe(false);
  });

  it("are strict DER for many signatures (high-bit and short integers occur)", async () => {
    const key = await generateSigningKey();
    const bytes = new Uint8Array([0, 255, 10, 13]);
    for (let i = 0; i < 64; i++) {
      expect(
        await verifyAsReceiver(key.publicKeyPem, await signAlertBody(key.privateKey, bytes), bytes),
      ).toBe(true);
    }
  });
});

describe("P1363 to DER", () => {
  it("prefixes 0x00 to an integer whose high bit is set", () => {
    const raw = new Uint8Array(64).fill(0x80);
    const der = p1363ToDer(raw);
    expect([...der.subarray(0, 5)]).toEqual([0x30, 70, 0x02, 33, 0x00]);
    expect(derToP1363(der)).toEqual(raw);
  });

  it("strips leading zero bytes, down to a single zero", () => {
    const raw = new Uint8Array(64);
    raw[31] = 0x01; // r = 1
    const der = p1363ToDer(raw);
    expect([...der]).toEqual([0x30, 6, 0x02, 1, 0x01, 0x02, 1, 0x00]);
    expect(derToP1363(der)).toEqual(raw);
  });

  it("keeps a leading zero that guards a high bit after stripping", () => {
    const raw = new Uint8Array(64).fill(0x11);
    raw[0] = 0x00;
    raw[1] = 0x90;
    const der = p1363ToDer(raw);
    expect([...der.subarray(2, 5)]).toEqual([0x02, 32, 0x00]);
    expect(derToP1363(der)).toEqual(raw);
  });
});

describe("alert requests", () => {
  it("carry GitHub's headers and the body unchanged", async () => {
    const key = await generateSigningKey();
    const body = '[{"token":"ak_x","type":"clerk_api_key"}]';
    const alert = await createAlertRequest({
      url: "http://autorevoke.test/v1/alerts/github",
      body,
      key,
      sender: "github",
    });
    expect(alert.method).toBe("POST");
    expect(alert.body).toBe(body);
    expect(Object.keys(alert.headers).sort()).toEqual([
      "Content-Type",
      "Github-Public-Key-Identifier",
      "Github-Public-Key-Signature",
    ]);
    expect(alert.headers["Content-Type"]).toBe("application/json");
    expect(alert.headers["Github-Public-Key-Identifier"]).toBe(key.keyIdentifier);
    const signature = alert.headers["Github-Public-Key-Signature"] ?? "";
    expect(await verifyAsReceiver(key.publicKeyPem, signature, body)).toBe(true);
  });

  it("use GitLab's names, and configurable deps.dev names", async () => {
    const key = await generateSigningKey();
    const gitlab = await createAlertRequest({ url: "http://x/", body: "[]", key, sender: "gitlab" });
    expect(gitlab.headers["Gitlab-Public-Key-Identifier"]).toBe(key.keyIdentifier);
    const depsdev = await createAlertRequest({
      url: "http://x/",
      body: "[]",
      key,
      sender: "depsdev",
      headerPrefix: "GOSST",
    });
    expect(depsdev.headers["GOSST-Public-Key-Signature"]).toBeDefined();
  });
});
