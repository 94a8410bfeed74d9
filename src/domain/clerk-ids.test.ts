import { describe, expect, it } from "vitest";
import { isClerkSecretShape } from "./clerk-ids";

const PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
const randomFrom = (alphabet: string, length: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % alphabet.length]).join("");
const secretOfLength = (n: number) => `ak_${randomFrom(PRINTABLE, n)}`;

describe("isClerkSecretShape", () => {
  describe("accepts", () => {
    it("an ak_ secret of printable ASCII", () => {
      expect(isClerkSecretShape(secretOfLength(40))).toBe(true);
    });

    it("a key id (ak_ and 32 hex digits), which verify later sorts out", () => {
      expect(isClerkSecretShape(`ak_${randomFrom("0123456789abcdef", 32)}`)).toBe(true);
    });

    it("the shortest and longest bodies, 16 and 256 characters", () => {
      expect(isClerkSecretShape(secretOfLength(16))).toBe(true);
      expect(isClerkSecretShape(secretOfLength(256))).toBe(true);
    });
  });

  describe("rejects", () => {
    it("a bare short ak_x", () => {
      expect(isClerkSecretShape("ak_x")).toBe(false);
    });

    it("a body one character too short or too long", () => {
      expect(isClerkSecretShape(secretOfLength(15))).toBe(false);
      expect(isClerkSecretShape(secretOfLength(257))).toBe(false);
    });

    it("a token with a space inside", () => {
      const token = secretOfLength(40);
      expect(isClerkSecretShape(`${token.slice(0, 20)} ${token.slice(20)}`)).toBe(false);
    });

    it("a token with surrounding whitespace or a trailing newline", () => {
      const token = secretOfLength(40);
      for (const padded of [` ${token}`, `${token} `, `${token}\n`, `\t${token}`]) {
        expect(isClerkSecretShape(padded)).toBe(false);
      }
    });

    it("a token with non-ASCII characters", () => {
      expect(isClerkSecretShape(`ak_${"a".repeat(20)}é`)).toBe(false);
    });

    it("other prefixes, including an upper-case AK_", () => {
      const body = randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", 40);
      for (const prefix of ["AK_", "sk_live_", "sk_test_", "pk_live_", "ak-", "xak_"]) {
        expect(isClerkSecretShape(`${prefix}${body}`)).toBe(false);
      }
    });

    it("a GitHub personal access token", () => {
      expect(isClerkSecretShape(`ghp_${randomFrom("ABCDEFabcdef0123456789", 36)}`)).toBe(false);
    });

    it("the empty string", () => {
      expect(isClerkSecretShape("")).toBe(false);
    });
  });
});
