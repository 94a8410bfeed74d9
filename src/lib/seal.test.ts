import { describe, expect, it } from "vitest";
import { legacySeal } from "../../test/support/legacy-seal";
import { fromBase64, toBase64 } from "./encoding";
import type { SealingKey } from "./keyring";
import { createSealer } from "./seal";

const keyNamed = (name: string): SealingKey => ({ name, key: crypto.getRandomValues(new Uint8Array(32)) });
const randomToken = () => `ak_${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
const CLERK_KEY = "sk_test_legacy_material_0123456789";

/** A sealer over one fresh key. */
const oneKey = () => createSealer({ keys: [keyNamed("k1")] });

/** Flips one bit of one byte of a base64 part of the sealed text, re-encoding it cleanly. */
function flipBit(sealed: string, part: 2 | 3, byte: number): string {
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
      const sealer = oneKey();
      const token = randomToken();
      expect(await sealer.open(await sealer.seal(token, "row-1"), "row-1")).toBe(token);
    });

    it("opens a value sealed by another sealer over the same keyring", async () => {
      const keys = [keyNamed("k1")];
      const token = randomToken();
      const sealed = await createSealer({ keys }).seal(token, "row-1");
      expect(await createSealer({ keys }).open(sealed, "row-1")).toBe(token);
    });

    it("round-trips non-ASCII text", async () => {
      const sealer = oneKey();
      expect(await sealer.open(await sealer.seal("clé ✓ 🔑", "row"), "row")).toBe("clé ✓ 🔑");
    });

    it("round-trips the empty string", async () => {
      const sealer = oneKey();
      expect(await sealer.open(await sealer.seal("", "row"), "row")).toBe("");
    });
  });

  describe("the keyring", () => {
    it("seals under the last key, and the value names it", async () => {
      const sealer = createSealer({ keys: [keyNamed("old"), keyNamed("new")] });
      expect(await sealer.seal(randomToken(), "row-1")).toMatch(
        /^v2\.new\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/,
      );
      expect(sealer.sealingKeyName).toBe("new");
    });

    it("opens a value sealed under an older key that is still listed", async () => {
      const old = keyNamed("old");
      const token = randomToken();
      const sealed = await createSealer({ keys: [old] }).seal(token, "row-1");
      expect(await createSealer({ keys: [old, keyNamed("new")] }).open(sealed, "row-1")).toBe(token);
    });

    it("does not open a value whose key is no longer listed, and says it does not hold that key", async () => {
      const sealed = await createSealer({ keys: [keyNamed("old")] }).seal(randomToken(), "row-1");
      const sealer = createSealer({ keys: [keyNamed("new")] });
      expect(await sealer.open(sealed, "row-1")).toBeUndefined();
      expect(sealer.holdsKeyFor(sealed)).toBe(false);
    });

    it("says it holds the key of a value it sealed", async () => {
      const sealer = oneKey();
      expect(sealer.holdsKeyFor(await sealer.seal(randomToken(), "row-1"))).toBe(true);
    });

    it("lists the older keys' prefixes and v1 as what re-sealing looks for, never the sealing key's", () => {
      const sealer = createSealer({
        keys: [keyNamed("a"), keyNamed("b"), keyNamed("c")],
        legacyKeyMaterial: CLERK_KEY,
      });
      expect(sealer.olderPrefixes).toEqual(["v2.a.", "v2.b.", "v1."]);
    });
  });

  describe("v1 values, sealed under CLERK_SECRET_KEY before the keyring", () => {
    it("opens them with the legacy key material", async () => {
      const token = randomToken();
      const sealed = await legacySeal(CLERK_KEY, token, "row-1");
      expect(
        await createSealer({ keys: [keyNamed("k1")], legacyKeyMaterial: CLERK_KEY }).open(sealed, "row-1"),
      ).toBe(token);
    });

    it("does not open them under other legacy key material", async () => {
      const sealed = await legacySeal(CLERK_KEY, randomToken(), "row-1");
      const sealer = createSealer({ keys: [keyNamed("k1")], legacyKeyMaterial: "sk_test_rotated" });
      expect(await sealer.open(sealed, "row-1")).toBeUndefined();
    });

    it("never seals v1", async () => {
      const sealer = createSealer({ keys: [keyNamed("k1")], legacyKeyMaterial: CLERK_KEY });
      expect(await sealer.seal(randomToken(), "row-1")).toMatch(/^v2\.k1\./);
    });
  });

  describe("confidentiality", () => {
    it("does not contain the plaintext, nor its base64", async () => {
      const sealer = oneKey();
      const token = randomToken();
      const sealed = await sealer.seal(token, "row-1");
      expect(sealed).not.toContain(token);
      expect(sealed).not.toContain(toBase64(new TextEncoder().encode(token)).slice(0, 16));
    });

    it("seals the same text differently each time", async () => {
      const sealer = oneKey();
      const token = randomToken();
      expect(await sealer.seal(token, "row-1")).not.toBe(await sealer.seal(token, "row-1"));
    });
  });

  describe("attacks", () => {
    it("will not open under other associated data (a value copied to another row)", async () => {
      const sealer = oneKey();
      expect(await sealer.open(await sealer.seal(randomToken(), "row-1"), "row-2")).toBeUndefined();
    });

    it("will not open under another key of the same name", async () => {
      const sealed = await oneKey().seal(randomToken(), "row-1");
      expect(await oneKey().open(sealed, "row-1")).toBeUndefined();
    });

    it("will not open a value relabelled with the name of another listed key", async () => {
      const a = keyNamed("a");
      const sealer = createSealer({ keys: [a, { name: "b", key: a.key }] });
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(sealed.replace(/^v2\.b\./, "v2.a."), "row-1")).toBeUndefined();
    });

    it("will not open a tampered ciphertext", async () => {
      const sealer = oneKey();
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(flipBit(sealed, 3, 0), "row-1")).toBeUndefined();
    });

    it("will not open with a tampered authentication tag", async () => {
      const sealer = oneKey();
      const sealed = await sealer.seal(randomToken(), "row-1");
      const tagByte = (fromBase64(sealed.split(".")[3] as string)?.length ?? 0) - 1;
      expect(await sealer.open(flipBit(sealed, 3, tagByte), "row-1")).toBeUndefined();
    });

    it("will not open with a tampered IV", async () => {
      const sealer = oneKey();
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(flipBit(sealed, 2, 0), "row-1")).toBeUndefined();
    });

    it("will not open a truncated ciphertext", async () => {
      const sealer = oneKey();
      const [version, name, iv, cipher] = (await sealer.seal(randomToken(), "row-1")).split(".");
      const shorter = toBase64((fromBase64(cipher as string) as Uint8Array).subarray(0, 8));
      expect(await sealer.open(`${version}.${name}.${iv}.${shorter}`, "row-1")).toBeUndefined();
    });
  });

  describe("malformed input", () => {
    it("answers undefined for another version tag", async () => {
      const sealer = oneKey();
      const sealed = await sealer.seal(randomToken(), "row-1");
      expect(await sealer.open(sealed.replace(/^v2\./, "v3."), "row-1")).toBeUndefined();
    });

    it("answers undefined for text with missing parts", async () => {
      const sealer = createSealer({ keys: [keyNamed("k1")], legacyKeyMaterial: CLERK_KEY });
      for (const text of [
        "",
        "v2",
        "v2.k1",
        "v2.k1.",
        "v2.k1.abc",
        "v2.k1..abc",
        "v1.",
        "v1.abc",
        "v1..abc",
      ]) {
        expect(await sealer.open(text, "row-1")).toBeUndefined();
      }
    });

    it("answers undefined for parts that are not base64", async () => {
      expect(await oneKey().open("v2.k1.!!!!.????", "row-1")).toBeUndefined();
    });
  });
});
