import { describe, expect, it } from "vitest";
import { readLimitedText } from "./read-limited-text";

describe("readLimitedText", () => {
  it("returns a body within the limit", async () => {
    expect(await readLimitedText(new Response("hello"), 5)).toBe("hello");
  });

  it("returns an empty string for no body", async () => {
    expect(await readLimitedText(new Response(null), 5)).toBe("");
  });

  it("refuses a body one byte over the limit", async () => {
    expect(await readLimitedText(new Response("hello!"), 5)).toBeUndefined();
  });

  it("refuses a body whose declared length is over the limit without reading it", async () => {
    const response = new Response("hi", { headers: { "content-length": "999999" } });
    expect(await readLimitedText(response, 5)).toBeUndefined();
  });

  it("refuses bytes that are not UTF-8", async () => {
    expect(await readLimitedText(new Response(Uint8Array.of(0xff, 0xfe)), 5)).toBeUndefined();
  });
});
