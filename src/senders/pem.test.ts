import { describe, expect, it } from "vitest";
import { exportPem, generateP256 } from "../../test/support/test-signing";
import { importEcdsaPublicKey } from "./pem";

describe("importEcdsaPublicKey", () => {
  describe("happy path", () => {
    it("imports a P-256 SPKI PEM as an ECDSA verify key", async () => {
      const { publicKey } = await generateP256();
      const key = await importEcdsaPublicKey(await exportPem(publicKey));
      expect(key?.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
      expect(key?.usages).toEqual(["verify"]);
    });

    it("imports a PEM without the trailing newline", async () => {
      const { publicKey } = await generateP256();
      expect(await importEcdsaPublicKey((await exportPem(publicKey)).trimEnd())).toBeDefined();
    });
  });

  describe("errors", () => {
    it("rejects text that is not PEM", async () => {
      expect(await importEcdsaPublicKey("hello")).toBeUndefined();
    });

    it("rejects a PEM whose body is not a key", async () => {
      expect(
        await importEcdsaPublicKey("-----BEGIN PUBLIC KEY-----\naGVsbG8=\n-----END PUBLIC KEY-----\n"),
      ).toBeUndefined();
    });

    it("rejects a private key block", async () => {
      const pem = (await exportPem((await generateP256()).publicKey)).replaceAll("PUBLIC", "PRIVATE");
      expect(await importEcdsaPublicKey(pem)).toBeUndefined();
    });

    it("rejects a key on another curve (P-384)", async () => {
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
        "sign",
        "verify",
      ]);
      if (!("publicKey" in pair)) throw new Error("expected a key pair");
      expect(await importEcdsaPublicKey(await exportPem(pair.publicKey))).toBeUndefined();
    });
  });
});
