import { describe, expect, it } from "vitest";
import { MAX_KEY_LIST_ENTRIES, parseKeyList } from "./key-list";

const PEM = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";

describe("parseKeyList", () => {
  describe("happy path", () => {
    it("returns the entries of a well-formed list", () => {
      const result = parseKeyList({ public_keys: [{ key_identifier: "ab12", key: PEM, is_current: true }] });
      expect(result).toEqual({ ok: true, value: [{ key_identifier: "ab12", key: PEM, is_current: true }] });
    });

    it("does not require is_current", () => {
      expect(parseKeyList({ public_keys: [{ key_identifier: "ab12", key: PEM }] }).ok).toBe(true);
    });

    it("drops unknown fields", () => {
      const result = parseKeyList({
        extra: 1,
        public_keys: [{ key_identifier: "ab12", key: PEM, algo: "x" }],
      });
      expect(result).toEqual({ ok: true, value: [{ key_identifier: "ab12", key: PEM }] });
    });

    it("lowercases key identifiers", () => {
      const result = parseKeyList({ public_keys: [{ key_identifier: "AB12", key: PEM }] });
      expect(result.ok && result.value[0]?.key_identifier).toBe("ab12");
    });

    it("accepts an empty list", () => {
      expect(parseKeyList({ public_keys: [] })).toEqual({ ok: true, value: [] });
    });
  });

  describe("errors", () => {
    it.each([
      ["null", null],
      ["an array", []],
      ["no public_keys", {}],
      ["public_keys not an array", { public_keys: "x" }],
      ["a missing key", { public_keys: [{ key_identifier: "ab" }] }],
      ["a numeric key_identifier", { public_keys: [{ key_identifier: 1, key: PEM }] }],
      ["an empty key_identifier", { public_keys: [{ key_identifier: "", key: PEM }] }],
      ["a string is_current", { public_keys: [{ key_identifier: "ab", key: PEM, is_current: "yes" }] }],
    ])("rejects %s", (_label, json) => {
      expect(parseKeyList(json)).toEqual({ ok: false, error: "invalid_key_list" });
    });
  });

  describe("attacks", () => {
    it("rejects a list with more entries than any sender publishes", () => {
      const entries = Array.from({ length: MAX_KEY_LIST_ENTRIES + 1 }, (_, i) => ({
        key_identifier: `${i}`,
        key: PEM,
      }));
      expect(parseKeyList({ public_keys: entries }).ok).toBe(false);
    });

    it("rejects an oversized PEM", () => {
      expect(parseKeyList({ public_keys: [{ key_identifier: "ab", key: "A".repeat(100_000) }] }).ok).toBe(
        false,
      );
    });
  });
});
