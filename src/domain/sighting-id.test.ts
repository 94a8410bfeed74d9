import { describe, expect, it } from "vitest";
import { sha256Hex } from "../lib/hash";
import { createSightingMaker } from "./sighting-id";

const key = () => crypto.getRandomValues(new Uint8Array(32));
const HASH = "a".repeat(64);
const details = { url: "https://github.com/o/r/blob/main/.env", source: "content", type: "Clerk_API_Key" };

describe("createSightingMaker", () => {
  it("gives the same details from the same sender the same id, so they count on one row", async () => {
    const make = createSightingMaker(key());
    expect((await make(HASH, "github", details)).sightingId).toBe(
      (await make(HASH, "github", details)).sightingId,
    );
  });

  it("gives the same details from another sender another id", async () => {
    const make = createSightingMaker(key());
    expect((await make(HASH, "github", details)).sightingId).not.toBe(
      (await make(HASH, "depsdev", details)).sightingId,
    );
  });

  it("gives another id under another key, so an id cannot be recomputed without the keyring", async () => {
    const [a, b] = [createSightingMaker(key()), createSightingMaker(key())];
    expect((await a(HASH, "github", details)).sightingId).not.toBe(
      (await b(HASH, "github", details)).sightingId,
    );
  });

  it("is not a plain SHA-256 of the details", async () => {
    const { sightingId } = await createSightingMaker(key())(HASH, "github", details);
    const parts = [HASH, "github", details.url, details.source, details.type.toLowerCase()];
    expect(sightingId).not.toBe(await sha256Hex(JSON.stringify(parts)));
    expect(sightingId).not.toBe(
      await sha256Hex(JSON.stringify([HASH, details.url, details.source, "clerk_api_key"])),
    );
  });

  it("keeps the parts apart: moving text from the url into the source changes the id", async () => {
    const make = createSightingMaker(key());
    const a = await make(HASH, "github", { url: "https://x/a", source: "b", type: "t" });
    const b = await make(HASH, "github", { url: "https://x/", source: "ab", type: "t" });
    expect(a.sightingId).not.toBe(b.sightingId);
  });

  it("records the type lowercased, and the rest as sent", async () => {
    expect(await createSightingMaker(key())(HASH, "github", details)).toMatchObject({
      tokenHash: HASH,
      url: details.url,
      source: details.source,
      type: "clerk_api_key",
    });
  });
});
