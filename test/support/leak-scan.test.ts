import { describe, expect, it } from "vitest";
import { createLeakScanner, LEAK_WINDOW_CHARS } from "./leak-scan";

const SECRET = "ak_Tq9xW2mZpL4vB7nR0sY3kD8fH1jG6cE5";
const scan = (text: string) => createLeakScanner([SECRET]).find({ text });
const toBase64 = (s: string) => btoa(s);

describe("the leak scanner finds a secret", () => {
  it("whole", () => {
    expect(scan(`{"token":"${SECRET}"}`)).toMatchObject({ where: "text", secretPrefix: "ak_Tq9" });
  });

  it(`as any ${LEAK_WINDOW_CHARS}-character window of it`, () => {
    for (let i = 0; i + LEAK_WINDOW_CHARS <= SECRET.length; i++) {
      expect(scan(`prefix=${SECRET.slice(i, i + LEAK_WINDOW_CHARS)};`)).toBeDefined();
    }
  });

  it("base64-encoded, alone or inside a larger encoded text at any alignment", () => {
    expect(scan(toBase64(SECRET))).toBeDefined();
    for (const before of ["", "a", "ab", "abc", '{"t":"']) {
      expect(scan(toBase64(`${before}${SECRET}","more":1}`))).toBeDefined();
    }
  });

  it("base64url-encoded", () => {
    const url = toBase64(`xx${SECRET}`).replaceAll("+", "-").replaceAll("/", "_");
    expect(scan(url)).toBeDefined();
  });

  it("URL-encoded, when that changes it", () => {
    const odd = "ak_a/b+c=d&e?f#g h%i^j[k]l";
    expect(
      createLeakScanner([odd]).find({ url: `https://x.test/?q=${encodeURIComponent(odd)}` }),
    ).toBeDefined();
  });
});

describe("the leak scanner stays quiet", () => {
  it("about the short prefix autorevoke shows, and the hash", () => {
    expect(
      scan(`{"token_prefix":"${SECRET.slice(0, 7)}…","token_hash":"9f86d081884c7d659a2feaa0c55ad015"}`),
    ).toBeUndefined();
  });

  it("about a window one character shorter than the threshold", () => {
    expect(scan(SECRET.slice(5, 5 + LEAK_WINDOW_CHARS - 1))).toBeUndefined();
  });

  it("when no secret was tracked", () => {
    expect(createLeakScanner([]).find({ text: SECRET })).toBeUndefined();
  });
});
