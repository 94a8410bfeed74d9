import { describe, expect, it } from "vitest";
import { generateP256, signDer, utf8 } from "../../test/support/test-signing";
import { toBase64 } from "../lib/encoding";
import { decodeEcdsaSignature, verifyEcdsaSignature } from "./ecdsa-signature";

const body = utf8(`[{"token":"ak_live_example","type":"clerk_api_key","url":"","source":"content"}]`);

describe("verifyEcdsaSignature", () => {
  describe("happy path", () => {
    it("accepts a DER signature over the exact body bytes", async () => {
      const { privateKey, publicKey } = await generateP256();
      const signature = await signDer(privateKey, body);
      expect(await verifyEcdsaSignature(publicKey, signature, body)).toEqual({ ok: true, value: undefined });
    });

    it("accepts the body as an ArrayBuffer", async () => {
      const { privateKey, publicKey } = await generateP256();
      const signature = await signDer(privateKey, body);
      const buffer = body.slice().buffer;
      expect((await verifyEcdsaSignature(publicKey, signature, buffer)).ok).toBe(true);
    });
  });

  describe("errors", () => {
    it("rejects text that is not base64", async () => {
      const { publicKey } = await generateP256();
      expect(await verifyEcdsaSignature(publicKey, "not base64!!", body)).toEqual({
        ok: false,
        error: "malformed_signature",
      });
    });

    it("rejects base64 that is not a DER signature", async () => {
      const { publicKey } = await generateP256();
      const result = await verifyEcdsaSignature(publicKey, toBase64(utf8("hello")), body);
      expect(result).toEqual({ ok: false, error: "malformed_signature" });
    });

    it("rejects a raw P1363 signature (WebCrypto's own format) sent instead of DER", async () => {
      const { privateKey, publicKey } = await generateP256();
      const raw = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, body);
      const result = await verifyEcdsaSignature(publicKey, toBase64(new Uint8Array(raw)), body);
      expect(result.ok).toBe(false);
    });
  });

  describe("attacks", () => {
    it("rejects a tampered body", async () => {
      const { privateKey, publicKey } = await generateP256();
      const signature = await signDer(privateKey, body);
      const tampered = utf8(new TextDecoder().decode(body).replace("ak_live_example", "ak_live_exampld"));
      expect(await verifyEcdsaSignature(publicKey, signature, tampered)).toEqual({
        ok: false,
        error: "bad_signature",
      });
    });

    it("rejects the body with a trailing newline appended", async () => {
      const { privateKey, publicKey } = await generateP256();
      const signature = await signDer(privateKey, body);
      const result = await verifyEcdsaSignature(publicKey, signature, Uint8Array.of(...body, 0x0a));
      expect(result).toEqual({ ok: false, error: "bad_signature" });
    });

    it("rejects a signature made with another key", async () => {
      const sender = await generateP256();
      const attacker = await generateP256();
      const signature = await signDer(attacker.privateKey, body);
      expect(await verifyEcdsaSignature(sender.publicKey, signature, body)).toEqual({
        ok: false,
        error: "bad_signature",
      });
    });
  });
});

describe("decodeEcdsaSignature", () => {
  it("gives the 64-byte P1363 form of a DER signature", async () => {
    const { privateKey } = await generateP256();
    const decoded = decodeEcdsaSignature(await signDer(privateKey, body));
    expect(decoded.ok && decoded.value.length).toBe(64);
  });
});
