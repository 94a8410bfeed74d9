import { describe, expect, it } from "vitest";
import { toBase64 } from "./encoding";
import { MAX_SEALING_KEYS, parseKeyring } from "./keyring";

const keyText = (bytes = 32) => toBase64(crypto.getRandomValues(new Uint8Array(bytes)));

function keysOf(text: string) {
  const result = parseKeyring(text);
  if (!result.ok) throw new Error(`expected a keyring, got: ${result.error.join("; ")}`);
  return result.value;
}

function problemsOf(text: string): string {
  const result = parseKeyring(text);
  if (result.ok) throw new Error("expected the keyring to be refused");
  return result.error.join("; ");
}

describe("parseKeyring", () => {
  describe("happy path", () => {
    it("reads one named key", () => {
      const key = keyText();
      const [only, ...rest] = keysOf(`k1=${key}`);
      expect(only?.name).toBe("k1");
      expect(toBase64(only?.key ?? new Uint8Array())).toBe(key);
      expect(rest).toEqual([]);
    });

    it("keeps the order given, oldest first, with commas or newlines between entries", () => {
      const text = `a=${keyText()}, b=${keyText()}\nc=${keyText()}\r\nd=${keyText()}`;
      expect(keysOf(text).map((k) => k.name)).toEqual(["a", "b", "c", "d"]);
    });

    it("ignores blank entries and spaces around names and keys", () => {
      expect(keysOf(`\n  a = ${keyText()} ,,\n\n b=${keyText()}\n`).map((k) => k.name)).toEqual(["a", "b"]);
    });
  });

  describe("errors", () => {
    it("refuses an empty keyring", () => {
      expect(problemsOf(" \n, ")).toMatch(/at least one key/);
    });

    it("refuses an entry without a name, naming its position but not its text", () => {
      const key = keyText();
      const problems = problemsOf(`a=${keyText()},${key}`);
      expect(problems).toContain("entry 2");
      expect(problems).not.toContain(key.slice(0, 20));
    });

    it("refuses a key of another length, naming the entry but never the key", () => {
      for (const key of [keyText(16), keyText(33), keyText(31)]) {
        const problems = problemsOf(`short=${key}`);
        expect(problems).toContain('entry 1 ("short")');
        expect(problems).not.toContain(key.slice(0, 12));
      }
    });

    it("refuses a key that is not base64", () => {
      expect(problemsOf(`k=${"!".repeat(43)}=`)).toContain('entry 1 ("k")');
    });

    it("refuses a name with a dot, and does not quote it", () => {
      const problems = problemsOf(`bad.name=${keyText()}`);
      expect(problems).toContain("entry 1");
      expect(problems).not.toContain("bad.name");
    });

    it("does not quote a name long enough to be key material pasted the wrong way round", () => {
      const key = keyText();
      const problems = problemsOf(`${key.slice(0, -1)}=name`);
      expect(problems).toContain("entry 1");
      expect(problems).not.toContain(key.slice(0, 12));
    });

    it("refuses a repeated name", () => {
      expect(problemsOf(`a=${keyText()},a=${keyText()}`)).toContain('entry 2 ("a") repeats');
    });

    it(`refuses more than ${MAX_SEALING_KEYS} keys`, () => {
      const text = Array.from({ length: MAX_SEALING_KEYS + 1 }, (_, i) => `k${i}=${keyText()}`).join(",");
      expect(problemsOf(text)).toContain(`at most ${MAX_SEALING_KEYS}`);
    });

    it("lists every bad entry", () => {
      const problems = problemsOf(`a=short,b=${keyText()},c=short`);
      expect(problems).toContain("entry 1");
      expect(problems).toContain("entry 3");
    });
  });
});
