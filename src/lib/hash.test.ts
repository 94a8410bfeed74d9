import { describe, expect, it } from "vitest";
import { sha256Hex, TOKEN_PREFIX_CHARS, tokenPrefix } from "./hash";

const randomToken = (length: number) => {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (b) => alphabet[b % alphabet.length],
  ).join("");
};

describe("sha256Hex", () => {
  describe("known vectors (FIPS 180-2)", () => {
    it('hashes "abc"', async () => {
      expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    });

    it("hashes the empty string", async () => {
      expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    });

    it("hashes the two-block message", async () => {
      expect(await sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      );
    });
  });

  describe("encoding", () => {
    it("hashes the UTF-8 bytes of the text", async () => {
      expect(await sha256Hex("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
    });

    it("answers 64 lowercase hex digits", async () => {
      expect(await sha256Hex(randomToken(40))).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});

describe("tokenPrefix", () => {
  describe("happy path", () => {
    it("keeps the first seven characters of a long token and marks the cut", () => {
      const token = `ak_${randomToken(40)}`;
      expect(tokenPrefix(token)).toBe(`${token.slice(0, 7)}…`);
    });
  });

  describe("never gives a secret away", () => {
    it("reveals at most a quarter of the token, and at most seven characters, for every length up to 100", () => {
      expect(TOKEN_PREFIX_CHARS).toBe(7);
      for (let length = 0; length <= 100; length++) {
        const token = randomToken(length);
        const prefix = tokenPrefix(token);
        expect(prefix.endsWith("…")).toBe(true);
        const shown = prefix.slice(0, -1);
        expect(token.startsWith(shown)).toBe(true);
        expect(shown.length).toBeLessThanOrEqual(Math.min(7, length / 4));
      }
    });

    it("shows nothing of a token shorter than four characters", () => {
      expect(tokenPrefix("ak_")).toBe("…");
    });

    it("shows a quarter of an eight-character token: two characters", () => {
      expect(tokenPrefix("ak_12345")).toBe("ak…");
    });
  });
});
