import { describe, expect, it } from "vitest";
import { toBase64 } from "../lib/encoding";
import {
  MAX_SOURCE_CHARS,
  MAX_TOKEN_CHARS,
  MAX_TYPE_CHARS,
  MAX_URL_CHARS,
  parseAlertBody,
} from "./alert-body";

const encoder = new TextEncoder();
const body = (value: unknown) => encoder.encode(JSON.stringify(value));
const randomToken = () => `ak_${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
const match = (overrides: Record<string, unknown> = {}) => ({
  token: randomToken(),
  type: "clerk_api_key",
  url: "https://github.com/octo/repo/blob/abc/config.env",
  source: "commit",
  ...overrides,
});

/** The parsed matches of a body that must be accepted. */
function acceptedMatches(bytes: Uint8Array | ArrayBuffer) {
  const result = parseAlertBody(bytes);
  if (!result.ok) throw new Error(`expected the body to be accepted, got ${result.error}`);
  return result.value;
}

describe("parseAlertBody", () => {
  describe("happy path", () => {
    it("keeps every valid match, as given", () => {
      const matches = [match(), match({ source: "issue_comment" })];
      expect(acceptedMatches(body(matches))).toEqual({ matches, invalid: 0 });
    });

    it("reads an ArrayBuffer the same as its bytes", () => {
      const bytes = body([match()]);
      expect(parseAlertBody(bytes.slice().buffer)).toEqual(parseAlertBody(bytes));
    });

    it("accepts a body that starts with a UTF-8 byte order mark", () => {
      const m = match();
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...body([m])]);
      expect(acceptedMatches(bytes).matches).toEqual([m]);
    });

    it("trims the type", () => {
      expect(acceptedMatches(body([match({ type: "  CLERK_API_KEY \n" })])).matches[0]?.type).toBe(
        "CLERK_API_KEY",
      );
    });

    it("ignores extra fields", () => {
      const m = match();
      const [parsed] = acceptedMatches(
        body([{ ...m, secret_type_display_name: "Clerk", extra: { a: 1 } }]),
      ).matches;
      expect(parsed).toStrictEqual(m);
    });
  });

  describe("body errors", () => {
    it("refuses bytes that are not JSON as not_json", () => {
      expect(parseAlertBody(encoder.encode("[{token:"))).toEqual({ ok: false, error: "not_json" });
    });

    it("refuses an empty body as not_json", () => {
      expect(parseAlertBody(new Uint8Array(0))).toEqual({ ok: false, error: "not_json" });
    });

    it("refuses invalid UTF-8 as not_json, even inside otherwise valid JSON", () => {
      const before = encoder.encode('[{"token":"ak_');
      const after = encoder.encode('","type":"clerk_api_key"}]');
      const bytes = new Uint8Array([...before, 0xc3, 0x28, ...after]);
      expect(parseAlertBody(bytes)).toEqual({ ok: false, error: "not_json" });
    });

    it("refuses JSON that is not an array as not_array", () => {
      for (const value of [{ token: "ak_x" }, "text", 1, null, true]) {
        expect(parseAlertBody(body(value))).toEqual({ ok: false, error: "not_array" });
      }
    });

    it("refuses an empty array as empty", () => {
      expect(parseAlertBody(body([]))).toEqual({ ok: false, error: "empty" });
    });
  });

  describe("invalid matches", () => {
    it("skips each invalid match and counts it, keeping the valid ones", () => {
      const good = [match(), match()];
      const bad = [null, "ak_text", 42, [], { type: "clerk_api_key" }, { token: randomToken() }];
      expect(acceptedMatches(body([bad[0], good[0], ...bad.slice(1), good[1]]))).toEqual({
        matches: good,
        invalid: bad.length,
      });
    });

    it("accepts a body in which every match is invalid, with no matches", () => {
      expect(acceptedMatches(body([{}, null]))).toEqual({ matches: [], invalid: 2 });
    });

    it("counts an empty token as invalid", () => {
      expect(acceptedMatches(body([match({ token: "" })])).invalid).toBe(1);
    });

    it("counts a token that is not a string as invalid", () => {
      expect(acceptedMatches(body([match({ token: 12345 })])).invalid).toBe(1);
    });

    it(`counts a token over ${MAX_TOKEN_CHARS} characters as invalid`, () => {
      expect(acceptedMatches(body([match({ token: `ak_${"a".repeat(MAX_TOKEN_CHARS - 2)}` })])).invalid).toBe(
        1,
      );
    });

    it(`accepts a token of exactly ${MAX_TOKEN_CHARS} characters`, () => {
      const token = `ak_${"a".repeat(MAX_TOKEN_CHARS - 3)}`;
      expect(acceptedMatches(body([match({ token })])).matches[0]?.token).toBe(token);
    });

    it("counts a blank type as invalid", () => {
      expect(acceptedMatches(body([match({ type: "   " })])).invalid).toBe(1);
    });

    it(`counts a type over ${MAX_TYPE_CHARS} characters as invalid`, () => {
      expect(acceptedMatches(body([match({ type: "t".repeat(MAX_TYPE_CHARS + 1) })])).invalid).toBe(1);
    });
  });

  describe("url and source", () => {
    it("accepts a missing url as empty", () => {
      const { url: _omit, ...m } = match();
      expect(acceptedMatches(body([m])).matches[0]?.url).toBe("");
    });

    it("accepts a null url as empty", () => {
      expect(acceptedMatches(body([match({ url: null })])).matches[0]?.url).toBe("");
    });

    it("accepts an empty url", () => {
      expect(acceptedMatches(body([match({ url: "" })])).matches[0]?.url).toBe("");
    });

    it(`cuts a long url to ${MAX_URL_CHARS} characters`, () => {
      const url = `https://example.com/${"p".repeat(MAX_URL_CHARS * 2)}`;
      expect(acceptedMatches(body([match({ url })])).matches[0]?.url).toBe(url.slice(0, MAX_URL_CHARS));
    });

    it("counts a url that is not a string as invalid", () => {
      expect(acceptedMatches(body([match({ url: 7 })])).invalid).toBe(1);
    });

    it('names a missing source "unknown"', () => {
      const { source: _omit, ...m } = match();
      expect(acceptedMatches(body([m])).matches[0]?.source).toBe("unknown");
    });

    it('names a null or blank source "unknown"', () => {
      const parsed = acceptedMatches(body([match({ source: null }), match({ source: "  " })]));
      expect(parsed.matches.map((m) => m.source)).toEqual(["unknown", "unknown"]);
    });

    it(`cuts a long source to ${MAX_SOURCE_CHARS} characters`, () => {
      const source = "s".repeat(MAX_SOURCE_CHARS + 10);
      expect(acceptedMatches(body([match({ source })])).matches[0]?.source).toBe(
        "s".repeat(MAX_SOURCE_CHARS),
      );
    });
  });
});
