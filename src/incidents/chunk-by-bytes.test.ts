import { describe, expect, it } from "vitest";
import { chunkJsonArrays, type JsonValue, utf8ByteLength } from "./chunk-by-bytes";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).length;

/** Characters whose JSON text is far longer than their count: escapes, controls, non-ASCII. */
const HOSTILE = '"\\\u0000\u0001\u001f\n\t\u007féé€😀\u2028';

const row = (i: number, url = `https://example.com/${i}`) => ({ i, u: url });

describe("utf8ByteLength", () => {
  it.each([
    ["ASCII", "abc"],
    ["two-byte", "é"],
    ["three-byte", "€\u2028"],
    ["a surrogate pair", "😀"],
    ["a lone high surrogate", "a\uD800b"],
    ["a lone low surrogate", "\uDC00"],
    ["a reversed pair", "\uDE00\uD83D"],
    ["a mix", `x${HOSTILE.repeat(3)}y`],
    ["empty", ""],
  ])("counts %s as TextEncoder encodes it", (_name, text) => {
    expect(utf8ByteLength(text)).toBe(bytes(text));
  });
});

describe("chunkJsonArrays", () => {
  it("answers no chunk for no rows", () => {
    expect(chunkJsonArrays([], 100)).toEqual([]);
  });

  it("keeps every row once and in order", () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i, `${HOSTILE}${"x".repeat(i % 17)}`));
    const chunks = chunkJsonArrays(rows, 1_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap((c) => JSON.parse(c) as JsonValue[])).toEqual(rows);
  });

  it("keeps every chunk within the budget in UTF-8 bytes, not in characters", () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(i, "€😀é".repeat(1 + (i % 9))));
    // Characters understate these rows' bytes by half or more, so a count of characters would overfill.
    const text = JSON.stringify(rows);
    expect(bytes(text)).toBeGreaterThan(1.5 * text.length);
    const budget = 700;
    for (const chunk of chunkJsonArrays(rows, budget)) expect(bytes(chunk)).toBeLessThanOrEqual(budget);
  });

  it("fills each chunk: the next row would not have fitted in it", () => {
    const rows = Array.from({ length: 100 }, (_, i) => row(i, HOSTILE.repeat(1 + (i % 5))));
    const budget = 500;
    const chunks = chunkJsonArrays(rows, budget);
    let next = 0;
    for (const chunk of chunks.slice(0, -1)) {
      next += (JSON.parse(chunk) as JsonValue[]).length;
      expect(bytes(chunk) + 1 + bytes(JSON.stringify(rows[next]))).toBeGreaterThan(budget);
    }
  });

  it("puts a row exactly at the budget in a chunk of its own", () => {
    const exact = { u: "é".repeat(10) }; // [{"u":"éééééééééé"}] is 10 + 20 bytes
    const budget = bytes(JSON.stringify([exact]));
    expect(budget).toBe(30);
    const small = (u: string) => ({ u });
    expect(chunkJsonArrays([small("a"), exact, small("b")], budget)).toEqual([
      JSON.stringify([small("a")]),
      JSON.stringify([exact]),
      JSON.stringify([small("b")]),
    ]);
  });

  it("packs two rows that fill the budget exactly into one chunk", () => {
    const rows = [{ u: "ab" }, { u: "€" }];
    const budget = bytes(JSON.stringify(rows));
    expect(chunkJsonArrays(rows, budget)).toEqual([JSON.stringify(rows)]);
    expect(chunkJsonArrays(rows, budget - 1)).toEqual(rows.map((r) => JSON.stringify([r])));
  });

  it("measures escaped control characters at their six escaped bytes", () => {
    const control = { u: "\u0001".repeat(10) }; // 10 characters, 60 bytes of JSON text
    const budget = bytes(JSON.stringify([control]));
    expect(budget).toBe(10 * 6 + 10);
    expect(() => chunkJsonArrays([control], budget - 1)).toThrow(RangeError);
  });

  it("throws when one row alone is over the budget: no chunk could hold it", () => {
    expect(() => chunkJsonArrays([row(1), { u: "x".repeat(100) }], 50)).toThrow(RangeError);
  });
});
