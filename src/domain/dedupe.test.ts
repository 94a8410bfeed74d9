import { describe, expect, it } from "vitest";
import { toBase64 } from "../lib/encoding";
import { sha256Hex } from "../lib/hash";
import type { Match } from "./alert-body";
import { dedupeMatches } from "./dedupe";

const randomToken = () => `ak_${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
const match = (token: string, overrides: Partial<Match> = {}): Match => ({
  token,
  type: "clerk_api_key",
  url: `https://github.com/octo/repo/blob/${crypto.randomUUID()}/.env`,
  source: "commit",
  ...overrides,
});

describe("dedupeMatches", () => {
  describe("happy path", () => {
    it("keys each token by its SHA-256 hex", async () => {
      const token = randomToken();
      const [entry] = await dedupeMatches([match(token)]);
      expect(entry?.tokenHash).toBe(await sha256Hex(token));
      expect(entry?.token).toBe(token);
    });

    it("gathers a token seen twice into one entry with both sightings", async () => {
      const token = randomToken();
      const first = match(token);
      const second = match(token, { source: "issue_body" });
      const entries = await dedupeMatches([first, second]);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.sightings).toEqual([
        { url: first.url, source: first.source, type: first.type },
        { url: second.url, source: second.source, type: second.type },
      ]);
    });

    it("keeps distinct tokens in first-seen order", async () => {
      const tokens = Array.from({ length: 5 }, randomToken);
      const [a, b, c, d, e] = tokens as [string, string, string, string, string];
      const entries = await dedupeMatches([c, a, c, e, b, a, d].map((t) => match(t)));
      expect(entries.map((x) => x.token)).toEqual([c, a, e, b, d]);
    });

    it("keeps each token's sightings in the order they were seen", async () => {
      const token = randomToken();
      const matches = [match(token), match(randomToken()), match(token), match(token)];
      const [entry] = await dedupeMatches(matches);
      expect(entry?.sightings.map((s) => s.url)).toEqual([matches[0]?.url, matches[2]?.url, matches[3]?.url]);
    });
  });

  describe("edge cases", () => {
    it("records an identical sighting once", async () => {
      const m = match(randomToken());
      const [entry] = await dedupeMatches([m, { ...m }, { ...m }]);
      expect(entry?.sightings).toHaveLength(1);
    });

    it("treats the same place under a differently cased type as one sighting, keeping the first", async () => {
      const m = match(randomToken(), { type: "clerk_api_key" });
      const [entry] = await dedupeMatches([m, { ...m, type: "CLERK_API_KEY" }]);
      expect(entry?.sightings).toEqual([{ url: m.url, source: m.source, type: "clerk_api_key" }]);
    });

    it("keeps the type as the sender first reported it", async () => {
      const token = randomToken();
      const [entry] = await dedupeMatches([
        match(token, { type: "CLERK_API_KEY" }),
        match(token, { type: "clerk_api_key_secret" }),
      ]);
      expect(entry?.type).toBe("CLERK_API_KEY");
    });

    it("does not merge sightings of different tokens at the same place", async () => {
      const place = { url: "https://github.com/octo/repo/blob/abc/.env", source: "commit" };
      const entries = await dedupeMatches([match(randomToken(), place), match(randomToken(), place)]);
      expect(entries.map((e) => e.sightings.length)).toEqual([1, 1]);
    });

    it("answers nothing for no matches", async () => {
      expect(await dedupeMatches([])).toEqual([]);
    });
  });
});
