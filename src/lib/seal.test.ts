import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "./encoding";
import { createSealer } from "./seal";

const randomSecret = () => toBase64(crypto.getRandomValues(new Uint8Array(32)));
const randomToken = () => `ak_${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
const INFO = "incident-secret";

/** Flips one bit of one byte of a base64 part of the sealed text, re-encoding it cleanly. */
function flipBit(sealed: string, part: 1 | 2, byte: number): string {
  const parts = sealed.split(".");
  const bytes = fromBase64(parts[part] as string);
  if (!bytes) throw new Error("sealed text is not base64");
  bytes[byte] = (bytes[byte] as number) ^ 0x01;
  parts[part] = toBase64(bytes);
  return parts.join(".");
}

describe("createSealer", () => {
  describe("happy path", () => {
    it("opens what it sealed under the same associated data", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const token = randomToken();
      expect(await sealer.open(await sealer.seal(token, "row-1"), "row-1")).toBe(token);
    });

    it("opens a value sealed by another sealer built from the same key material and purpose", async () => {
      const material = randomSecret();
      const token = randomToken();
      const sealed = await createSealer(material, INFO).seal(token, "row-1");
      expect(await createSealer(material, INFO).open(sealed, "row-1")).toBe(token);
    });

    it("round-trips non-ASCII text", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      expect(await sealer.open(await sealer.seal("clé ✓ 🔑", "row"), "row")).toBe("clé ✓ 🔑");
    });

    it("round-trips the empty string", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      expect(await sealer.open(await sealer.seal("", "row"), "row")).toBe("");
    });
  });

  describe("confidentiality", () => {
    it("does not contain the plaintext, nor its base64", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const token = randomToken();
      const sealed = await sealer.seal(token, "row-1");
      expect(sealed).not.toContain(token);
      expect(sealed).not.toContain(toBase64(new TextEncoder().encode(token)).slice(0, 16));
    });

    it("seals the same text differently each time", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const token = randomToken();
      expect(await sealer.seal(token, "row-1")).not.toBe(await sealer.seal(token, "row-1"));
    });

    it("writes a versioned text of three dot-separated parts", async () => {
      const sealed = await createSealer(randomSecret(), INFO).seal(randomToken(), "row-1");
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
    });
  });

  describe("attacks", () => {
    it("will not open under other associated data (a value copied to another row)", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      expect(await sealer.open(await sealer.seal(randomToken(), "row-1"), "row-2")).toBeUndefined();
    });

    it("will not open under other key material", async () => {
      const sealed = await createSealer(randomSecret(), INFO).seal(randomToken(), "row-1");
      expect(await createSealer(randomSecret(), INFO).open(sealed, "row-1")).toBeUndefined();
    });

    it("will not open under another purpose (info) from the same key material", async () => {
      const material = randomSecret();
      const sealed = await createSealer(material, INFO).seal(randomToken(), "row-1");
      expect(await createSealer(material, "other-purpose").open(sealed, "row-1")).toBeUndefined();
    });

    it("will not open a tampered ciphertext", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(flipBit(sealed, 2, 0), "row-1")).toBeUndefined();
    });

    it("will not open with a tampered authentication tag", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const sealed = await sealer.seal(randomToken(), "row-1");
      const tagByte = (fromBase64(sealed.split(".")[2] as string)?.length ?? 0) - 1;
      expect(await sealer.open(flipBit(sealed, 2, tagByte), "row-1")).toBeUndefined();
    });

    it("will not open with a tampered IV", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(flipBit(sealed, 1, 0), "row-1")).toBeUndefined();
    });

    it("will not open a truncated ciphertext", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const [version, iv, cipher] = (await sealer.seal(randomToken(), "row-1")).split(".");
      const shorter = toBase64((fromBase64(cipher as string) as Uint8Array).subarray(0, 8));
      expect(await sealer.open(`${version}.${iv}.${shorter}`, "row-1")).toBeUndefined();
    });
  });

  describe("malformed input", () => {
    it("answers undefined for another version tag", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(sealed.replace(/^v1\./, "v2."), "row-1")).toBeUndefined();
    });

    it("answers undefined for text with missing parts", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      for (const text of ["", "v1", "v1.", "v1.abc", "v1..abc", "v1.abc."]) {
        expect(await sealer.open(text, "row-1")).toBeUndefined();
      }
    });

    it("answers undefined for parts that are not base64", async () => {
      const sealer = createSealer(randomSecret(), INFO);
      expect(await sealer.open("v1.!!!!.????", "row-1")).toBeUndefined();
    });
  });
});
